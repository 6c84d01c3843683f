/**
 * Load shedding over real SIP: a burst of parks beyond the cap on calls in set-up, and new calls
 * while the event loop is late, get 503 with Retry-After at once (no timeouts); the calls already
 * parked stay parked, and everything is released afterwards.
 */
import { FixedDelayProbe, startLoadStack, type LoadStack } from './load-stack';
import { UdpCallers, type FinalResponse } from './udp-caller';

const POLICIES = [{ name: 'load', allowCallPark: true, members: ['sip:*@127.0.0.1'], pickupRangeStart: 1000, pickupRangeEnd: 1099 }];
const CAP = 5;
const BURST = 30;
const SINK_RTP_PORT = 9; // discard: nothing listens, the kernel drops the music

describe('load shedding', () => {
  let stack: LoadStack;
  let callers: UdpCallers;
  const probe = new FixedDelayProbe();

  beforeAll(async () => {
    stack = await startLoadStack({
      policies: POLICIES,
      admissionLimits: { maxCallsInSetup: CAP, maxEventLoopDelayMs: 200, retryAfterSeconds: 3 },
      eventLoopDelay: probe,
      holdDelayMs: 300,
    });
    callers = await UdpCallers.open({ host: stack.host, port: stack.port });
  });

  afterAll(async () => {
    callers.close();
    await stack.stop();
  });

  it('a burst beyond the cap on calls in set-up: 503 with Retry-After for the excess, the parked call stays', async () => {
    const first = await callers.park('early', SINK_RTP_PORT);
    expect(first.status).toBe(200);
    const early = stack.park.list();
    expect(early).toHaveLength(1);

    const names = Array.from({ length: BURST }, (_, i) => `burst${i}`);
    const answers: FinalResponse[] = await Promise.all(names.map((name) => callers.park(name, SINK_RTP_PORT)));
    const parked = names.filter((_, i) => answers[i]!.status === 200);
    const shed = answers.filter((answer) => answer.status === 503);

    // Every INVITE got a final answer (Promise.all resolved: no timeouts), each a 200 or a 503.
    expect(parked.length + shed.length).toBe(BURST);
    expect(parked.length).toBeGreaterThanOrEqual(CAP);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) expect(answer.headers.get('retry-after')).toBe('3');
    expect(stack.park.list().map((call) => call.id)).toContain(early[0]!.id);
    expect(stack.park.list()).toHaveLength(parked.length + 1);

    for (const name of ['early', ...parked]) expect(await callers.hangUp(name)).toBe(200);
    await waitUntil(() => stack.park.list().length === 0 && stack.app.counts().calls === 0);
    expect(stack.app.counts()).toMatchObject({ dialog: 0, media: 0, timer: 0, listener: 0, park: 0, calls: 0, parkedLegs: 0, mediaSessions: 0 });
  });

  it('while the event loop runs late, new calls get 503 and a parked call can still hang up', async () => {
    expect((await callers.park('before-lag', SINK_RTP_PORT)).status).toBe(200);
    probe.current = 500;
    try {
      const refused = await callers.park('during-lag', SINK_RTP_PORT);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('3');
      expect(stack.park.list()).toHaveLength(1);
      expect(await callers.hangUp('before-lag')).toBe(200);
    } finally {
      probe.current = 0;
    }
    await waitUntil(() => stack.app.counts().calls === 0);
    expect(stack.park.list()).toEqual([]);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
