import { ParkDrainingError } from '../../src/park';
import { CALLER, HOTEL_A, SALES_A, SALES_B, SUPPORT_A, expectClean, makeHarness } from './park-harness';

describe('ParkService drain and stop', () => {
  it('drain refuses new parks, rings back every parked call now, and resolves when the last one ends', async () => {
    const h = makeHarness();
    const sales = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const hotel = h.park.park({ parker: { identity: HOTEL_A }, parked: CALLER });
    const support = h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER });
    const reservation = h.park.reserve({ parker: { identity: SALES_B } });
    let idle = false;
    const drained = h.park.drain().then(() => {
      idle = true;
    });
    expect(() => h.park.park({ parker: { identity: SALES_A }, parked: CALLER })).toThrow(ParkDrainingError);
    expect(() => h.park.reserve({ parker: { identity: SALES_A } })).toThrow(ParkDrainingError);

    h.clock.flush();
    expect(h.park.counts()).toMatchObject({ ringingBack: 3, reserved: 1 });
    h.park.ringbackAnswered(sales.id);
    h.park.ringbackFailed(hotel.id); // repark policy, but draining: hang up instead
    expect(h.park.getById(hotel.id)).toBeUndefined();
    const hotelFallback = h.events.find((e) => e.name === 'fallback' && e.payload.call.id === hotel.id);
    expect(hotelFallback?.payload).toMatchObject({ action: { action: 'hangup' } });

    // a reservation completed during drain rings back at once
    h.park.completeReservation(reservation.id, CALLER);
    h.clock.flush();
    expect(h.park.getById(reservation.id)?.state).toBe('ringingBack');
    h.clock.advance(20_000); // both remaining ring backs time out
    expect(h.park.getById(support.id)).toBeUndefined();
    await drained;
    expect(idle).toBe(true);
    expect(h.trail().filter((t) => t.startsWith('ended'))).toEqual([
      'ended:ringbackAnswered',
      'ended:fallbackHangup',
      'ended:forwarded',
      'ended:fallbackHangup',
    ]);
    expectClean(h);
  });

  it('drain with nothing parked resolves at once', async () => {
    const h = makeHarness();
    await expect(h.park.drain()).resolves.toBeUndefined();
    await expect(h.park.whenIdle()).resolves.toBeUndefined();
    expectClean(h);
  });

  it('stop ends every call as shutdown, clears timers and refuses new work; a pending drain resolves', async () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.reserve({ parker: { identity: SALES_A } });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.park.beginRetrieve({ orbit: 703, retriever: SALES_B });
    const drained = h.park.drain();
    h.clock.flush();
    h.park.stop();
    await drained;
    expect(h.trail().filter((t) => t.startsWith('ended'))).toEqual(['ended:shutdown', 'ended:shutdown', 'ended:shutdown']);
    expect(() => h.park.park({ parker: { identity: SALES_A }, parked: CALLER })).toThrow(ParkDrainingError);
    h.park.stop();
    expectClean(h);
  });
});
