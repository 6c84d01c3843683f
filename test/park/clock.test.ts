import { FakeClock, SystemClock } from '../../src/park';

describe('FakeClock', () => {
  it('fires timers in due order when advanced, and not before', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('a2'), 100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a', 'a2']);
    expect(clock.now()).toBe(1100);
    clock.advance(100);
    expect(fired).toEqual(['a', 'a2', 'b']);
    expect(clock.pending()).toBe(0);
  });

  it('runs timers armed by callbacks inside the same advance, at their own time', () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    clock.setTimeout(() => {
      at.push(clock.now());
      clock.setTimeout(() => at.push(clock.now()), 50);
    }, 100);
    clock.advance(200);
    expect(at).toEqual([100, 150]);
    expect(clock.now()).toBe(200);
  });

  it('clears timers and ignores unknown handles', () => {
    const clock = new FakeClock();
    const fn = jest.fn();
    const handle = clock.setTimeout(fn, 10);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout({ timerId: 999 });
    clock.advance(20);
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pending()).toBe(0);
  });

  it('flush() fires zero-delay timers and refuses to go backwards', () => {
    const clock = new FakeClock();
    const fn = jest.fn();
    clock.setTimeout(fn, 0);
    clock.flush();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('SystemClock', () => {
  it('fires a real timer and can cancel another', async () => {
    const clock = new SystemClock();
    const cancelled = jest.fn();
    clock.clearTimeout(clock.setTimeout(cancelled, 1));
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 1));
    expect(cancelled).not.toHaveBeenCalled();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });
});
