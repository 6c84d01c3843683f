import { ParkStateError, ParkedCallNotFoundError } from '../../src/park';
import { CALLER, SALES_A, SALES_B, expectClean, makeHarness } from './park-harness';

describe('ParkService.forceRingback', () => {
  it('rings the parker back now, without a timeout event, then runs the ring-back timeout as usual', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(5_000);
    h.reset();
    const snapshot = h.park.forceRingback(call.id);
    expect(snapshot).toMatchObject({ state: 'ringingBack', ringbackAttempts: 1 });
    expect(h.trail()).toEqual(['ringback', 'orbitChanged:701:ringingBack']);
    // the park timer is gone: nothing happens at the old parkTimeout, the ring-back timeout (20 s) applies
    h.clock.advance(19_999);
    expect(h.park.getById(call.id)?.state).toBe('ringingBack');
    h.clock.advance(1);
    expect(h.trail()).toContain('ended:fallbackHangup');
    expectClean(h);
  });

  it('refuses unknown calls and calls that are not parked', () => {
    const h = makeHarness();
    expect(() => h.park.forceRingback('nope')).toThrow(ParkedCallNotFoundError);
    const reserved = h.park.reserve({ parker: { identity: SALES_A } });
    expect(() => h.park.forceRingback(reserved.id)).toThrow(ParkStateError);
    const parked = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.beginRetrieve({ orbit: parked.orbit, retriever: SALES_B });
    expect(() => h.park.forceRingback(parked.id)).toThrow(ParkStateError);
    h.park.stop();
    expectClean(h);
  });
});
