/**
 * RFC 3261 §8.2.6.2 responses (Via, From, Call-ID, CSeq copied, To with a tag) are built by the
 * transport's builder; the core uses it under this name.
 */
export { responseFromRequest as buildResponse } from '../transport/response-from-request';

/** Parses `CSeq: 12 INVITE`. */
export function cseqOf(message: { get(name: string): string | undefined }): { seq: number; method: string } | undefined {
  const match = /^\s*(\d+)\s+(\S+)\s*$/.exec(message.get('cseq') ?? '');
  if (!match) return undefined;
  return { seq: Number(match[1]), method: match[2]!.toUpperCase() };
}

/** Splits a comma-joined header value (Record-Route, Route, Supported), ignoring commas inside <> or quotes. */
export function splitHeaderList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      items.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(value.slice(start).trim());
  return items.filter((item) => item !== '');
}

/** All values of a list header across its lines. */
export function headerList(message: { getAll(name: string): string[] }, name: string): string[] {
  return message.getAll(name).flatMap(splitHeaderList);
}

/** True when Supported or Require lists the option tag (e.g. `100rel`). */
export function hasOptionTag(message: { getAll(name: string): string[] }, header: string, tag: string): boolean {
  return headerList(message, header).some((item) => item.toLowerCase() === tag.toLowerCase());
}
