import pino from 'pino';
import { Pacer, type PacedStream } from '../../src/media/embedded/pacer';

const log = pino({ level: 'silent' });

class Recorder implements PacedStream {
  readonly ticks: number[] = [];
  readonly times: number[] = [];
  constructor(private readonly clock: () => number) {}
  onTick(tick: number): void {
    this.ticks.push(tick);
    this.times.push(this.clock());
  }
}

describe('Pacer', () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1000;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Advances fake timers and the injected clock together, 1 ms at a time. */
  function run(ms: number, extraDelayPerTimer = 0): void {
    for (let i = 0; i < ms; i++) {
      now += 1;
      jest.advanceTimersByTime(1);
      now += extraDelayPerTimer;
    }
  }

  /** The event loop is blocked: the clock jumps, then the overdue timer fires once. */
  function stall(ms: number): void {
    now += ms;
    jest.advanceTimersByTime(ms);
  }

  it('ticks every 20 ms for every stream, in order, with consecutive tick numbers', () => {
    const pacer = new Pacer({ log, now: clock });
    const order: string[] = [];
    const a = new Recorder(clock);
    const b = new Recorder(clock);
    pacer.add({ onTick: (t) => (a.onTick(t), order.push('a')) });
    pacer.add({ onTick: (t) => (b.onTick(t), order.push('b')) });
    run(1000);
    expect(a.ticks).toHaveLength(50);
    expect(b.ticks).toEqual(a.ticks);
    expect(a.ticks.every((t, i) => i === 0 || t === a.ticks[i - 1]! + 1)).toBe(true);
    expect(order.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    pacer.stop();
  });

  it('does not drift when every timer fires late', () => {
    const pacer = new Pacer({ log, now: clock });
    const stream = new Recorder(clock);
    pacer.add(stream);
    // Each elapsed millisecond costs an extra 0.1 ms, as if callbacks kept running late.
    run(2000, 0.1);
    const elapsed = now - 1000;
    expect(stream.ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 20) - 1);
    expect(stream.ticks.length).toBeLessThanOrEqual(Math.floor(elapsed / 20));
    pacer.stop();
  });

  it('catches up a short stall in a burst and skips a long one', () => {
    const pacer = new Pacer({ log, now: clock, maxCatchUpTicks: 5 });
    const stream = new Recorder(clock);
    pacer.add(stream);
    run(40);
    const beforeShort = stream.ticks.length;
    stall(60); // event loop blocked for three ticks
    run(1);
    expect(stream.ticks.length - beforeShort).toBe(3);
    const beforeLong = stream.ticks.at(-1)!;
    stall(1000); // blocked for fifty ticks: only the current one goes out
    run(1);
    expect(stream.ticks.at(-1)! - beforeLong).toBeGreaterThanOrEqual(50);
    expect(stream.ticks.length - beforeShort).toBe(4);
    pacer.stop();
  });

  it('keeps no timer while idle and removes a stream that throws', () => {
    const pacer = new Pacer({ log, now: clock });
    const good = new Recorder(clock);
    pacer.add({
      onTick: () => {
        throw new Error('boom');
      },
    });
    pacer.add(good);
    run(100);
    expect(pacer.size).toBe(1);
    expect(good.ticks.length).toBe(5);
    pacer.remove(good);
    expect(jest.getTimerCount()).toBe(0);
    pacer.add(good);
    expect(jest.getTimerCount()).toBe(1);
    pacer.stop();
    expect(jest.getTimerCount()).toBe(0);
  });
});
