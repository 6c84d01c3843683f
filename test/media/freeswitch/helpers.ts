import pino from 'pino';
import { Writable } from 'node:stream';

export const OFFER_A = sdpOffer(40000);
export const OFFER_B = sdpOffer(40100);

export function sdpOffer(port: number, protocol = 'RTP/AVP'): string {
  return ['v=0', `o=peer ${port} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} ${protocol} 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');
}

export interface LogEntry {
  level: number;
  msg: string;
  err?: { type?: string; message?: string };
}

/** A pino logger whose entries land in `entries`. */
export function capturingLogger(): { log: pino.Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) entries.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), entries };
}

/** Polls `condition` until true; fails after `timeoutMs` (generous: the machine may be loaded). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
