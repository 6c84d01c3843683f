/** Grammar helpers for header field values (RFC 3261 §25). All pure; garbage throws SipParseError. */
export { splitCommaList } from './comma-list';
export { parseCSeq, formatCSeq, type CSeq } from './cseq';
export { canonicalHeaderName } from './header-names';
export { newBranch, newCallId, newTag } from './ids';
export { formatNameAddr, parseNameAddr, tagOf, type NameAddr } from './name-addr';
export { formatUri, parseUri, unescapeUriComponent, type SipUri } from './uri';
export { formatVia, parseVia, viaBranch, viaReceived, viaRport, type Via } from './via';
