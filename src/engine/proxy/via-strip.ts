/** Removing the proxy's own Via from a response before relaying it upstream (RFC 3261 §16.7 step 3). */
import { splitCommaList } from '../message/headers';
import { normalizeHeaderName, SipResponse } from '../message/sip-message';

/**
 * A copy of `response` without its topmost Via value, or undefined when no Via would remain (the
 * response was for the engine itself, not for anyone upstream).
 */
export function withoutTopVia(response: SipResponse): SipResponse | undefined {
  const copy = new SipResponse(response.status, response.reason, response.version);
  copy.body = response.body;
  let removed = false;
  let remaining = 0;
  for (const header of response.headers) {
    if (normalizeHeaderName(header.name) !== 'via') {
      copy.headers.push({ ...header });
      continue;
    }
    if (removed) {
      remaining++;
      copy.headers.push({ ...header });
      continue;
    }
    removed = true;
    const rest = splitCommaList(header.value).slice(1);
    if (rest.length > 0) {
      remaining++;
      copy.headers.push({ name: header.name, value: rest.join(', ') });
    }
  }
  return remaining > 0 ? copy : undefined;
}
