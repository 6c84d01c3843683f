import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { BacklogGate } from '../../../src/engine/core/new-call-gate';
import { monitorReceiveBacklog, queuedBytes, type ReceiveBacklog } from '../../../src/engine/transport/receive-backlog';

// Two lines of a real /proc/net/udp (port 0x13C4 = 5060 and 0xDCE8 = 56552) and one of udp6.
const UDP4 = [
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  ' 1021: 0100007F:13C4 00000000:0000 07 00000000:00061A80 00:00000000 00000000     0        0 95551 2 0000000000000000 0',
  ' 3327: 0100007F:DCE8 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 95552 2 0000000000000000 14715',
  '',
].join('\n');
const UDP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  '  100: 00000000000000000000000001000000:13C4 00000000000000000000000000000000:0000 07 00000000:00000400 00:00000000 00000000     0        0 95553 2 0000000000000000 0',
  '',
].join('\n');

describe('queuedBytes', () => {
  it('sums rx_queue of the sockets bound to the given ports', () => {
    expect(queuedBytes(UDP4, new Set([5060]))).toBe(0x61a80);
    expect(queuedBytes(UDP4, new Set([5060, 56552]))).toBe(0x61a80 + 0x300);
    expect(queuedBytes(UDP6, new Set([5060]))).toBe(0x400);
  });

  it('ignores other ports, the header and malformed lines', () => {
    expect(queuedBytes(UDP4, new Set([5080]))).toBe(0);
    expect(queuedBytes('garbage\n1: nothing here\n', new Set([5060]))).toBe(0);
  });
});

describe('monitorReceiveBacklog', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backlog-'));
  const tables = { 4: path.join(dir, 'udp'), 6: path.join(dir, 'udp6') } as const;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const waitUntil = async (check: () => boolean): Promise<void> => {
    const deadline = Date.now() + 3000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('reads both families every interval and reports the latest sum', async () => {
    fs.writeFileSync(tables[4], UDP4);
    fs.writeFileSync(tables[6], UDP6);
    const monitor = monitorReceiveBacklog({ ports: [{ port: 5060, family: 4 }, { port: 5060, family: 6 }], intervalMs: 10, log: pino({ level: 'silent' }), tables });
    try {
      await waitUntil(() => monitor.bytes() === 0x61a80 + 0x400);
      fs.writeFileSync(tables[4], UDP4.replace('00061A80', '00000000'));
      await waitUntil(() => monitor.bytes() === 0x400);
    } finally {
      monitor.stop();
    }
  });

  it('reports 0 and logs once when the tables cannot be read', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const monitor = monitorReceiveBacklog({ ports: [{ port: 5060, family: 4 }], intervalMs: 10, log, tables: { 4: path.join(dir, 'missing'), 6: path.join(dir, 'missing6') } });
    await waitUntil(() => lines.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    monitor.stop();
    expect(monitor.bytes()).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('load shedding by SIP backlog is off');
  });
});

describe('BacklogGate', () => {
  function fixedBacklog(initial: number): ReceiveBacklog & { value: number } {
    return { value: initial, bytes() { return this.value; }, stop: () => undefined };
  }

  it('admits at or below the limit and refuses above it with the Retry-After', () => {
    const backlog = fixedBacklog(1000);
    const gate = new BacklogGate(backlog, 1000, 3, pino({ level: 'silent' }));
    expect(gate.refuse()).toBeUndefined();
    backlog.value = 1001;
    expect(gate.refuse()).toBe(3);
    backlog.value = 0;
    expect(gate.refuse()).toBeUndefined();
  });

  it('logs one warning per second with the count refused since the last one', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    let now = 10_000;
    const gate = new BacklogGate(fixedBacklog(5000), 1000, 2, log, () => now);
    for (let i = 0; i < 5; i++) gate.refuse();
    now += 1000;
    gate.refuse();
    expect(lines.map((line) => line.refused)).toEqual([1, 5]);
    expect(lines[0]).toMatchObject({ queuedBytes: 5000, maxQueuedBytes: 1000, msg: 'SIP receive queue backlog: refusing new calls with 503' });
  });
});
