import type Srf from 'drachtio-srf';
import pino from 'pino';
import { Writable } from 'node:stream';
import { sourceFilter } from '../../src/sip/source-filter';
import { parseConfig } from '../../src/config';

function capturingLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

interface Sent {
  status: number;
  reason: string;
}

function request(source: string, method = 'INVITE'): { req: Srf.SrfRequest; res: Srf.SrfResponse; sent: Sent[] } {
  const sent: Sent[] = [];
  const req = { source_address: source, method, get: (name: string) => (name === 'Call-ID' ? 'c1' : undefined) };
  const res = { send: (status: number, reason: string) => void sent.push({ status, reason }) };
  return { req: req as unknown as Srf.SrfRequest, res: res as unknown as Srf.SrfResponse, sent };
}

async function flushLog(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('sip.allowedSources filter', () => {
  const defaults = parseConfig('sip: { trustedPeers: [192.0.2.10] }\n', 'test').sip.allowedSources;

  it.each(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', '192.0.2.10'])('passes %s with the default list (loopback plus trusted peers)', (source) => {
    const { log } = capturingLog();
    const { req, res, sent } = request(source);
    const next = jest.fn();
    sourceFilter(defaults, log)(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([]);
  });

  it.each([
    ['198.51.100.7', 'INVITE'],
    ['2001:db8::1', 'SUBSCRIBE'],
    ['192.0.2.11', 'INVITE'],
  ])('answers %s (%s) 403 Source not allowed with one log line, and goes no further', async (source, method) => {
    const { log, lines } = capturingLog();
    const { req, res, sent } = request(source, method);
    const next = jest.fn();
    sourceFilter(defaults, log)(req, res, next);
    expect(next).not.toHaveBeenCalled();
    expect(sent).toEqual([{ status: 403, reason: 'Source not allowed' }]);
    await flushLog();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${method} from ${source} refused: not in sip.allowedSources`);
  });

  it('uses an explicit list instead of the default', () => {
    const allowed = parseConfig('sip: { allowedSources: [10.0.0.0/8] }\n', 'test').sip.allowedSources;
    const filter = sourceFilter(allowed, capturingLog().log);
    const inside = request('10.1.2.3');
    const loopback = request('127.0.0.1');
    const next = jest.fn();
    filter(inside.req, inside.res, next);
    filter(loopback.req, loopback.res, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(loopback.sent).toEqual([{ status: 403, reason: 'Source not allowed' }]);
  });
});
