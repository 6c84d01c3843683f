import { ParkStateError, ParkedCallNotFoundError } from '../../src/park';
import { CALLER, HOTEL_A, SALES_A, SUPPORT_A, expectClean, makeHarness } from './park-harness';

describe('ParkService: parkTimeout and ring back', () => {
  it('rings the parker back after parkTimeout, at its contact, and hangs up after ringbackTimeout', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A, contact: 'sip:1001@10.0.0.5:5062' }, parked: CALLER });
    h.reset();
    h.clock.advance(59_999);
    expect(h.events).toEqual([]);
    h.clock.advance(1);
    expect(h.trail()).toEqual(['timeout', 'ringback', 'orbitChanged:701:ringingBack']);
    const ringback = h.events.find((e) => e.name === 'ringback');
    expect(ringback?.payload).toMatchObject({ target: 'sip:1001@10.0.0.5:5062', attempt: 1, call: { state: 'ringingBack' } });
    expect(h.park.counts()).toMatchObject({ ringingBack: 1, timers: 1 });

    h.reset();
    h.clock.advance(19_999);
    expect(h.events).toEqual([]);
    h.clock.advance(1);
    expect(h.trail()).toEqual(['fallback:hangup', 'orbitChanged:701:free', 'ended:fallbackHangup']);
    expect(h.events[0].payload).toMatchObject({ cause: 'ringbackTimeout' });
    expectClean(h);
  });

  it('rings back the parker identity when no contact was seen', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(60_000);
    expect(h.events.find((e) => e.name === 'ringback')?.payload).toMatchObject({ target: 'sip:1001@pbx.example.com' });
    h.park.stop();
    expectClean(h);
  });

  it('forwards to the fallback URI', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: SUPPORT_A }, parked: CALLER });
    h.clock.advance(80_000);
    const fallback = h.events.find((e) => e.name === 'fallback');
    expect(fallback?.payload).toMatchObject({ action: { action: 'forward', uri: 'sip:operator@pbx' }, cause: 'ringbackTimeout' });
    expect(h.trail().slice(-3)).toEqual(['fallback:forward', 'orbitChanged:701:free', 'ended:forwarded']);
    expectClean(h);
  });

  it('re-parks maxTimes on the same orbit, then hangs up', () => {
    const h = makeHarness();
    h.park.park({ parker: { identity: HOTEL_A }, parked: CALLER });
    h.reset();
    h.clock.advance(80_000); // ring back 1, unanswered → re-park 1
    expect(h.trail()).toEqual(['timeout', 'ringback', 'orbitChanged:801:ringingBack', 'fallback:repark', 'orbitChanged:801:parked']);
    expect(h.park.get(801, 'hotel')).toMatchObject({ state: 'parked', reparks: 1, ringbackAttempts: 1, ringbackDueAt: 140_000 });
    h.clock.advance(80_000); // ring back 2 → re-park 2
    expect(h.park.get(801, 'hotel')).toMatchObject({ state: 'parked', reparks: 2, ringbackAttempts: 2 });
    h.reset();
    h.clock.advance(60_000); // ring back 3
    expect(h.events.find((e) => e.name === 'ringback')?.payload).toMatchObject({ attempt: 3 });
    h.clock.advance(20_000); // → hangup
    expect(h.trail().slice(-3)).toEqual(['fallback:hangup', 'orbitChanged:801:free', 'ended:fallbackHangup']);
    expectClean(h);
  });

  it('runs the fallback at once when the app reports the ring back failed', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    expect(() => h.park.ringbackFailed(call.id)).toThrow(ParkStateError);
    h.clock.advance(60_000);
    h.reset();
    const ended = h.park.ringbackFailed(call.id);
    expect(ended).toMatchObject({ state: 'ended', endReason: 'fallbackHangup' });
    expect(h.events[0].payload).toMatchObject({ cause: 'ringbackFailed' });
    expectClean(h);
  });

  it('ends as ringbackAnswered when the parker answers', () => {
    const h = makeHarness();
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    expect(() => h.park.ringbackAnswered(call.id)).toThrow(ParkStateError);
    h.clock.advance(60_000);
    h.reset();
    expect(h.park.ringbackAnswered(call.id)).toMatchObject({ endReason: 'ringbackAnswered' });
    expect(h.trail()).toEqual(['orbitChanged:701:free', 'ended:ringbackAnswered']);
    expect(() => h.park.ringbackAnswered(call.id)).toThrow(ParkedCallNotFoundError);
    expectClean(h);
  });

  it('delivers events in order when a listener reports the ring back failed on the spot', () => {
    const h = makeHarness();
    h.park.on('ringback', ({ call }) => h.park.ringbackFailed(call.id));
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.reset();
    h.clock.advance(60_000);
    expect(h.trail()).toEqual(['timeout', 'ringback', 'orbitChanged:701:ringingBack', 'fallback:hangup', 'orbitChanged:701:free', 'ended:fallbackHangup']);
    expectClean(h);
  });

  it('survives a listener that throws', () => {
    const h = makeHarness();
    h.park.on('timeout', () => {
      throw new Error('subscriber bug');
    });
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(60_000);
    expect(h.park.counts().ringingBack).toBe(1);
    h.clock.advance(20_000);
    expectClean(h);
  });
});
