import { createLogger, partLogger, prettyLine } from '../../src/logger';

function capture(): { lines: string[]; destination: { write(chunk: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (chunk: string) => lines.push(...chunk.split('\n').filter((line) => line !== '')) } };
}

describe('createLogger', () => {
  it('writes JSON lines with service callpark and the part of child loggers', () => {
    const { lines, destination } = capture();
    const root = createLogger({ level: 'info', destination });
    partLogger(root, 'engine').info({ port: 5060 }, 'listening');
    root.debug('hidden below the level');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'callpark', part: 'engine', port: 5060, msg: 'listening', level: 30 });
  });

  it('is silent at level silent', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'silent', destination }).error('nothing');
    expect(lines).toEqual([]);
  });
});

describe('prettyLine', () => {
  it('formats time, level, part, message and the remaining fields', () => {
    const json = JSON.stringify({ level: 40, time: Date.UTC(2024, 0, 1, 12, 30, 5, 7), service: 'callpark', pid: 1, hostname: 'h', part: 'sip', msg: 'slow', ms: 12, orbit: '704' });
    expect(prettyLine(json)).toBe('12:30:05.007 WARN  [sip] slow ms=12 orbit=704');
  });

  it('passes through lines that are not JSON objects', () => {
    expect(prettyLine('not json')).toBe('not json');
    expect(prettyLine('42')).toBe('42');
  });
});
