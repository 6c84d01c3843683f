import { AlreadyRetrievingError, OrbitEmptyError, ParkStateError, ParkedCallNotFoundError } from '../../src/park';
import { CALLER, SALES_A, SALES_B, expectClean, makeHarness } from './park-harness';

const OTHER = 'sip:1003@pbx.example.com';

describe('ParkService races', () => {
  it('two retrievals of one orbit: the second is refused while the first runs, then finds it empty', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const first = h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    let refused: unknown;
    try {
      h.park.beginRetrieve({ orbit: 701, retriever: OTHER });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AlreadyRetrievingError);
    expect(refused).toMatchObject({ conflict: 'retrieving', reasonText: 'Call at 701 is already being retrieved' });
    first.complete();
    expect(() => h.park.beginRetrieve({ orbit: 701, retriever: OTHER })).toThrow(OrbitEmptyError);
    expect(() => first.complete()).toThrow(ParkStateError);
    expect(first.fail()).toBe(false);
    expectClean(h);
  });

  it('a failed retrieval leaves the call parked for the next retriever', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const first = h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    h.reset();
    expect(first.fail('re-INVITE 488')).toBe(true);
    expect(first.fail()).toBe(false);
    expect(() => first.complete()).toThrow(ParkStateError);
    expect(h.trail()).toEqual(['retrieveFailed']);
    expect(h.events[0].payload).toMatchObject({ retriever: SALES_B, cause: 're-INVITE 488', call: { state: 'parked' } });
    const second = h.park.beginRetrieve({ orbit: 701, retriever: OTHER });
    expect(second.complete()).toMatchObject({ endReason: 'retrieved' });
    expectClean(h);
  });

  it('a failed retrieval keeps the original ring-back deadline', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(40_000);
    const ticket = h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    h.clock.advance(10_000);
    ticket.fail();
    h.reset();
    h.clock.advance(9_999);
    expect(h.events).toEqual([]);
    h.clock.advance(1);
    expect(h.trail()[0]).toBe('timeout');
    h.park.stop();
    expectClean(h);
  });

  it('a retrieval that outlives parkTimeout rings back as soon as it fails', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(50_000);
    const ticket = h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    h.clock.advance(30_000); // the park timer does not fire during retrieval
    expect(h.park.counts()).toMatchObject({ retrieving: 1, timers: 0 });
    ticket.fail();
    h.clock.flush();
    expect(h.park.counts().ringingBack).toBe(1);
    h.park.stop();
    expectClean(h);
  });

  it('a retrieval while the parker is being rung back is refused; the ring back goes on', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(60_000);
    let refused: unknown;
    try {
      h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AlreadyRetrievingError);
    expect(refused).toMatchObject({ conflict: 'ringingBack', reasonText: 'Call at 701 is ringing back to the parker' });
    expect(h.park.ringbackAnswered(call.id)).toMatchObject({ endReason: 'ringbackAnswered' });
    expectClean(h);
  });

  it('the parked party hangs up during retrieval: the ticket goes stale, the orbit frees', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const ticket = h.park.beginRetrieve({ orbit: 701, retriever: SALES_B });
    h.reset();
    expect(h.park.hangup(call.id)).toBe(true);
    expect(h.trail()).toEqual(['orbitChanged:701:free', 'ended:parkedPartyHungUp']);
    expect(() => ticket.complete()).toThrow(ParkStateError);
    expect(ticket.fail()).toBe(false);
    expect(h.park.hangup(call.id)).toBe(false);
    expectClean(h);
  });

  it('the parked party hangs up during ring back: timers cleared, a late answer is refused', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(60_000);
    h.reset();
    h.park.hangup(call.id);
    expect(h.trail()).toEqual(['orbitChanged:701:free', 'ended:parkedPartyHungUp']);
    expectClean(h);
    h.clock.advance(100_000);
    expect(h.events).toHaveLength(2);
    expect(() => h.park.ringbackAnswered(call.id)).toThrow(ParkedCallNotFoundError);
    expect(() => h.park.ringbackFailed(call.id)).toThrow(ParkedCallNotFoundError);
  });

  it('a hang-up that races the ring-back timeout loses cleanly either way', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(80_000); // fallback hung up first
    expect(h.park.hangup(call.id)).toBe(false);
    expect(h.events.filter((e) => e.name === 'ended')).toHaveLength(1);
    expectClean(h);
  });

  it('an operator hang-up and an error are recorded as such', () => {
    const h = makeHarness();
    const a = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const b = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.hangup(a.id, 'adminHangup');
    h.park.hangup(b.id, 'error');
    expect(h.trail().filter((t) => t.startsWith('ended'))).toEqual(['ended:adminHangup', 'ended:error']);
    expectClean(h);
  });
});
