/**
 * SIP text as exchanged with apps over the control socket (wire protocol §4.2, §11): the app's
 * Content-Length is a JS character count and may sit anywhere, so the body is everything after
 * the first blank line. Also formats messages for the S8/S9 echoes.
 */
import { SipRequest, SipResponse, type AnySipMessage } from '../message/sip-message';

/** The app sent SIP text the core cannot use; answered with NOK and this message. */
export class AppMessageError extends Error {
  override readonly name = 'AppMessageError';
}

const HEADER_NAME = /^[A-Za-z0-9!%'*+\-.^_`|~]+$/;

export function parseAppSipText(text: string): AnySipMessage {
  const blank = text.search(/\r?\n\r?\n/);
  let head: string;
  let body = '';
  if (blank === -1) {
    head = text.replace(/\r?\n$/, '');
  } else {
    head = text.slice(0, blank);
    const separator = /\r?\n\r?\n/.exec(text.slice(blank))![0];
    body = text.slice(blank + separator.length);
  }
  const lines = head.split(/\r?\n/);
  const startLine = (lines.shift() ?? '').trim();
  const message = parseStartLine(startLine);
  for (const line of lines) {
    if (line === '') continue;
    if (/^[ \t]/.test(line)) {
      // RFC 3261 §7.3.1 line folding: continuation of the previous header value.
      const previous = message.headers[message.headers.length - 1];
      if (previous === undefined) throw new AppMessageError('header continuation without a header');
      previous.value = `${previous.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AppMessageError(`malformed header line: ${line.slice(0, 60)}`);
    const name = line.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) throw new AppMessageError(`invalid header name: ${name.slice(0, 60)}`);
    message.headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  message.body = Buffer.from(body, 'utf8');
  return message;
}

function parseStartLine(line: string): AnySipMessage {
  const response = /^(SIP\/2\.0)\s+(\d{3})(?:\s+(.*))?$/i.exec(line);
  if (response) return new SipResponse(Number(response[2]), (response[3] ?? '').trim());
  const request = /^([A-Za-z]+)\s+(\S+)\s+(SIP\/2\.0)$/i.exec(line);
  if (request) return new SipRequest(request[1]!.toUpperCase(), request[2]!);
  throw new AppMessageError(`invalid start line: ${line.slice(0, 80)}`);
}

/** The message as text with a Content-Length matching its body (for echoes to the app). */
export function formatSipText(message: AnySipMessage): string {
  const startLine =
    message.kind === 'request'
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  const lines = [startLine];
  for (const header of message.headers) {
    if (header.name.toLowerCase() === 'content-length' || header.name.toLowerCase() === 'l') continue;
    lines.push(`${header.name}: ${header.value}`);
  }
  lines.push(`Content-Length: ${message.body.length}`);
  return `${lines.join('\r\n')}\r\n\r\n${message.body.toString('utf8')}`;
}

/** Sets Content-Length to the body size, as the last header. */
export function fixContentLength(message: AnySipMessage): void {
  message.remove('content-length');
  message.append('Content-Length', String(message.body.length));
}
