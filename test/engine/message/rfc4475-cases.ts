/**
 * RFC 4475 §3 verdicts for each torture message in test/fixtures/rfc4475/messages, for the
 * message-layer tests and, later, the engine-level tests that send the messages over UDP/TCP.
 */
import * as path from 'node:path';

export const RFC4475_DIR = path.join(__dirname, '..', '..', 'fixtures', 'rfc4475');
export const RFC4475_MESSAGES_DIR = path.join(RFC4475_DIR, 'messages');

/**
 * What parseMessage does with the message:
 * - `parse`: returns it (an element may still refuse it at a higher layer: see `response`);
 * - `reject-400` / `reject-505`: throws SipParseError with `partial`, so a stateless 400 / 505 can be sent;
 * - `drop`: throws SipParseError without `partial` (a response, or no readable request line): discard silently.
 */
export type Rfc4475Expectation = 'parse' | 'reject-400' | 'reject-505' | 'drop';

export interface Rfc4475Case {
  file: string;
  /** Section of RFC 4475 describing the message. */
  section: string;
  title: string;
  /** RFC 4475's verdict on the message itself. */
  valid: boolean;
  expect: Rfc4475Expectation;
  /**
   * For messages that parse: the final response the RFC expects from a UAS that refuses the request
   * semantically (e.g. 416 for an unknown Request-URI scheme). Absent: handled normally.
   */
  response?: number;
  /** The RFC allows either rejecting or accepting; callpark chooses `expect`. */
  liberal?: boolean;
  note: string;
}

export const RFC4475_CASES: readonly Rfc4475Case[] = [
  // §3.1.1 Valid messages
  { file: 'wsinv.dat', section: '3.1.1.1', title: 'A Short Tortuous INVITE', valid: true, expect: 'parse',
    note: 'LWS and folding everywhere, odd-case names, escaped quotes in display names, several Vias in one line.' },
  { file: 'intmeth.dat', section: '3.1.1.2', title: 'Wide Range of Valid Characters', valid: true, expect: 'parse', response: 501,
    note: 'Extension method with every token character; a UAS not implementing the method answers 501 (§8.2.1).' },
  { file: 'esc01.dat', section: '3.1.1.3', title: 'Valid Use of the % Escaping Mechanism', valid: true, expect: 'parse',
    note: 'Escaped characters in Request-URI, To, From and Contact URIs; compare unescaped.' },
  { file: 'escnull.dat', section: '3.1.1.4', title: 'Escaped Nulls in URIs', valid: true, expect: 'parse',
    note: '%00 in user parts must not truncate anything.' },
  { file: 'esc02.dat', section: '3.1.1.5', title: 'Use of % When It Is Not an Escape', valid: true, expect: 'parse', response: 501,
    note: 'Method RE%47IST%45R is a token, not REGISTER (unknown method: 501); C%6Fntact is an unknown header, not Contact.' },
  { file: 'lwsdisp.dat', section: '3.1.1.6', title: 'Message with No LWS between Display Name and <', valid: true, expect: 'parse',
    note: 'From: caller<sip:…> has display name "caller".' },
  { file: 'longreq.dat', section: '3.1.1.7', title: 'Long Values in Header Fields', valid: true, expect: 'parse',
    note: 'Long display name, tag, branch, Call-ID, unknown header; 34 Via values spelled many ways.' },
  { file: 'dblreq.dat', section: '3.1.1.8', title: 'Extra Trailing Octets in a UDP Datagram', valid: true, expect: 'parse',
    note: 'Over UDP only the REGISTER (Content-Length 0) counts; the trailing INVITE is ignored.' },
  { file: 'semiuri.dat', section: '3.1.1.9', title: 'Semicolon-Separated Parameters in URI User Part', valid: true, expect: 'parse',
    note: 'user part "user;par=u%40example.net"; the URI has no parameters.' },
  { file: 'transports.dat', section: '3.1.1.10', title: 'Varied and Unknown Transport Types', valid: true, expect: 'parse',
    note: 'Via transports UDP, SCTP, TLS, UNKNOWN, TCP.' },
  { file: 'mpart01.dat', section: '3.1.1.11', title: 'Multipart MIME Message', valid: true, expect: 'parse',
    note: 'Binary multipart body (553 octets) kept byte for byte.' },
  { file: 'unreason.dat', section: '3.1.1.12', title: 'Unusual Reason Phrase', valid: true, expect: 'parse',
    note: 'UTF-8 reason phrase.' },
  { file: 'noreason.dat', section: '3.1.1.13', title: 'Empty Reason Phrase', valid: true, expect: 'parse',
    note: 'Status line "SIP/2.0 100 " with an empty reason.' },

  // §3.1.2 Invalid messages
  { file: 'badinv01.dat', section: '3.1.2.1', title: 'Extraneous Header Field Separators', valid: false, expect: 'reject-400',
    note: 'Via "192.0.2.15;;,;,," and Contact params ";;;;".' },
  { file: 'clerr.dat', section: '3.1.2.2', title: 'Content Length Larger Than Message', valid: false, expect: 'reject-400',
    note: 'Over UDP: 400. Over a stream the framer just waits for more octets.' },
  { file: 'ncl.dat', section: '3.1.2.3', title: 'Negative Content-Length', valid: false, expect: 'reject-400',
    note: 'Over UDP: 400; over a stream the connection cannot be framed any more (FramingError, close).' },
  { file: 'scalar02.dat', section: '3.1.2.4', title: 'Request Scalar Fields with Overlarge Values', valid: false, expect: 'reject-400',
    note: 'CSeq 36893488147419103232 exceeds 2**31-1; Max-Forwards 300 and the expiries alone would be tolerated.' },
  { file: 'scalarlg.dat', section: '3.1.2.5', title: 'Response Scalar Fields with Overlarge Values', valid: false, expect: 'drop',
    note: 'A response with an out-of-range CSeq is discarded.' },
  { file: 'quotbal.dat', section: '3.1.2.6', title: 'Unterminated Quoted String in Display Name', valid: false, expect: 'reject-400',
    note: 'To display name never closes its quote.' },
  { file: 'ltgtruri.dat', section: '3.1.2.7', title: '<> Enclosing Request-URI', valid: false, expect: 'reject-400',
    note: 'Request-URI in angle brackets.' },
  { file: 'lwsruri.dat', section: '3.1.2.8', title: 'Malformed SIP Request-URI (embedded LWS)', valid: false, expect: 'reject-400',
    note: 'Request line "INVITE sip:user@example.com; lr SIP/2.0" has four elements.' },
  { file: 'lwsstart.dat', section: '3.1.2.9', title: 'Multiple SP Separating Request-Line Elements', valid: false, expect: 'parse', liberal: true,
    note: 'Rejecting is acceptable; callpark ignores the extra SPs and never forwards them.' },
  { file: 'trws.dat', section: '3.1.2.10', title: 'SP Characters at End of Request-Line', valid: false, expect: 'parse', liberal: true,
    note: 'Rejecting is acceptable; callpark ignores the trailing SPs.' },
  { file: 'escruri.dat', section: '3.1.2.11', title: 'Escaped Headers in SIP Request-URI', valid: false, expect: 'reject-400',
    note: 'Headers (?Route=…) are not allowed in a Request-URI.' },
  { file: 'baddate.dat', section: '3.1.2.12', title: 'Invalid Time Zone in Date Header Field', valid: false, expect: 'parse', liberal: true,
    note: 'Date is not used by callpark, so the non-GMT zone is ignored as the RFC allows.' },
  { file: 'regbadct.dat', section: '3.1.2.13', title: 'Failure to Enclose name-addr URI in <>', valid: false, expect: 'reject-400',
    note: 'Contact addr-spec carrying ?Route=… must use <>; callpark does not infer the brackets.' },
  { file: 'badaspec.dat', section: '3.1.2.14', title: 'Spaces within addr-spec', valid: false, expect: 'parse', liberal: true,
    note: 'To: < sip:t.watson@example.org > — the spaces inside <> are ignored, as the RFC allows.' },
  { file: 'baddn.dat', section: '3.1.2.15', title: 'Non-token Characters in Display Name', valid: false, expect: 'reject-400',
    note: 'Unquoted display names with commas are rejected rather than guessed.' },
  { file: 'badvers.dat', section: '3.1.2.16', title: 'Unknown Protocol Version', valid: false, expect: 'reject-505',
    note: 'SIP/7.0: 505 Version Not Supported.' },
  { file: 'mismatch01.dat', section: '3.1.2.17', title: 'Start Line and CSeq Method Mismatch', valid: false, expect: 'reject-400',
    note: 'OPTIONS request with CSeq method INVITE.' },
  { file: 'mismatch02.dat', section: '3.1.2.18', title: 'Unknown Method with CSeq Method Mismatch', valid: false, expect: 'reject-400',
    note: '400 for the mismatch (not 501 for the unknown method).' },
  { file: 'bigcode.dat', section: '3.1.2.19', title: 'Overlarge Response Code', valid: false, expect: 'drop',
    note: 'Status 4294967301 is not three digits; the response is discarded.' },

  // §3.2 Transaction layer semantics
  { file: 'badbranch.dat', section: '3.2.1', title: 'Missing Transaction Identifier', valid: true, expect: 'parse',
    note: 'branch is only the magic cookie "z9hG4bK"; the transaction layer may 400 it or fall back to RFC 2543 matching.' },

  // §3.3 Application layer semantics
  { file: 'insuf.dat', section: '3.3.1', title: 'Missing Required Header Fields', valid: false, expect: 'reject-400',
    note: 'No To, From, Call-ID or Max-Forwards.' },
  { file: 'unkscm.dat', section: '3.3.2', title: 'Request-URI with Unknown Scheme', valid: true, expect: 'parse', response: 416,
    note: 'Parses as an opaque URI; a UAS answers 416 Unsupported URI Scheme.' },
  { file: 'novelsc.dat', section: '3.3.3', title: 'Request-URI with Known but Atypical Scheme', valid: true, expect: 'parse', response: 416,
    note: 'soap.beep: 416 unless the element handles that scheme.' },
  { file: 'unksm2.dat', section: '3.3.4', title: 'Unknown URI Schemes in Header Fields', valid: true, expect: 'parse', response: 400,
    note: 'To isbn:, From http:, Contact name: all parse; a registrar refuses a non-SIP To (400), a proxy forwards.' },
  { file: 'bext01.dat', section: '3.3.5', title: 'Proxy-Require and Require', valid: true, expect: 'parse', response: 420,
    note: 'A UAS answers 420 Bad Extension listing both unknown option tags in Unsupported.' },
  { file: 'invut.dat', section: '3.3.6', title: 'Unknown Content-Type', valid: true, expect: 'parse', response: 415,
    note: 'application/unknownformat: 415 Unsupported Media Type with Accept.' },
  { file: 'regaut01.dat', section: '3.3.7', title: 'Unknown Authorization Scheme', valid: true, expect: 'parse', response: 401,
    note: 'A registrar requiring authentication answers 401 with a scheme it knows.' },
  { file: 'multi01.dat', section: '3.3.8', title: 'Multiple Values in Single Value Required Fields', valid: false, expect: 'reject-400',
    note: 'Two CSeq, Call-ID, To, From and Max-Forwards header fields.' },
  { file: 'mcl01.dat', section: '3.3.9', title: 'Multiple Content-Length Values', valid: false, expect: 'reject-400',
    note: 'Content-Length 13 and 5: framing is ambiguous.' },
  { file: 'bcast.dat', section: '3.3.10', title: '200 OK Response with Broadcast Via Header Field Value', valid: true, expect: 'parse',
    note: 'Valid response; a proxy must never forward it to 255.255.255.255.' },
  { file: 'zeromf.dat', section: '3.3.11', title: 'Max-Forwards of Zero', valid: true, expect: 'parse',
    note: 'A proxy answers 483 Too Many Hops; a UAS answers the OPTIONS normally.' },
  { file: 'cparam01.dat', section: '3.3.12', title: 'REGISTER with a Contact Header Parameter', valid: true, expect: 'parse',
    note: 'unknownparam is a Contact header parameter (addr-spec form).' },
  { file: 'cparam02.dat', section: '3.3.13', title: 'REGISTER with a url-parameter', valid: true, expect: 'parse',
    note: 'unknownparam is a URI parameter (inside <>).' },
  { file: 'regescrt.dat', section: '3.3.14', title: 'REGISTER with a URL Escaped Header', valid: true, expect: 'parse',
    note: 'Contact URI carries the header Route=%3Csip:sip.example.com%3E.' },
  { file: 'sdp01.dat', section: '3.3.15', title: 'Unacceptable Accept Offering', valid: true, expect: 'parse', response: 406,
    note: 'Accept lacks application/sdp: 406 Not Acceptable (400 also allowed).' },

  // §3.4 Backward compatibility
  { file: 'inv2543.dat', section: '3.4.1', title: 'INVITE with RFC 2543 Syntax', valid: true, expect: 'parse',
    note: 'No Max-Forwards, no branch, no From tag, no Content-Length (UDP: body is the rest of the datagram).' },

  // Not numbered in RFC 4475, but present in the public copies of its archive.
  { file: 'test.dat', section: '-', title: 'Request line without SIP version (extra archive file)', valid: false, expect: 'drop',
    note: 'No SIP-Version in the request line and a header line without a colon: not recognisable as SIP.' },
];
