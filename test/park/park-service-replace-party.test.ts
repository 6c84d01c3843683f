import { InMemoryParkStore, ParkStateError, ParkedCallNotFoundError } from '../../src/park';
import { CALLER, SALES_A, SALES_B, expectClean, makeHarness } from './park-harness';

/** The transferee of a late attended transfer, as the SIP app passes it (a name-addr form). */
const TRANSFEREE = { identity: '"Bob" <sip:+15550199@trunk.example.net>;tag=x', displayName: 'Bob' };

describe('ParkService.replaceParkedParty', () => {
  it('names the new party and keeps orbit, parker, ring-back target and timers; one partyReplaced, no lamp change', () => {
    const store = new InMemoryParkStore();
    const h = makeHarness({ store });
    const parked = h.park.park({ parker: { identity: SALES_A, contact: 'sip:1001@10.0.0.5:5062' }, parked: CALLER });
    h.clock.advance(10_000);
    h.reset();
    const timersBefore = h.park.counts().timers;
    const pendingBefore = h.clock.pending();

    const snapshot = h.park.replaceParkedParty(parked.id, TRANSFEREE);

    const expected = { ...parked, parked: { identity: 'sip:+15550199@trunk.example.net', displayName: 'Bob' } };
    expect(snapshot).toEqual(expected);
    expect(h.park.getById(parked.id)).toEqual(expected);
    expect(h.park.list()).toEqual([expected]);
    expect(store.getCall(parked.id)).toEqual(expected);
    expect(h.trail()).toEqual(['partyReplaced']);
    expect(h.events[0]!.payload).toEqual({ call: expected, previous: CALLER });
    expect(h.park.counts().timers).toBe(timersBefore);
    expect(h.clock.pending()).toBe(pendingBefore);

    // parkTimeout (60 s) still counts from the park, and ring back announces the new party.
    h.clock.advance(49_999);
    expect(h.trail()).toEqual(['partyReplaced']);
    h.clock.advance(1);
    expect(h.trail()).toEqual(['partyReplaced', 'timeout', 'ringback', 'orbitChanged:701:ringingBack']);
    expect(h.events.find((e) => e.name === 'ringback')?.payload).toMatchObject({
      target: 'sip:1001@10.0.0.5:5062',
      call: { parked: expected.parked, parker: parked.parker, orbit: 701 },
    });
    h.park.stop();
    expectClean(h);
  });

  it('keeps the display name out when the new party has none', () => {
    const h = makeHarness();
    const parked = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    expect(h.park.replaceParkedParty(parked.id, { identity: 'sip:1009@pbx.example.com' }).parked).toEqual({ identity: 'sip:1009@pbx.example.com' });
    h.park.stop();
    expectClean(h);
  });

  it('refuses an unknown call and every state but parked, changing nothing and publishing nothing', () => {
    const h = makeHarness();
    expect(() => h.park.replaceParkedParty('nope', TRANSFEREE)).toThrow(ParkedCallNotFoundError);

    const reserved = h.park.reserve({ parker: { identity: SALES_A } });
    expect(() => h.park.replaceParkedParty(reserved.id, TRANSFEREE)).toThrow(ParkStateError);
    expect(h.park.getById(reserved.id)?.parked).toBeUndefined();

    const retrieving = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const ticket = h.park.beginRetrieve({ orbit: retrieving.orbit, retriever: SALES_B });
    const ringing = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.forceRingback(ringing.id);
    h.reset();
    for (const id of [retrieving.id, ringing.id]) {
      expect(() => h.park.replaceParkedParty(id, TRANSFEREE)).toThrow(ParkStateError);
      expect(h.park.getById(id)?.parked).toEqual(CALLER);
    }

    // A failed retrieval parks the call again: replacing is allowed once more.
    ticket.fail('busy');
    h.reset();
    expect(h.park.replaceParkedParty(retrieving.id, TRANSFEREE).parked?.displayName).toBe('Bob');
    expect(h.trail()).toEqual(['partyReplaced']);

    h.park.hangup(retrieving.id);
    h.reset();
    expect(() => h.park.replaceParkedParty(retrieving.id, TRANSFEREE)).toThrow(ParkedCallNotFoundError);
    expect(h.events).toEqual([]);
    h.park.stop();
    expectClean(h);
  });
});
