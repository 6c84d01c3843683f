import { ALLOWED_EDGES, ParkStateError, ParkedCall, holdsOrbit, type ParkedCallState } from '../../src/park';

const ALL_STATES: ParkedCallState[] = ['reserved', 'parked', 'retrieving', 'ringingBack', 'bridged', 'fallback', 'ended'];

/** Paths from a fresh call to each state, using only allowed edges. */
const PATHS: Record<ParkedCallState, ParkedCallState[]> = {
  reserved: [],
  parked: ['parked'],
  retrieving: ['parked', 'retrieving'],
  ringingBack: ['parked', 'ringingBack'],
  bridged: ['parked', 'retrieving', 'bridged'],
  fallback: ['parked', 'ringingBack', 'fallback'],
  ended: ['ended'],
};

function callIn(state: ParkedCallState): ParkedCall {
  const call = new ParkedCall({
    id: 'c1',
    orbit: 704,
    lot: 'sales',
    parker: { identity: 'sip:1001@pbx' },
    now: 0,
    initialState: 'reserved',
  });
  call.fillReservation({ identity: 'sip:caller@trunk', displayName: 'Caller' });
  PATHS[state].forEach((to, i) => call.transition(to, i + 1, to === 'ended' ? { reason: 'adminHangup' } : {}));
  expect(call.state).toBe(state);
  return call;
}

describe('ParkedCall transitions', () => {
  const cases = ALL_STATES.flatMap((from) => ALL_STATES.map((to) => [from, to, ALLOWED_EDGES[from].includes(to)] as const));

  it.each(cases)('%s → %s allowed=%s', (from, to, allowed) => {
    const call = callIn(from);
    const detail = to === 'ended' ? { reason: 'error' as const } : {};
    if (allowed) {
      call.transition(to, 100, detail);
      expect(call.state).toBe(to);
    } else {
      expect(() => call.transition(to, 100, detail)).toThrow(ParkStateError);
      expect(call.state).toBe(from);
    }
  });

  it('has exactly the designed edges', () => {
    expect(ALLOWED_EDGES).toEqual({
      reserved: ['parked', 'ended'],
      parked: ['retrieving', 'ringingBack', 'ended'],
      retrieving: ['bridged', 'parked', 'ended'],
      ringingBack: ['bridged', 'fallback', 'parked', 'ended'],
      bridged: ['ended'],
      fallback: ['ended'],
      ended: [],
    });
  });

  it('sets the end reason exactly once and refuses to end without one', () => {
    const call = callIn('parked');
    expect(() => call.transition('ended', 5)).toThrow(ParkStateError);
    expect(call.state).toBe('parked');
    call.transition('ended', 7, { reason: 'parkedPartyHungUp' });
    expect(call.endReason).toBe('parkedPartyHungUp');
    expect(() => call.transition('ended', 8, { reason: 'retrieved' })).toThrow(ParkStateError);
    expect(call.endReason).toBe('parkedPartyHungUp');
    expect(call.snapshot().endedAt).toBe(7);
  });

  it('refuses to park a reservation nobody was put into', () => {
    const call = new ParkedCall({ id: 'r', orbit: 1, lot: 'l', parker: { identity: 'sip:a@b' }, now: 0, initialState: 'reserved' });
    expect(() => call.transition('parked', 1)).toThrow(ParkStateError);
    expect(call.state).toBe('reserved');
    expect(() => new ParkedCall({ id: 'p', orbit: 1, lot: 'l', parker: { identity: 'sip:a@b' }, now: 0, initialState: 'parked' })).toThrow(
      ParkStateError,
    );
  });

  it('counts ring-back attempts and re-parks, and records timestamps', () => {
    const call = callIn('parked');
    call.transition('ringingBack', 10);
    call.transition('parked', 20);
    call.transition('ringingBack', 30);
    const snap = call.snapshot();
    expect(snap.ringbackAttempts).toBe(2);
    expect(snap.reparks).toBe(1);
    expect(snap.createdAt).toBe(0);
    expect(snap.parkedAt).toBe(1);
    expect(() => call.fillReservation({ identity: 'sip:x@y' })).toThrow(ParkStateError);
  });

  it('rings back the contact when known, else the identity', () => {
    expect(callIn('parked').ringbackTarget).toBe('sip:1001@pbx');
    const withContact = new ParkedCall({
      id: 'c',
      orbit: 1,
      lot: 'l',
      parker: { identity: 'sip:1001@pbx', contact: 'sip:1001@10.0.0.5:5062' },
      parked: { identity: 'sip:c@d' },
      now: 0,
      initialState: 'parked',
    });
    expect(withContact.snapshot().ringbackTarget).toBe('sip:1001@10.0.0.5:5062');
  });

  it('holds its orbit only while reserved, parked, retrieving or ringing back', () => {
    expect(ALL_STATES.filter(holdsOrbit)).toEqual(['reserved', 'parked', 'retrieving', 'ringingBack']);
  });
});
