export * from './types';
export { createTransportLayer, SipTransportLayer, type TransportOptions } from './transport-layer';
export { responseDestination, topVia, stripBrackets } from './response-destination';
export { responseFromRequest, safeReasonPhrase } from './response-from-request';
export { stampReceived } from './via-stamp';
