/** The drachtio admin socket: what the rest of the engine imports. */
export { ControlServer, type ControlServerOptions } from './control-server';
export { ControlProtocolError } from './app-commands';
export { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, FrameError, FrameTooLargeError } from './frame-codec';
export {
  failureTokens,
  formatStackTime,
  inDialogTokens,
  joinPayload,
  meta6,
  newRequestTokens,
  okTokens,
  proxyContinueTokens,
  proxyDoneTokens,
  quickCancelTokens,
  sentRequestReplyTokens,
  sentResponseReplyTokens,
  splitPayload,
  unsolicitedByeTokens,
  UNSOLICITED_TRANSACTION_ID,
  type MessageMeta,
  type MessageSource,
} from './leader';
export type { AppCommandHandler, AppConnection, ProxyCommand, SipCommand } from './types';
