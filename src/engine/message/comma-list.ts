import { trimLws } from './grammar';

/**
 * Split a header value at top-level commas (RFC 3261 §7.3.1): commas inside quoted-strings and
 * inside <…> do not split. Items are trimmed; empty items are kept (callers decide whether
 * `a,,b` is an error).
 */
export function splitCommaList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inBrackets = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) inQuotes = true;
    else if (c === 0x3c) inBrackets = true;
    else if (c === 0x3e) inBrackets = false;
    else if (c === 0x2c && !inBrackets) {
      items.push(trimLws(value, start, i));
      start = i + 1;
    }
  }
  items.push(trimLws(value, start));
  return items;
}
