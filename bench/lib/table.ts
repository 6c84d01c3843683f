export type Cell = string | number;

function text(cell: Cell): string {
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '–';
  return cell;
}

/** A Markdown table (also readable on a terminal). */
export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header.map(text), ...rows.map((row) => row.map(text))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length), 3));
  const line = (row: readonly string[]): string => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}
