import { RtpProbe } from './rtp-probe';
import { assertEngineIdle, PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario } from './sipp-run';

const POLICIES = [{ name: 'sales', allowCallPark: true, members: ['sip:*@*'], pickupRangeStart: 701, pickupRangeEnd: 709, parkTimeout: 300 }];

describe('blind park over SIP and RTP', () => {
  let stack: ParkStack;
  let probe: RtpProbe;

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES });
    probe = await RtpProbe.open(PEER);
  });

  afterAll(async () => {
    await probe?.close();
    await stack?.stop();
  });

  it('parks a transferred call in the parker\'s lot, plays music, and cleans up on hang-up', async () => {
    const result = await scenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '700',
      pauseMs: 1500,
      keys: { referred_by: 'sip:alice@127.0.0.1', rtp_port: String(probe.port) },
    });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/orbit=701 /);
    expect(probe.packets.length).toBeGreaterThan(30);
    expect(probe.payloadTypes()).toEqual([0]);
    expect(probe.medianIntervalMs()).toBeGreaterThanOrEqual(15);
    expect(probe.medianIntervalMs()).toBeLessThanOrEqual(25);
    expect(stack.logs.some((line) => line.orbit === 701 && /parked at 701/.test(String(line.msg)))).toBe(true);

    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, mediaSessions: 0, parkedLegs: 0, park: 0, listener: 0 });
    await assertEngineIdle(stack);
    expect(stack.park.counts()).toMatchObject({ parked: 0, timers: 0, heldOrbits: 0 });
  });
});
