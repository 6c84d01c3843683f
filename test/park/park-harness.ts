/** Builds a ParkService on a FakeClock with a recorder of every event, for the service tests. */
import pino from 'pino';
import { FakeClock, ParkService, type ParkEvents, type ParkPolicyInput, type ParkServiceOptions } from '../../src/park';

export const POLICIES: ParkPolicyInput[] = [
  {
    name: 'sales',
    allowCallPark: true,
    members: ['sip:1*@*'],
    pickupRangeStart: 701,
    pickupRangeEnd: 703,
    parkTimeout: 60,
    ringbackTimeout: 20,
  },
  {
    name: 'support',
    allowCallPark: true,
    members: ['sip:2*@*'],
    pickupRangeStart: 701,
    pickupRangeEnd: 703,
    allocation: 'next',
    parkTimeout: 60,
    ringbackTimeout: 20,
    fallback: { action: 'forward', uri: 'sip:operator@pbx' },
  },
  {
    name: 'hotel',
    allowCallPark: true,
    members: ['sip:3*@*'],
    pickupRangeStart: 801,
    pickupRangeEnd: 802,
    parkTimeout: 60,
    ringbackTimeout: 20,
    fallback: { action: 'repark', maxTimes: 2 },
  },
  { name: 'lobby', members: ['sip:lobby@*'], pickupRangeStart: 901, pickupRangeEnd: 909 },
];

export const EVENT_NAMES: (keyof ParkEvents)[] = [
  'reserved',
  'parked',
  'retrieving',
  'retrieved',
  'retrieveFailed',
  'timeout',
  'ringback',
  'fallback',
  'ended',
  'orbitChanged',
  'partyReplaced',
];

export type RecordedEvent = { [K in keyof ParkEvents]: { name: K; payload: ParkEvents[K] } }[keyof ParkEvents];

export interface Harness {
  clock: FakeClock;
  park: ParkService;
  events: RecordedEvent[];
  /** Event names, with the lamp state appended to orbitChanged and the reason to ended. */
  trail(): string[];
  /** Forget recorded events. */
  reset(): void;
}

export function makeHarness(overrides: Partial<ParkServiceOptions> = {}): Harness {
  const clock = new FakeClock(0);
  let next = 0;
  const park = new ParkService({
    policies: POLICIES,
    log: pino({ level: 'silent' }),
    clock,
    newId: () => `call-${++next}`,
    ...overrides,
  });
  const events: RecordedEvent[] = [];
  for (const name of EVENT_NAMES) {
    park.on(name, (payload: ParkEvents[typeof name]) => events.push({ name, payload } as RecordedEvent));
  }
  return {
    clock,
    park,
    events,
    trail: () =>
      events.map((e) => {
        if (e.name === 'orbitChanged') return `orbitChanged:${e.payload.orbit}:${e.payload.state}`;
        if (e.name === 'ended') return `ended:${e.payload.reason}`;
        if (e.name === 'fallback') return `fallback:${e.payload.action.action}`;
        return e.name;
      }),
    reset: () => events.splice(0),
  };
}

/** Nothing left behind: no call, timer, stored snapshot or orbit claim. */
export function expectClean(h: Harness): void {
  expect(h.park.counts()).toEqual({ reserved: 0, parked: 0, retrieving: 0, ringingBack: 0, timers: 0, storedCalls: 0, heldOrbits: 0 });
  expect(h.clock.pending()).toBe(0);
  expect(h.park.list()).toEqual([]);
}

export const SALES_A = '"Alice" <sip:1001@pbx.example.com>;tag=a1';
export const SALES_B = 'sip:1002@pbx.example.com';
export const SUPPORT_A = 'sip:2001@pbx.example.com';
export const HOTEL_A = 'sip:3001@pbx.example.com';
export const CALLER = { identity: 'sip:+15550100@trunk.example.net', displayName: 'Customer' };
