import pino from 'pino';
import { FakeClock, ParkService } from '../../../src/park';
import { SubscriptionManager, type DeliveryOutcome, type Notification, type NotifySink } from '../../../src/sip/blf/subscription-manager';

const log = pino({ level: 'silent' });

class RecordingSink implements NotifySink {
  readonly sent: Notification[] = [];
  closed = 0;
  /** When set, each send waits for release() before answering. */
  hold = false;
  answer: DeliveryOutcome = 'delivered';
  private waiting: Array<() => void> = [];

  send(notification: Notification): Promise<DeliveryOutcome> {
    this.sent.push(notification);
    if (!this.hold) return Promise.resolve(this.answer);
    return new Promise((resolve) => this.waiting.push(() => resolve(this.answer)));
  }

  close(): void {
    this.closed += 1;
  }

  release(): void {
    for (const next of this.waiting.splice(0)) next();
  }

  states(): string[] {
    return this.sent.map((n) => `${n.subscriptionState} ${/<state>(\w+)<\/state>/.exec(n.body)?.[1] ?? 'none'}`);
  }

  versions(): number[] {
    return this.sent.map((n) => Number(/version="(\d+)"/.exec(n.body)?.[1]));
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = new FakeClock();
  const park = new ParkService({
    policies: [
      { name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709, parkTimeout: 60, ringbackTimeout: 20 },
      { name: 'hotel', allowCallPark: true, members: ['sip:3*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
    ],
    log,
    clock,
  });
  const manager = new SubscriptionManager({ park, clock, log });
  park.on('orbitChanged', ({ lot, orbit }) => manager.orbitChanged(lot, orbit));
  const parkCarol = (orbit = 704) =>
    park.park({ parker: { identity: 'sip:101@pbx' }, parked: { identity: 'sip:carol@example.com', displayName: 'Carol' }, orbit });
  return { clock, park, manager, parkCarol };
}

describe('busy-lamp subscription manager', () => {
  test('first NOTIFY is immediate full state; park, ring back and retrieval fan out to every watcher in order', async () => {
    const { park, manager, parkCarol, clock } = setup();
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    for (const sink of sinks) manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 600, sink, log });
    await settle();
    for (const sink of sinks) expect(sink.states()).toEqual(['active;expires=600 terminated']);

    const parked = parkCarol();
    await settle();
    clock.advance(60_000); // parkTimeout: ring back
    await settle();
    park.ringbackAnswered(parked.id);
    await settle();
    for (const sink of sinks) {
      expect(sink.states()).toEqual([
        'active;expires=600 terminated',
        'active;expires=600 confirmed',
        'active;expires=540 early',
        'active;expires=540 terminated',
      ]);
      expect(sink.versions()).toEqual([0, 1, 2, 3]);
    }
    expect(sinks[0]!.sent[1]!.body).toContain('<identity display="Carol">sip:carol@example.com</identity>');
  });

  test('other orbits and the same orbit number in another lot do not notify', async () => {
    const { park, manager, parkCarol } = setup();
    const sink = new RecordingSink();
    manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 600, sink, log });
    parkCarol(705);
    park.park({ parker: { identity: 'sip:301@pbx' }, parked: { identity: 'sip:dave@x' }, orbit: 704 });
    await settle();
    expect(sink.sent).toHaveLength(1);
  });

  test('a lot subscription lists every busy orbit and goes back to terminated when the lot empties', async () => {
    const { park, manager, parkCarol } = setup();
    const sink = new RecordingSink();
    manager.add({ resource: { lot: 'sales' }, entity: 'sip:700@pbx', expires: 600, sink, log });
    const first = parkCarol(704);
    await settle();
    const second = parkCarol(706);
    await settle();
    expect(sink.sent[2]!.body).toContain('<dialog id="park-704"');
    expect(sink.sent[2]!.body).toContain('<dialog id="park-706"');
    park.hangup(first.id);
    park.hangup(second.id);
    await settle();
    expect(sink.states().at(-1)).toBe('active;expires=600 terminated');
    expect(sink.sent.at(-1)!.body).toContain('<dialog id="lot-sales">');
  });

  test('expiry sends terminated;reason=timeout, closes the sink and clears its timer', async () => {
    const { manager, clock } = setup();
    const sink = new RecordingSink();
    manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 120, sink, log });
    await settle();
    expect(manager.counts()).toEqual({ subscriptions: 1, timers: 1 });
    clock.advance(119_999);
    await settle();
    expect(sink.sent).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(sink.states()).toEqual(['active;expires=120 terminated', 'terminated;reason=timeout terminated']);
    expect(sink.closed).toBe(1);
    expect(manager.counts()).toEqual({ subscriptions: 0, timers: 0 });
  });

  test('refresh re-arms the timer and sends the current state; unsubscribe ends with a final NOTIFY', async () => {
    const { manager, clock, park } = setup();
    const sink = new RecordingSink();
    // The hotel lot keeps the default parkTimeout (300 s), so nothing rings back meanwhile.
    const sub = manager.add({ resource: { lot: 'hotel', orbit: 704 }, entity: 'sip:704@pbx', expires: 120, sink, log });
    park.park({ parker: { identity: 'sip:301@pbx' }, parked: { identity: 'sip:dave@x' }, orbit: 704 });
    await settle();
    clock.advance(100_000);
    manager.refresh(sub, 300);
    await settle();
    clock.advance(150_000); // past the first expiry, inside the refreshed one
    await settle();
    expect(sub.active).toBe(true);
    expect(sub.remainingSeconds()).toBe(150);
    manager.unsubscribe(sub);
    await settle();
    expect(sink.states()).toEqual([
      'active;expires=120 terminated',
      'active;expires=120 confirmed',
      'active;expires=300 confirmed',
      'terminated;reason=timeout confirmed',
    ]);
    expect(manager.counts()).toEqual({ subscriptions: 0, timers: 0 });
  });

  test('Expires: 0 is a fetch: one terminated NOTIFY with the state', async () => {
    const { manager, parkCarol } = setup();
    parkCarol();
    const sink = new RecordingSink();
    manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 0, sink, log });
    await settle();
    expect(sink.states()).toEqual(['terminated;reason=timeout confirmed']);
    expect(manager.counts().subscriptions).toBe(0);
  });

  test('changes during a NOTIFY in flight are coalesced into one NOTIFY with the latest state', async () => {
    const { park, manager, parkCarol } = setup();
    const sink = new RecordingSink();
    sink.hold = true;
    manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 600, sink, log });
    const parked = parkCarol();
    park.hangup(parked.id);
    parkCarol();
    expect(sink.sent).toHaveLength(1);
    sink.release();
    await settle();
    sink.release();
    await settle();
    expect(sink.states()).toEqual(['active;expires=600 terminated', 'active;expires=600 confirmed']);
    expect(sink.versions()).toEqual([0, 1]);
  });

  test('a subscriber answering 481 is dropped without more NOTIFYs', async () => {
    const { manager, parkCarol } = setup();
    const sink = new RecordingSink();
    sink.answer = 'gone';
    manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 600, sink, log });
    await settle();
    parkCarol();
    await settle();
    expect(sink.sent).toHaveLength(1);
    expect(sink.closed).toBe(1);
    expect(manager.counts()).toEqual({ subscriptions: 0, timers: 0 });
  });

  test('stop() ends every subscription with terminated;reason=deactivated', async () => {
    const { manager } = setup();
    const sinks = [new RecordingSink(), new RecordingSink()];
    for (const sink of sinks) manager.add({ resource: { lot: 'sales', orbit: 704 }, entity: 'sip:704@pbx', expires: 600, sink, log });
    await manager.stop();
    for (const sink of sinks) expect(sink.states().at(-1)).toBe('terminated;reason=deactivated terminated');
    expect(manager.counts()).toEqual({ subscriptions: 0, timers: 0 });
  });
});
