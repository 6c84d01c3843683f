/**
 * SIP message parser (RFC 3261 §7, §25), hardened against RFC 4475's torture messages.
 * Whatever the input, parseMessage returns a message or throws SipParseError.
 */
import { splitCommaList } from './comma-list';
import { parseCSeq } from './cseq';
import { SipParseError } from './errors';
import { allIn, TOKEN, trimLws } from './grammar';
import { parseNameAddr } from './name-addr';
import { normalizeHeaderName, SipRequest, SipResponse, type AnySipMessage, type Header } from './sip-message';
import { parseUri } from './uri';
import { parseVia } from './via';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
const SIP_VERSION = 'SIP/2.0';

/** The first problem found; parsing goes on so that a partial request can still be built. */
interface Problem {
  reason: string;
  statusCode: number;
}

class ProblemList {
  first: Problem | undefined;
  add(reason: string, statusCode = 400): void {
    if (this.first === undefined) this.first = { reason, statusCode };
  }
}

/**
 * Parse one message from a datagram (or from a frame cut by StreamFramer). Leading CRLFs are
 * skipped (§7.5). The body is Content-Length octets (extra octets are ignored, §18.3); without
 * Content-Length it is the rest of the data. The body shares memory with `data`.
 *
 * Throws SipParseError; `partial` is set when the start line of a request and its Via were
 * readable, so that a 400 (or 505) can be sent statelessly.
 */
export function parseMessage(data: Buffer): AnySipMessage {
  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start >= data.length) throw new SipParseError('Empty message');

  let headEnd = data.indexOf(CRLFCRLF, start);
  let bodyStart = headEnd + 4;
  if (headEnd === -1) {
    headEnd = data.indexOf(LFLF, start);
    bodyStart = headEnd + 2;
  }
  const problems = new ProblemList();
  if (headEnd === -1) {
    problems.add('Missing empty line after header fields');
    headEnd = data.length;
    bodyStart = data.length;
  }

  const head = data.toString('utf8', start, headEnd);
  let lineEnd = head.indexOf('\n');
  if (lineEnd === -1) lineEnd = head.length;
  const message = parseStartLine(stripCR(head, 0, lineEnd), problems);
  parseHeaderLines(head, lineEnd + 1, message.headers, problems);
  const contentLength = checkHeaders(message, problems);

  const available = data.length - bodyStart;
  if (contentLength === undefined) {
    message.body = data.subarray(bodyStart);
  } else if (contentLength > available) {
    problems.add('Content-Length larger than message');
  } else {
    message.body = data.subarray(bodyStart, bodyStart + contentLength);
  }

  const problem = problems.first;
  if (problem === undefined) return message;
  const answerable = message instanceof SipRequest && message.has('via');
  if (answerable) message.body = Buffer.alloc(0);
  throw new SipParseError(problem.reason, {
    statusCode: problem.statusCode,
    partial: answerable ? message : undefined,
  });
}

function stripCR(text: string, from: number, to: number): string {
  return to > from && text.charCodeAt(to - 1) === 0x0d ? text.slice(from, to - 1) : text.slice(from, to);
}

/** Request-Line (§7.1) or Status-Line (§7.2). Throws (no partial) when neither can be recognised. */
function parseStartLine(line: string, problems: ProblemList): AnySipMessage {
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') return parseStatusLine(line);

  // DEVIATION (liberal, RFC 4475 §3.1.2.9 and §3.1.2.10): runs of SP/HT between and after the
  // elements are accepted; the serializer writes single SPs.
  const parts = line.split(/[ \t]+/).filter((part) => part.length > 0);
  const version = parts.length >= 3 ? parts[parts.length - 1].toUpperCase() : '';
  if (!/^SIP\/\d+\.\d+$/.test(version)) throw new SipParseError('Malformed start line');
  const method = parts[0];
  const uri = parts.slice(1, -1).join(' ');
  const request = new SipRequest(method, uri, SIP_VERSION);
  if (version !== SIP_VERSION) problems.add('SIP Version Not Supported', 505);
  if (!allIn(TOKEN, method)) problems.add('Malformed method');
  if (parts.length !== 3) {
    problems.add('Malformed Request-URI');
  } else {
    try {
      const parsed = parseUri(uri);
      // RFC 3261 §19.1.1 (table): headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
      if (Object.keys(parsed.headers).length > 0) problems.add('Headers not allowed in Request-URI');
    } catch (error) {
      rethrowUnlessParseError(error);
      problems.add('Malformed Request-URI');
    }
  }
  return request;
}

function parseStatusLine(line: string): SipResponse {
  const firstSpace = line.indexOf(' ');
  if (firstSpace === -1) throw new SipParseError('Malformed status line');
  const version = line.slice(0, firstSpace).toUpperCase();
  let codeStart = firstSpace;
  while (line.charCodeAt(codeStart) === 0x20) codeStart++;
  let codeEnd = line.indexOf(' ', codeStart);
  if (codeEnd === -1) codeEnd = line.length;
  const code = line.slice(codeStart, codeEnd);
  if (!/^[1-6][0-9][0-9]$/.test(code)) throw new SipParseError('Malformed status code');
  if (version !== SIP_VERSION) throw new SipParseError('SIP Version Not Supported', { statusCode: 505 });
  return new SipResponse(Number(code), trimLws(line, codeEnd), SIP_VERSION);
}

/** Header lines with folding (§7.3.1): a line starting with SP or HT continues the previous one. */
function parseHeaderLines(head: string, pos: number, headers: Header[], problems: ProblemList): void {
  let current: Header | undefined;
  while (pos < head.length) {
    let newline = head.indexOf('\n', pos);
    if (newline === -1) newline = head.length;
    const end = newline > pos && head.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
    const first = head.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) {
      const continuation = trimLws(head, pos, end);
      if (current === undefined) problems.add('Malformed header line');
      else if (continuation.length > 0) {
        current.value = current.value.length > 0 ? current.value + ' ' + continuation : continuation;
      }
    } else if (end > pos) {
      const colon = head.indexOf(':', pos);
      const name = colon !== -1 && colon < end ? trimLws(head, pos, colon) : '';
      if (name.length === 0 || !allIn(TOKEN, name)) {
        problems.add('Malformed header line');
        current = undefined;
      } else {
        current = { name, value: trimLws(head, colon + 1, end) };
        headers.push(current);
      }
    }
    pos = newline + 1;
  }
}

const SINGLE_VALUED: Readonly<Record<string, string>> = {
  from: 'From',
  to: 'To',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'max-forwards': 'Max-Forwards',
};

/**
 * The checks of §8.1.1 / §8.2 a receiver needs before anything else can work: mandatory
 * header fields present once and readable, CSeq method matching the request method.
 * Returns the Content-Length, if given.
 */
function checkHeaders(message: AnySipMessage, problems: ProblemList): number | undefined {
  const seen: Record<string, string> = {};
  let contentLength: string | undefined;
  let hasVia = false;
  for (const header of message.headers) {
    const name = normalizeHeaderName(header.name);
    if (name === 'via') {
      hasVia = true;
      check(problems, 'Malformed Via header field', () => parseVia(header.value));
    } else if (name === 'contact') {
      if (header.value !== '*') {
        check(problems, 'Malformed Contact header field', () => splitCommaList(header.value).forEach(parseNameAddr));
      }
    } else if (name === 'content-length') {
      if (!/^[0-9]{1,10}$/.test(header.value)) problems.add('Malformed Content-Length');
      else if (contentLength !== undefined && Number(contentLength) !== Number(header.value)) {
        problems.add('Multiple Content-Length values');
      } else contentLength = header.value;
    } else if (SINGLE_VALUED[name] !== undefined) {
      if (seen[name] !== undefined) problems.add('Multiple ' + SINGLE_VALUED[name] + ' header fields');
      seen[name] = header.value;
    }
  }
  if (!hasVia) problems.add('Missing Via header field');
  for (const name of ['from', 'to', 'call-id', 'cseq']) {
    if (seen[name] === undefined || seen[name].length === 0) problems.add('Missing ' + SINGLE_VALUED[name] + ' header field');
  }
  if (seen.from !== undefined) check(problems, 'Malformed From header field', () => parseNameAddr(seen.from));
  if (seen.to !== undefined) check(problems, 'Malformed To header field', () => parseNameAddr(seen.to));
  if (seen.cseq !== undefined) {
    check(problems, 'Malformed CSeq header field', () => {
      const cseq = parseCSeq(seen.cseq);
      if (message instanceof SipRequest && cseq.method !== message.method) problems.add('CSeq method does not match request method');
    });
  }
  const maxForwards = seen['max-forwards'];
  if (maxForwards !== undefined && !/^[0-9]{1,10}$/.test(maxForwards)) problems.add('Malformed Max-Forwards');
  return contentLength === undefined ? undefined : Number(contentLength);
}

function check(problems: ProblemList, reason: string, parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    rethrowUnlessParseError(error);
    problems.add(reason);
  }
}

function rethrowUnlessParseError(error: unknown): void {
  if (!(error instanceof SipParseError)) throw error;
}
