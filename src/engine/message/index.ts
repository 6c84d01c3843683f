/** The SIP message layer: model, parser, serializer, stream framing and header grammar helpers. */
export * from './sip-message';
export { FramingError, SipParseError, type SipParseErrorOptions } from './errors';
export { parseMessage } from './parser';
export { serializeMessage } from './serializer';
export { StreamFramer, type FramedItem, type StreamFramerOptions } from './stream-framer';
export * from './headers';
