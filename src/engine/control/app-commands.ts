/**
 * Parsing of the app → server `sip` (A5) and `proxy` (A6) frames into the commands handed to the
 * SIP core (wire protocol §3.1, §8.1). Bad input throws ControlProtocolError.
 */
import type { ProxyCommand, SipCommand } from './types';

/** An app frame that violates the protocol; the connection that sent it is closed. */
export class ControlProtocolError extends Error {
  override readonly name: string = 'ControlProtocolError';
}

/** URI schemes srf leaves alone; anything else gets `sip:` in front, as srf does for proxy targets. */
const SIP_SCHEME = /^(sips?|tel):/i;

/** `<id>|sip|<TXN>|<DLG>[|<routeUri>]` CRLF SIP text. */
export function parseSipCommand(tokens: readonly string[], sipText: string): SipCommand {
  if (tokens.length < 4) throw new ControlProtocolError('sip: too few tokens');
  if (sipText === '') throw new ControlProtocolError('sip: missing SIP message');
  const command: SipCommand = {
    msgId: tokens[0]!,
    transactionId: tokens[2]!,
    dialogId: tokens[3]!,
    sipText,
  };
  const route = tokens[4];
  if (route !== undefined && route !== '') {
    // srf passes "full sip uri or address[:port]" through untouched (§3.1, sub-case 4).
    command.routeUri = SIP_SCHEME.test(route) ? route : `sip:${route}`;
  }
  return command;
}

const PROXY_FIXED_TOKENS = 9;

/**
 * `<id>|proxy|<TXN>|<remainInDialog>|<fullResponse>|<followRedirects>|<simultaneous|serial>|
 * <provTimeout>|<finalTimeout>|<dest1>[|<dest2>…]` CRLF pseudo-request carrying extra headers.
 */
export function parseProxyCommand(tokens: readonly string[], sipText: string): ProxyCommand {
  if (tokens.length < PROXY_FIXED_TOKENS + 1) throw new ControlProtocolError('proxy: too few tokens');
  const destinations = tokens
    .slice(PROXY_FIXED_TOKENS)
    .filter((destination) => destination !== '')
    .map((destination) => (SIP_SCHEME.test(destination) ? destination : `sip:${destination}`));
  if (destinations.length === 0) throw new ControlProtocolError('proxy: no destination');
  const command: ProxyCommand = {
    msgId: tokens[0]!,
    transactionId: tokens[2]!,
    recordRoute: tokens[3] === 'remainInDialog',
    fullResponse: tokens[4] === 'fullResponse',
    followRedirects: tokens[5] === 'followRedirects',
    simultaneous: tokens[6] === 'simultaneous',
    destinations,
    sipText,
  };
  const provisionalTimeout = parseProxyTimeout(tokens[7]!);
  if (provisionalTimeout !== undefined) command.provisionalTimeout = provisionalTimeout;
  const finalTimeout = parseProxyTimeout(tokens[8]!);
  if (finalTimeout !== undefined) command.finalTimeout = finalTimeout;
  return command;
}

const TIMEOUT = /^(\d{1,9})(ms|s)?$/;

/**
 * `2s`, `1500ms` → milliseconds; empty → undefined. A bare number is taken as seconds, like the
 * `s` form (srf documents only the suffixed forms).
 */
export function parseProxyTimeout(token: string): number | undefined {
  const text = token.trim();
  if (text === '' || text === 'undefined') return undefined;
  const match = TIMEOUT.exec(text);
  if (!match) throw new ControlProtocolError(`proxy: bad timeout '${token}'`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : value * 1000;
}
