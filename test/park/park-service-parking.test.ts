import {
  LotFullError,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOccupiedError,
  OrbitOutOfRangeError,
  ParkNotAllowedError,
  ParkStateError,
  ParkedCallNotFoundError,
} from '../../src/park';
import { CALLER, HOTEL_A, SALES_A, SALES_B, SUPPORT_A, expectClean, makeHarness } from './park-harness';

describe('ParkService: blind and directed park, retrieve', () => {
  it('parks on the first free orbit and a colleague retrieves it', () => {
    const h = makeHarness();
    const parked = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    expect(parked).toMatchObject({
      id: 'call-1',
      state: 'parked',
      orbit: 701,
      lot: 'sales',
      parker: { identity: 'sip:1001@pbx.example.com' },
      parked: { identity: 'sip:+15550100@trunk.example.net', displayName: 'Customer' },
      ringbackDueAt: 60_000,
    });
    expect(h.park.get(701, 'sales')?.id).toBe('call-1');

    const ticket = h.park.beginRetrieve({ orbit: 701, retriever: `<${SALES_B}>` });
    expect(ticket.call.state).toBe('retrieving');
    expect(ticket.retriever).toBe('sip:1002@pbx.example.com');
    const done = ticket.complete();
    expect(done).toMatchObject({ state: 'ended', endReason: 'retrieved' });
    expect(h.trail()).toEqual(['orbitChanged:701:parked', 'parked', 'retrieving', 'retrieved', 'orbitChanged:701:free', 'ended:retrieved']);
    expectClean(h);
  });

  it('refuses park to identities without a park-enabled policy', () => {
    const h = makeHarness();
    for (const identity of ['sip:lobby@pbx', 'sip:9999@pbx', 'not-a-uri']) {
      let caught: unknown;
      try {
        h.park.park({ parker: { identity }, parked: CALLER });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ParkNotAllowedError);
      expect((caught as ParkNotAllowedError).reasonText).toBe('Call park not allowed');
    }
    expect(() => h.park.reserve({ parker: { identity: 'sip:lobby@pbx' } })).toThrow(ParkNotAllowedError);
    expect(h.events).toEqual([]);
    expectClean(h);
  });

  it('directed park takes a free orbit and refuses an occupied or foreign one', () => {
    const h = makeHarness();
    expect(h.park.park({ parker: { identity: SALES_A }, parked: CALLER, orbit: 702 }).orbit).toBe(702);
    const occupied = captureError(() => h.park.park({ parker: { identity: SALES_B }, parked: CALLER, orbit: 702 }));
    expect(occupied).toBeInstanceOf(OrbitOccupiedError);
    expect(occupied).toMatchObject({ orbit: 702, policy: 'sales', reasonText: 'Orbit 702 is occupied' });
    const outside = captureError(() => h.park.park({ parker: { identity: SALES_A }, parked: CALLER, orbit: 801 }));
    expect(outside).toBeInstanceOf(OrbitOutOfRangeError);
    expect(outside).toMatchObject({ orbit: 801, policy: 'sales', rangeStart: 701, rangeEnd: 703 });
    expect(h.park.park({ parker: { identity: SALES_A }, parked: CALLER }).orbit).toBe(701);
    h.park.hangup('call-1');
    h.park.hangup('call-4');
    expectClean(h);
  });

  it('reports a full lot with a retry estimate from the earliest ring back', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(15_000);
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const full = captureError(() => h.park.park({ parker: { identity: SALES_A }, parked: CALLER }));
    expect(full).toBeInstanceOf(LotFullError);
    expect(full).toMatchObject({ policy: 'sales', retryAfterSeconds: 45 });
    expect(() => h.park.reserve({ parker: { identity: SALES_B } })).toThrow(LotFullError);
    // another lot with the same numbers is unaffected
    expect(h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER }).orbit).toBe(701);
    for (const call of h.park.list()) h.park.hangup(call.id);
    expectClean(h);
  });

  it('keeps two policies on the same numbers apart, for parking and retrieval', () => {
    const h = makeHarness();
    const sales = h.park.park({ parker: { identity: SALES_A }, parked: { identity: 'sip:x@t' } });
    const support = h.park.park({ parker: { identity: SUPPORT_A }, parked: { identity: 'sip:y@t' } });
    expect([sales.orbit, support.orbit]).toEqual([701, 701]);
    expect(h.park.policiesForCode('701')).toEqual(['sales', 'support']);
    expect(h.park.beginRetrieve({ orbit: 701, retriever: 'sip:2002@pbx' }).complete().id).toBe(support.id);
    expect(h.park.get(701, 'sales')?.id).toBe(sales.id);
    expect(h.park.beginRetrieve({ orbit: 701, retriever: SALES_B }).complete().id).toBe(sales.id);
    expectClean(h);
  });

  it('next allocation moves on after the last orbit handed out', () => {
    const h = makeHarness();
    const first = h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER });
    h.park.hangup(first.id);
    expect(h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER }).orbit).toBe(702);
    h.park.hangup('call-2');
    expectClean(h);
  });
});

describe('ParkService: retrieval refusals', () => {
  const h = makeHarness();
  beforeAll(() => {
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER }); // sales 701
    h.park.park({ parker: { identity: HOTEL_A }, parked: CALLER }); // hotel 801
  });
  afterAll(() => {
    h.park.stop();
    expectClean(h);
  });

  it('an empty orbit of the retriever’s own lot: OrbitEmpty', () => {
    const err = captureError(() => h.park.beginRetrieve({ orbit: 702, retriever: SALES_B }));
    expect(err).toBeInstanceOf(OrbitEmptyError);
    expect(err).toMatchObject({ orbit: 702, policy: 'sales', reasonText: 'No call parked at 702' });
    // support's 701 is empty even though sales' 701 is taken
    expect(captureError(() => h.park.beginRetrieve({ orbit: 701, retriever: SUPPORT_A }))).toBeInstanceOf(OrbitEmptyError);
  });

  it('a call held in another group’s lot: NotInParkGroup', () => {
    const err = captureError(() => h.park.beginRetrieve({ orbit: 801, retriever: SALES_B }));
    expect(err).toBeInstanceOf(NotInParkGroupError);
    expect(err).toMatchObject({ orbit: 801, reasonText: 'Not in this park group' });
    expect(captureError(() => h.park.beginRetrieve({ orbit: 701, retriever: 'sip:lobby@pbx' }))).toBeInstanceOf(NotInParkGroupError);
  });

  it('no park-enabled policy: ParkNotAllowed; a code of no lot: OrbitOutOfRange', () => {
    expect(captureError(() => h.park.beginRetrieve({ orbit: 905, retriever: 'sip:lobby@pbx' }))).toBeInstanceOf(ParkNotAllowedError);
    expect(captureError(() => h.park.beginRetrieve({ orbit: 750, retriever: SALES_B }))).toBeInstanceOf(OrbitOutOfRangeError);
  });

  it('left the parked calls untouched', () => {
    expect(h.park.counts()).toMatchObject({ parked: 2, retrieving: 0, timers: 2 });
  });
});

describe('ParkService: attended park (reservations)', () => {
  it('reserves an orbit, then puts the parked party into it', () => {
    const h = makeHarness();
    const reservation = h.park.reserve({ parker: { identity: SALES_A, contact: 'sip:1001@10.0.0.5:5060' } });
    expect(reservation).toMatchObject({ state: 'reserved', orbit: 701, lot: 'sales', ringbackTarget: 'sip:1001@10.0.0.5:5060' });
    expect(h.park.counts()).toMatchObject({ reserved: 1, heldOrbits: 1, timers: 1 });
    // a reserved orbit is taken for allocation and directed park, but holds nothing to retrieve
    expect(h.park.park({ parker: { identity: SALES_B }, parked: CALLER }).orbit).toBe(702);
    expect(() => h.park.park({ parker: { identity: SALES_B }, parked: CALLER, orbit: 701 })).toThrow(OrbitOccupiedError);
    expect(() => h.park.beginRetrieve({ orbit: 701, retriever: SALES_B })).toThrow(OrbitEmptyError);

    const parked = h.park.completeReservation(reservation.id, CALLER);
    expect(parked).toMatchObject({ id: reservation.id, state: 'parked', orbit: 701, parked: { displayName: 'Customer' } });
    expect(h.park.releaseReservation(reservation.id)).toBe(false); // parker hangs up after the transfer: nothing to release
    expect(() => h.park.completeReservation(reservation.id, CALLER)).toThrow(ParkStateError);
    expect(h.trail()).toEqual(['reserved', 'orbitChanged:702:parked', 'parked', 'orbitChanged:701:parked', 'parked']);
    h.park.hangup(reservation.id);
    h.park.hangup('call-2');
    expectClean(h);
  });

  it('releases the reservation when the parker abandons, without lighting the lamp', () => {
    const h = makeHarness();
    const reservation = h.park.reserve({ parker: { identity: SALES_A } });
    expect(h.park.releaseReservation(reservation.id)).toBe(true);
    expect(h.park.releaseReservation(reservation.id)).toBe(false);
    expect(h.trail()).toEqual(['reserved', 'ended:parkerAbandoned']);
    expectClean(h);
    expect(h.park.reserve({ parker: { identity: SALES_A } }).orbit).toBe(701);
    h.park.stop();
  });

  it('expires a reservation nobody completes', () => {
    const h = makeHarness({ reservationTimeout: 30 });
    h.park.reserve({ parker: { identity: SALES_A } });
    h.clock.advance(29_999);
    expect(h.park.counts().reserved).toBe(1);
    h.clock.advance(1);
    expect(h.trail()).toEqual(['reserved', 'ended:reservationExpired']);
    expectClean(h);
  });

  it('refuses to complete an unknown reservation', () => {
    const h = makeHarness();
    expect(() => h.park.completeReservation('nope', CALLER)).toThrow(ParkedCallNotFoundError);
    expect(h.park.hangup('nope')).toBe(false);
    expectClean(h);
  });
});

describe('ParkService: queries', () => {
  it('lists calls by lot and orbit, and knows orbit codes', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER, orbit: 703 });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    expect(h.park.list().map((c) => `${c.lot}:${c.orbit}`)).toEqual(['sales:701', 'sales:703', 'support:701']);
    expect(h.park.getById('call-2')?.orbit).toBe(703);
    expect(h.park.get(702, 'sales')).toBeUndefined();
    expect(h.park.get(701, 'nope')).toBeUndefined();
    expect(h.park.isOrbitCode('801')).toBe(true);
    expect(h.park.isOrbitCode('700')).toBe(false);
    expect(h.park.isOrbitCode('0801')).toBe(false);
    expect(h.park.lots()).toEqual([
      { name: 'sales', rangeStart: 701, rangeEnd: 703, occupied: [701, 703] },
      { name: 'support', rangeStart: 701, rangeEnd: 703, occupied: [701] },
      { name: 'hotel', rangeStart: 801, rangeEnd: 802, occupied: [] },
      { name: 'lobby', rangeStart: 901, rangeEnd: 909, occupied: [] },
    ]);
    h.park.stop();
    expect(h.trail().filter((t) => t.startsWith('ended'))).toEqual(['ended:shutdown', 'ended:shutdown', 'ended:shutdown']);
    expectClean(h);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
