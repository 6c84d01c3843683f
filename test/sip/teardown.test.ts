import pino from 'pino';
import { ResourceTally, Teardown } from '../../src/sip/teardown';
import { CallCanceledError, CallContext } from '../../src/sip/call-context';

const silent = pino({ level: 'silent' });

describe('Teardown', () => {
  it('releases everything once, newest first, and counts live resources', async () => {
    const tally = new ResourceTally();
    const teardown = new Teardown(silent, tally);
    const order: string[] = [];
    teardown.add('dialog', 'dialog', () => void order.push('dialog'));
    teardown.add('media', 'media', async () => void order.push('media'));
    teardown.add('timer', 'timer', () => void order.push('timer'));
    expect(tally.snapshot()).toMatchObject({ dialog: 1, media: 1, timer: 1 });
    await teardown.run();
    await teardown.run();
    expect(order).toEqual(['timer', 'media', 'dialog']);
    expect(tally.snapshot()).toEqual({ dialog: 0, media: 0, timer: 0, listener: 0, park: 0 });
    expect(teardown.size).toBe(0);
  });

  it('lets a resource be released early or forgotten without running it twice', async () => {
    const tally = new ResourceTally();
    const teardown = new Teardown(silent, tally);
    const release = jest.fn();
    const forgotten = jest.fn();
    const early = teardown.add('media', 'early', release);
    const gone = teardown.add('dialog', 'gone', forgotten);
    await early.release();
    gone.forget();
    expect(early.active).toBe(false);
    expect(tally.snapshot().media).toBe(0);
    expect(tally.snapshot().dialog).toBe(0);
    await teardown.run();
    expect(release).toHaveBeenCalledTimes(1);
    expect(forgotten).not.toHaveBeenCalled();
  });

  it('keeps going when a release throws', async () => {
    const teardown = new Teardown(silent);
    const after = jest.fn();
    teardown.add('listener', 'second', after);
    teardown.add('media', 'first', () => {
      throw new Error('boom');
    });
    await teardown.run();
    expect(after).toHaveBeenCalled();
  });

  it('lets a second run started during a slow release wait for the first (BYE and ended event together)', async () => {
    const tally = new ResourceTally();
    const teardown = new Teardown(silent, tally);
    const released: string[] = [];
    let finishSlow: () => void = () => undefined;
    teardown.add('dialog', 'dialog', () => void released.push('dialog'));
    teardown.add('media', 'slow media', () => new Promise<void>((resolve) => (finishSlow = () => resolve(void released.push('media')))));
    teardown.add('listener', 'listener', () => void released.push('listener'));
    const first = teardown.run();
    const second = teardown.run();
    expect(second).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual(['listener']);
    finishSlow();
    await Promise.all([first, second]);
    expect(released).toEqual(['listener', 'media', 'dialog']);
    expect(tally.snapshot()).toEqual({ dialog: 0, media: 0, timer: 0, listener: 0, park: 0 });
  });

  it('releases at once what is added after it ran', async () => {
    const tally = new ResourceTally();
    const teardown = new Teardown(silent, tally);
    await teardown.run();
    const late = jest.fn();
    teardown.add('dialog', 'late dialog', late);
    await Promise.resolve();
    expect(late).toHaveBeenCalledTimes(1);
    expect(tally.snapshot().dialog).toBe(0);
  });
});

describe('CallContext', () => {
  it('turns a cancel into CallCanceledError at the next checkpoint', () => {
    const ctx = new CallContext('abc', silent);
    expect(() => ctx.throwIfCanceled()).not.toThrow();
    ctx.markCanceled();
    expect(() => ctx.throwIfCanceled()).toThrow(CallCanceledError);
  });

  it('binds callId and orbit to its log lines', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const ctx = new CallContext('abc', log);
    ctx.bindOrbit(704);
    ctx.log.info('parked');
    expect(lines[0]).toMatchObject({ callId: 'abc', orbit: 704, msg: 'parked' });
    expect(ctx.orbit).toBe(704);
  });
});
