/** SIP message serializer (RFC 3261 §7): on the hot path, so plain string building, no per-header regex. */
import { SipRequest, type AnySipMessage } from './sip-message';

const CRLF = '\r\n';

/**
 * Start line, header fields in order as `Name: value`, a Content-Length equal to the body's
 * byte length (in place of the first existing one, or last), an empty line, the body.
 */
export function serializeMessage(message: AnySipMessage): Buffer {
  let head =
    message instanceof SipRequest
      ? message.method + ' ' + message.uri + ' ' + message.version + CRLF
      : message.version + ' ' + message.status + ' ' + message.reason + CRLF;
  const contentLength = 'Content-Length: ' + message.body.length + CRLF;
  let lengthWritten = false;
  for (const header of message.headers) {
    if (isContentLength(header.name)) {
      if (!lengthWritten) head += contentLength;
      lengthWritten = true;
      continue;
    }
    head += header.name + ': ' + singleLine(header.value) + CRLF;
  }
  if (!lengthWritten) head += contentLength;
  head += CRLF;

  const headBytes = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headBytes + message.body.length);
  out.write(head, 0, 'utf8');
  message.body.copy(out, headBytes);
  return out;
}

function isContentLength(name: string): boolean {
  if (name.length === 1) return name === 'l' || name === 'L';
  return name.length === 14 && name.toLowerCase() === 'content-length';
}

/** A value set by an application must not smuggle in extra header lines. */
function singleLine(value: string): string {
  if (value.indexOf('\n') === -1 && value.indexOf('\r') === -1) return value;
  return value.replace(/[\r\n]+[ \t]*/g, ' ');
}
