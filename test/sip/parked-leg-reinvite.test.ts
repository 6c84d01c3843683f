/**
 * A parked phone that re-INVITEs (moved RTP port, then an offer-less re-INVITE) keeps hearing
 * the music at its new place: the re-INVITE reaches the hold session instead of srf answering it
 * with the old SDP.
 */
import { PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { startScenario } from '../e2e/sipp-run';
import { RtpProbe } from '../e2e/rtp-probe';

const POLICIES = [
  { name: 'sales', allowCallPark: true, members: ['sip:alice@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
  // Ring back 5 s after the park: between the offer-less re-INVITE (4 s) and the hang-up (6 s).
  { name: 'recall', allowCallPark: true, members: ['sip:rex@*'], pickupRangeStart: 711, pickupRangeEnd: 719, parkTimeout: 5, ringbackTimeout: 10 },
];

jest.setTimeout(60000);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('re-INVITE from a parked party', () => {
  let stack: ParkStack;
  const probes: RtpProbe[] = [];

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES });
  });

  afterAll(async () => {
    await Promise.all(probes.map((p) => p.close()));
    await stack?.stop();
  });

  async function probe(): Promise<RtpProbe> {
    const p = await RtpProbe.open(PEER);
    probes.push(p);
    return p;
  }

  it('moves the music to the new RTP port, answers from the same port, and survives an offer-less re-INVITE', async () => {
    const first = await probe();
    const second = await probe();
    const parked = await startScenario({
      scenario: 'park-reinvite.xml',
      target: stack.target,
      service: '700',
      pauseMs: 1500,
      keys: { referred_by: 'sip:alice@127.0.0.1', rtp_port: String(first.port), rtp_port2: String(second.port) },
    });
    await first.waitForPackets(10);
    await second.waitForPackets(10, 8000);
    // Music stopped at the old port once it moved (at most a packet in flight).
    const atOld = first.packets.length;
    await sleep(200);
    expect(first.packets.length).toBeLessThanOrEqual(atOld + 1);

    const result = await parked.result;
    expect(result.outcome).toBe('ok');
    const log = result.actionLog();
    const ourPort = /reoffer-answer m=audio (\d+) /.exec(log)?.[1];
    expect(ourPort).toBeDefined();
    // The offer-less re-INVITE got our SDP (same port) as an offer, and the music went on.
    expect(log).toMatch(new RegExp(`offerless-offer m=audio ${ourPort} `));
    expect(second.packets.at(-1)!.at - second.packets[0]!.at).toBeGreaterThan(2000);
    await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(stack.media.activeSessions()).toBe(0);
  });

  it('ring back after an offer-less re-INVITE offers the last SDP the party sent, not an empty body', async () => {
    const first = await probe();
    const second = await probe();
    const parker = await startScenario({ scenario: 'parker-logs-offer.xml' });
    const parked = await startScenario({
      scenario: 'park-reinvite.xml',
      target: stack.target,
      service: '700',
      pauseMs: 2000,
      timeoutSeconds: 30,
      keys: { referred_by: `sip:rex@${PEER}:${parker.port}`, rtp_port: String(first.port), rtp_port2: String(second.port) },
    });
    const parkerResult = await parker.result;
    expect(parkerResult.outcome).toBe('ok');
    // The offer-less re-INVITE (ACKed without an answer) must not leave ring back with an empty offer:
    // the last offer the party made (the first re-INVITE, rtp_port2) is what ring back sends.
    expect(parkerResult.actionLog()).toMatch(new RegExp(`ringback-offer m=audio ${second.port}\\b`));
    expect((await parked.result).outcome).toBe('ok');
    await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(stack.media.activeSessions()).toBe(0);
  });
});
