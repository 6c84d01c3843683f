import pino from 'pino';
import { drainParkedCalls } from '../../src/commands/drain';
import { ParkDrainingError } from '../../src/park';
import { CALLER, HOTEL_A, SALES_A } from '../park/park-harness';
import { jsonOf, SseClient, startHarness, TOKEN, type AdminHarness, type CallsBody, type LotsBody } from './admin-harness';

let h: AdminHarness;
let stream: SseClient | undefined;
const log = pino({ level: 'silent' });

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  stream?.close();
  await h.admin.close();
  h.park.stop();
});

describe('graceful drain (ParkService + admin)', () => {
  it('turns /healthz to 503, refuses new parks, rings every parked call back and resolves idle once they are answered or fall back', async () => {
    const sales = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const hotel = h.park.park({ parker: { identity: HOTEL_A }, parked: CALLER });
    stream = new SseClient(`${h.admin.url}/api/events?token=${TOKEN}`);
    await stream.until(() => h.admin.streamClients() === 1);

    const drained = drainParkedCalls({ park: h.park, admin: h.admin, deadlineMs: 10_000, log });
    const health = await h.call('/healthz', { token: null });
    expect([health.status, await health.json()]).toEqual([503, { status: 'draining' }]);
    expect((await jsonOf<LotsBody>(h.call('/api/lots'))).draining).toBe(true);
    expect(() => h.park.park({ parker: { identity: SALES_A }, parked: CALLER })).toThrow(ParkDrainingError);

    h.clock.flush(); // ring back at once, not after parkTimeout
    await stream.until(() => stream!.events.filter((e) => e.event === 'ringback').length === 2);
    const states = (await jsonOf<CallsBody>(h.call('/api/calls'))).calls.map((call) => call.state);
    expect(states).toEqual(['ringingBack', 'ringingBack']);

    h.park.ringbackAnswered(sales.id);
    h.clock.advance(20_000); // the hotel call's ring back times out: repark would be hangup while draining
    await expect(drained).resolves.toBe('idle');
    expect(h.park.getById(hotel.id)).toBeUndefined();
    await stream.until(() => stream!.events.filter((e) => e.event === 'ended').length === 2);
    expect(stream.events.filter((e) => e.event === 'ended').map((e) => (e.data as { reason: string }).reason)).toEqual([
      'ringbackAnswered',
      'fallbackHangup',
    ]);
  });

  it('gives up at the deadline, leaving the rest for park.stop()', async () => {
    h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    await expect(drainParkedCalls({ park: h.park, admin: h.admin, deadlineMs: 50, log })).resolves.toBe('deadline');
    expect(h.park.list()).toHaveLength(1);
    h.park.stop();
    expect(h.park.list()).toHaveLength(0);
  });

  it('resolves at once when nothing is parked', async () => {
    await expect(drainParkedCalls({ park: h.park, deadlineMs: 10_000, log })).resolves.toBe('idle');
  });
});
