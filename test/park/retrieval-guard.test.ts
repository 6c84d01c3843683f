import {
  AlreadyRetrievingError,
  FakeClock,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOutOfRangeError,
  ParkNotAllowedError,
  RetrievalBlockedError,
  RetrievalGuard,
  isCountedRetrievalFailure,
  type RetrievalSource,
} from '../../src/park';

const MALLORY: RetrievalSource = { identity: '"M" <sip:1666@pbx.example.com>;tag=x', address: '192.0.2.66' };

function blockedError(guard: RetrievalGuard, source: RetrievalSource): RetrievalBlockedError | undefined {
  try {
    guard.check(source);
    return undefined;
  } catch (error) {
    if (error instanceof RetrievalBlockedError) return error;
    throw error;
  }
}

function fail(guard: RetrievalGuard, source: RetrievalSource, times: number): void {
  for (let i = 0; i < times; i++) {
    guard.check(source);
    guard.recordFailure(source);
  }
}

describe('RetrievalGuard', () => {
  it('refuses an identity after maxFailures inside the window, until the oldest failure leaves it', () => {
    const clock = new FakeClock(0);
    const guard = new RetrievalGuard({ clock, limit: { maxFailures: 3, windowSeconds: 60, maxFailuresPerAddress: 100 } });
    guard.recordFailure(MALLORY);
    clock.advance(10_000);
    fail(guard, MALLORY, 2);
    const blocked = blockedError(guard, MALLORY);
    expect(blocked).toBeInstanceOf(RetrievalBlockedError);
    expect(blocked).toMatchObject({ blockedBy: 'identity', retryAfterSeconds: 50, reasonText: 'Too many failed retrievals' });

    clock.advance(49_999);
    expect(blockedError(guard, MALLORY)?.retryAfterSeconds).toBe(1);
    clock.advance(1);
    expect(blockedError(guard, MALLORY)).toBeUndefined();
    // two failures are still inside the window: one more blocks again
    guard.recordFailure(MALLORY);
    expect(blockedError(guard, MALLORY)?.retryAfterSeconds).toBe(10);
    expect(guard.stats()).toMatchObject({ failures: 4, refusals: 3 });
  });

  it('matches the identity in any name-addr form', () => {
    const guard = new RetrievalGuard({ clock: new FakeClock(), limit: { maxFailures: 2 } });
    guard.recordFailure({ identity: 'sip:1666@pbx.example.com' });
    guard.recordFailure({ identity: '<sip:1666@PBX.example.com>;tag=2' });
    expect(blockedError(guard, { identity: 'sip:1666@pbx.example.com' })?.blockedBy).toBe('identity');
  });

  it('counts per address too, with its own higher limit, so rotating identities does not help', () => {
    const guard = new RetrievalGuard({ clock: new FakeClock(), limit: { maxFailures: 2, maxFailuresPerAddress: 4, windowSeconds: 60 } });
    for (let i = 0; i < 4; i++) fail(guard, { identity: `sip:${i}@evil.example`, address: '198.51.100.7' }, 1);
    expect(blockedError(guard, { identity: 'sip:fresh@evil.example', address: '198.51.100.7' })?.blockedBy).toBe('address');
    expect(blockedError(guard, { address: '198.51.100.7' })?.blockedBy).toBe('address');
    // another address and a fresh identity are unaffected
    expect(blockedError(guard, { identity: 'sip:fresh@evil.example', address: '198.51.100.8' })).toBeUndefined();
  });

  it("one source's failures never block another, and there is nothing a success could reset", () => {
    const guard = new RetrievalGuard({ clock: new FakeClock(), limit: { maxFailures: 2 } });
    fail(guard, MALLORY, 2);
    expect(blockedError(guard, MALLORY)).toBeInstanceOf(RetrievalBlockedError);
    expect(blockedError(guard, { identity: 'sip:1001@pbx.example.com', address: '192.0.2.10' })).toBeUndefined();
    // an untrusted source's identity is only a From header: failures forged from one address lock
    // out that identity from that address, not the real user via a trusted PBX or its own phone
    expect(blockedError(guard, { identity: MALLORY.identity })).toBeUndefined();
    expect(blockedError(guard, { identity: MALLORY.identity, address: '192.0.2.67' })).toBeUndefined();
    expect(blockedError(guard, { identity: MALLORY.identity, address: MALLORY.address })?.blockedBy).toBe('identity');
  });

  it('counts a trusted peer\'s asserted identity on its own, from wherever it comes', () => {
    const guard = new RetrievalGuard({ clock: new FakeClock(), limit: { maxFailures: 2 } });
    fail(guard, { identity: MALLORY.identity }, 2);
    expect(blockedError(guard, { identity: MALLORY.identity })?.blockedBy).toBe('identity');
  });

  it('keeps memory bounded: expired keys go first, then the least recently failed', () => {
    const clock = new FakeClock(0);
    const guard = new RetrievalGuard({ clock, maxTrackedKeys: 10, limit: { maxFailures: 3, windowSeconds: 60 } });
    for (let i = 0; i < 8; i++) guard.recordFailure({ identity: `sip:old${i}@x.example` });
    clock.advance(61_000);
    for (let i = 0; i < 5; i++) guard.recordFailure({ identity: `sip:new${i}@x.example` });
    expect(guard.stats().trackedKeys).toBe(5);
    fail(guard, { identity: 'sip:probe@x.example' }, 3);
    for (let i = 0; i < 20; i++) guard.recordFailure({ identity: `sip:flood${i}@x.example` });
    expect(guard.stats().trackedKeys).toBeLessThanOrEqual(10);
    // the flood evicted the least recently failed keys, the probe's among them (its address would still count)
    expect(blockedError(guard, { identity: 'sip:probe@x.example' })).toBeUndefined();
    // each key stores at most its limit's worth of timestamps
    const heavy = new RetrievalGuard({ clock, limit: { maxFailures: 3, maxFailuresPerAddress: 3 } });
    for (let i = 0; i < 1000; i++) heavy.recordFailure({ address: '192.0.2.1' });
    expect(heavy.stats()).toMatchObject({ trackedKeys: 1, failures: 1000 });
  });

  it('an expired key is forgotten when looked at', () => {
    const clock = new FakeClock(0);
    const guard = new RetrievalGuard({ clock, limit: { windowSeconds: 5 } });
    guard.recordFailure(MALLORY);
    expect(guard.stats().trackedKeys).toBe(2);
    clock.advance(5_000);
    guard.check(MALLORY);
    expect(guard.stats().trackedKeys).toBe(0);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new RetrievalGuard({ limit: { maxFailures: 0 } })).toThrow(RangeError);
    expect(() => new RetrievalGuard({ limit: { windowSeconds: 1.5 } })).toThrow(/windowSeconds/);
  });

  it('counts probing refusals, not races', () => {
    expect(isCountedRetrievalFailure(new OrbitEmptyError(704, 'sales'))).toBe(true);
    expect(isCountedRetrievalFailure(new OrbitOutOfRangeError(999, 'sales', 701, 799))).toBe(true);
    expect(isCountedRetrievalFailure(new NotInParkGroupError('sip:1@x', 704))).toBe(true);
    expect(isCountedRetrievalFailure(new ParkNotAllowedError('sip:1@x', undefined))).toBe(true);
    expect(isCountedRetrievalFailure(new AlreadyRetrievingError(704, 'sales', 'retrieving'))).toBe(false);
    expect(isCountedRetrievalFailure(new Error('boom'))).toBe(false);
  });
});
