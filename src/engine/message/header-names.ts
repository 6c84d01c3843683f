/** Header field names as spelled in their RFCs. */
import { normalizeHeaderName } from './sip-message';

const KNOWN_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority', 'Alert-Info',
  'Allow', 'Allow-Events', 'Answer-Mode', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info',
  'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-ID', 'Content-Language', 'Content-Length',
  'Content-Transfer-Encoding', 'Content-Type', 'CSeq', 'Date', 'Diversion', 'Error-Info', 'Event', 'Expires',
  'Feature-Caps', 'Flow-Timer', 'From', 'Geolocation', 'History-Info', 'Identity', 'Identity-Info',
  'In-Reply-To', 'Info-Package', 'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version', 'Min-Expires',
  'Min-SE', 'Organization', 'P-Access-Network-Info', 'P-Asserted-Identity', 'P-Associated-URI',
  'P-Called-Party-ID', 'P-Charging-Vector', 'P-Early-Media', 'P-Preferred-Identity', 'Path', 'Priority',
  'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route',
  'Recv-Info', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To',
  'Request-Disposition', 'Require', 'Resource-Priority', 'Retry-After', 'Route', 'RSeq', 'Security-Client',
  'Security-Server', 'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'Session-ID',
  'SIP-ETag', 'SIP-If-Match', 'Subject', 'Subscription-State', 'Supported', 'Target-Dialog', 'Timestamp',
  'To', 'Unsupported', 'User-Agent', 'User-to-User', 'Via', 'Warning', 'WWW-Authenticate',
];

const CANONICAL = new Map<string, string>(KNOWN_NAMES.map((name) => [name.toLowerCase(), name]));

/**
 * RFC spelling of a header name (`call-id` → `Call-ID`, compact `v` → `Via`). Unknown names get
 * an upper-case first letter in each "-" separated word (`foo-bar` → `Foo-Bar`), except
 * `X-…` extension names, which are returned as given.
 */
export function canonicalHeaderName(name: string): string {
  const known = CANONICAL.get(normalizeHeaderName(name));
  if (known !== undefined) return known;
  if (name.length > 1 && (name[0] === 'x' || name[0] === 'X') && name[1] === '-') return name;
  let out = '';
  let wordStart = true;
  for (const ch of name) {
    out += wordStart ? ch.toUpperCase() : ch;
    wordStart = ch === '-';
  }
  return out;
}
