import { outlastDuplicateSignals, stopWithin, ShutdownTimeoutError } from '../../src/commands/shutdown';

describe('outlastDuplicateSignals', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits until 300 ms after the signal', async () => {
    let done = false;
    const waiting = outlastDuplicateSignals(1000, () => 1100).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(199);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('returns at once when the shutdown took longer than that', async () => {
    await expect(outlastDuplicateSignals(1000, () => 1300)).resolves.toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('stopWithin', () => {
  it('rejects with ShutdownTimeoutError when stopping hangs', async () => {
    await expect(stopWithin(() => new Promise(() => undefined), 20)).rejects.toBeInstanceOf(ShutdownTimeoutError);
  });
});
