import pino from 'pino';
import { drainParkedCalls } from '../../src/commands/drain';
import { FakeClock, ParkService } from '../../src/park';
import { LiveContexts } from '../../src/sip/runtime';
import { ResourceTally } from '../../src/sip/teardown';
import { CALLER, POLICIES, SALES_A } from '../park/park-harness';

const log = pino({ level: 'silent' });

/** A call context the SIP app still holds: the bridge set up after the parker answered its ring back. */
function appWithOneLiveCall(): { app: { whenIdle(): Promise<void> }; hangUp(): Promise<void> } {
  const contexts = new LiveContexts();
  const ctx = contexts.create('bridged-call', log, new ResourceTally());
  return { app: { whenIdle: () => contexts.whenEmpty() }, hangUp: () => ctx.teardown.run() };
}

describe('drainParkedCalls with the SIP app', () => {
  let park: ParkService;
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock(0);
    park = new ParkService({ policies: POLICIES, log, clock });
  });

  afterEach(() => park.stop());

  it('waits for the calls the app is still bridging after the park service is idle', async () => {
    const call = park.park({ parker: { identity: SALES_A }, parked: CALLER });
    const bridge = appWithOneLiveCall();
    let outcome: string | undefined;
    const drained = drainParkedCalls({ park, app: bridge.app, deadlineMs: 10_000, log }).then((o) => (outcome = o));
    clock.flush(); // ring back at once
    park.ringbackAnswered(call.id); // the park service holds nothing now; the bridge is still up
    await new Promise((resolve) => setImmediate(resolve));
    expect(park.list()).toHaveLength(0);
    expect(outcome).toBeUndefined();

    await bridge.hangUp();
    await drained;
    expect(outcome).toBe('idle');
  });

  it('gives up on a call the app still holds at the deadline', async () => {
    const bridge = appWithOneLiveCall();
    await expect(drainParkedCalls({ park, app: bridge.app, deadlineMs: 50, log })).resolves.toBe('deadline');
    await bridge.hangUp();
  });

  it('LiveContexts.whenEmpty resolves at once when no context is live, and after the last teardown otherwise', async () => {
    const contexts = new LiveContexts();
    await expect(contexts.whenEmpty()).resolves.toBeUndefined();
    const tally = new ResourceTally();
    const first = contexts.create('a', log, tally);
    const second = contexts.create('b', log, tally);
    let empty = false;
    const waiting = contexts.whenEmpty().then(() => (empty = true));
    await first.teardown.run();
    await new Promise((resolve) => setImmediate(resolve));
    expect(empty).toBe(false);
    await second.teardown.run();
    await waiting;
    expect(empty).toBe(true);
  });
});
