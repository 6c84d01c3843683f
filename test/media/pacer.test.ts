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

  it('with one slot ticks every 20 ms for every stream, in order, with consecutive tick numbers', () => {
    const pacer = new Pacer({ log, now: clock, slots: 1 });
    const order: string[] = [];
    const a = new Recorder(clock);
    const b = new Recorder(clock);
    pacer.add({ onTick: (t) => (a.onTick(t), order.push('a')) });
    pacer.add({ onTick: (t) => (b.onTick(t), order.push('b')) });
    run(1000);
    expect(a.ticks).toHaveLength(50);
    expect(b.ticks).toEqual(a.ticks);
    expect(b.times).toEqual(a.times);
    expect(a.ticks.every((t, i) => i === 0 || t === a.ticks[i - 1]! + 1)).toBe(true);
    expect(order.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    pacer.stop();
  });

  it('spreads streams evenly over 1 ms slots, each at a fixed offset every 20 ms, starting at the tick add() returns', () => {
    const pacer = new Pacer({ log, now: clock });
    const streams = Array.from({ length: 45 }, () => new Recorder(clock));
    const firstTicks = streams.map((stream) => pacer.add(stream));
    const burstSizes = new Map<number, number>();
    const counting = new Recorder(clock);
    run(1000);
    for (const [i, stream] of streams.entries()) {
      expect(stream.ticks[0]).toBe(firstTicks[i]);
      expect(stream.ticks.length).toBeGreaterThanOrEqual(49);
      expect(stream.ticks.every((t, k) => k === 0 || t === stream.ticks[k - 1]! + 1)).toBe(true);
      expect(stream.times.every((t, k) => k === 0 || t - stream.times[k - 1]! === 20)).toBe(true);
      for (const time of stream.times) burstSizes.set(time, (burstSizes.get(time) ?? 0) + 1);
    }
    // 45 streams over 20 slots: no wake-up sends more than 3, and every millisecond is used.
    expect(Math.max(...burstSizes.values())).toBeLessThanOrEqual(3);
    expect(new Set(streams.map((stream) => stream.times[0]! % 20)).size).toBe(20);
    // A stream added later takes the least used slot.
    pacer.remove(streams[7]!);
    const offsetOf7 = streams[7]!.times[0]! % 20;
    pacer.add(counting);
    run(100);
    expect(counting.times[0]! % 20).toBe(offsetOf7);
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
    const pacer = new Pacer({ log, now: clock, maxCatchUpTicks: 5, slots: 1 });
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

  it('after a long stall skips whole ticks: every slot sends each tick at most once', () => {
    const pacer = new Pacer({ log, now: clock, maxCatchUpTicks: 5 });
    const streams = Array.from({ length: 20 }, () => new Recorder(clock));
    for (const stream of streams) pacer.add(stream);
    run(100);
    stall(1000);
    run(40);
    for (const stream of streams) {
      expect(new Set(stream.ticks).size).toBe(stream.ticks.length);
      expect(stream.ticks.every((t, k) => k === 0 || t > stream.ticks[k - 1]!)).toBe(true);
      // Nothing of the 50 stalled ticks beyond the last one or two went out.
      expect(stream.ticks.length).toBeLessThanOrEqual(5 + 1 + 2 + 1);
    }
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
