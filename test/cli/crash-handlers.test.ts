import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { installCrashHandlers, type ProcessEvents } from '../../src/commands/crash-handlers';

interface LogLine {
  level: number;
  msg: string;
  err?: { message?: string };
}

function capture(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('crash handlers of callpark start', () => {
  it('an uncaught exception is logged at fatal, runs the stop path, then exits 1', async () => {
    const proc = new EventEmitter();
    const { log, lines } = capture();
    const order: string[] = [];
    const exit = jest.fn((code: number) => void order.push(`exit ${code}`));
    const remove = installCrashHandlers({ log, proc: proc as ProcessEvents, exit, stop: async () => void order.push('stop') });
    proc.emit('uncaughtException', new Error('stray throw in an srf callback'));
    await settle();
    expect(order).toEqual(['stop', 'exit 1']);
    expect(lines[0]).toMatchObject({ level: 60, msg: 'uncaught exception: stopping (exit 1)', err: { message: 'stray throw in an srf callback' } });
    remove();
    expect(proc.listenerCount('uncaughtException')).toBe(0);
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
  });

  it('exits 1 even when the stop path hangs, after the deadline', async () => {
    const proc = new EventEmitter();
    const exit = jest.fn();
    const remove = installCrashHandlers({ log: capture().log, proc: proc as ProcessEvents, exit, stop: () => new Promise(() => undefined), deadlineMs: 500 });
    proc.emit('uncaughtException', new Error('boom'));
    // The deadline is long enough that a loaded CI machine settles the microtasks before it (a
    // 20 ms one fired first there).
    await settle();
    expect(exit).not.toHaveBeenCalled();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(exit).toHaveBeenCalledWith(1);
    remove();
  });

  it('an unhandled rejection is logged at error and the service keeps running', async () => {
    const proc = new EventEmitter();
    const { log, lines } = capture();
    const exit = jest.fn();
    const stop = jest.fn(async () => undefined);
    const remove = installCrashHandlers({ log, proc: proc as ProcessEvents, exit, stop });
    proc.emit('unhandledRejection', new Error('request failed'));
    await settle();
    expect(stop).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'unhandled promise rejection (still running)' })]);
    remove();
  });
});
