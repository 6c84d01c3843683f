import pino from 'pino';
import { OrderedEmitter, TypedEmitter } from '../../src/park';

interface TestEvents {
  a: { n: number };
  b: { s: string };
}

describe('TypedEmitter', () => {
  it('delivers to listeners by name and unsubscribes', () => {
    const emitter = new TypedEmitter<TestEvents>();
    const seen: number[] = [];
    const off = emitter.on('a', ({ n }) => seen.push(n));
    emitter.once('a', ({ n }) => seen.push(n * 10));
    emitter.emit('a', { n: 1 });
    emitter.emit('a', { n: 2 });
    off();
    emitter.emit('a', { n: 3 });
    expect(seen).toEqual([1, 10, 2]);
    expect(emitter.listenerCount()).toBe(0);
  });

  it('logs a throwing listener and still calls the others', () => {
    const log = pino({ level: 'silent' });
    const errorSpy = jest.spyOn(log, 'error');
    const emitter = new TypedEmitter<TestEvents>(log);
    const after = jest.fn();
    emitter.on('b', () => {
      throw new Error('listener bug');
    });
    emitter.on('b', after);
    expect(() => emitter.emit('b', { s: 'x' })).not.toThrow();
    expect(after).toHaveBeenCalledWith({ s: 'x' });
    expect(errorSpy).toHaveBeenCalledTimes(1);
    emitter.removeAllListeners();
    expect(emitter.listenerCount('b')).toBe(0);
  });
});

describe('OrderedEmitter', () => {
  it('holds events until the outermost batch ends', () => {
    const emitter = new OrderedEmitter<TestEvents>();
    const seen: string[] = [];
    emitter.on('a', ({ n }) => seen.push(`a${n}`));
    emitter.batch(() => {
      emitter.emit('a', { n: 1 });
      emitter.batch(() => emitter.emit('a', { n: 2 }));
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['a1', 'a2']);
  });

  it('queues events published by a listener behind the ones being delivered', () => {
    const emitter = new OrderedEmitter<TestEvents>();
    const seen: string[] = [];
    emitter.on('a', ({ n }) => {
      seen.push(`a${n}`);
      if (n === 1) emitter.batch(() => emitter.emit('b', { s: 'nested' }));
    });
    emitter.on('b', ({ s }) => seen.push(s));
    emitter.batch(() => {
      emitter.emit('a', { n: 1 });
      emitter.emit('a', { n: 2 });
    });
    expect(seen).toEqual(['a1', 'a2', 'nested']);
  });

  it('delivers what was published before a batch threw', () => {
    const emitter = new OrderedEmitter<TestEvents>();
    const seen: number[] = [];
    emitter.on('a', ({ n }) => seen.push(n));
    expect(() =>
      emitter.batch(() => {
        emitter.emit('a', { n: 1 });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(seen).toEqual([1]);
  });
});
