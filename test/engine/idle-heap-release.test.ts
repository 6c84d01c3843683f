import pino from 'pino';
import { exposedGc, IdleHeapRelease } from '../../src/engine/idle-heap-release';

const log = pino({ level: 'silent' });

describe('IdleHeapRelease', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setup() {
    let live = 0;
    const collect = jest.fn();
    const release = new IdleHeapRelease({ liveTransactions: () => live, collect, checkIntervalMs: 1000, burstSize: 100, quietFraction: 0.1, log });
    return { release, collect, setLive: (n: number) => (live = n) };
  }

  it('runs one full GC once a burst has fallen below the quiet fraction, and not again until the next burst', () => {
    const { release, collect, setLive } = setup();
    setLive(500);
    jest.advanceTimersByTime(1000);
    setLive(60);
    jest.advanceTimersByTime(1000);
    expect(collect).not.toHaveBeenCalled(); // 60 > 10% of 500
    setLive(40);
    jest.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
    setLive(300);
    jest.advanceTimersByTime(1000);
    setLive(0);
    jest.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    release.stop();
  });

  it('leaves small traffic alone', () => {
    const { release, collect, setLive } = setup();
    setLive(99);
    jest.advanceTimersByTime(1000);
    setLive(0);
    jest.advanceTimersByTime(5000);
    expect(collect).not.toHaveBeenCalled();
    release.stop();
  });

  it('gets a working gc() without --expose-gc, and a failing collect is caught', () => {
    const gc = exposedGc();
    expect(gc).toBeDefined();
    expect(() => gc?.()).not.toThrow();
    const idle = new IdleHeapRelease({ liveTransactions: () => 0, log });
    expect(idle.active).toBe(true);
    idle.stop();
    const collect = jest.fn(() => {
      throw new Error('boom');
    });
    let live = 1000;
    const release = new IdleHeapRelease({ liveTransactions: () => live, collect, checkIntervalMs: 1000, burstSize: 10, log });
    jest.advanceTimersByTime(1000);
    live = 0;
    expect(() => jest.advanceTimersByTime(1000)).not.toThrow();
    expect(collect).toHaveBeenCalledTimes(1);
    release.stop();
  });
});
