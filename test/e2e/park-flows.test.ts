import fs from 'node:fs';
import { RtpProbe } from './rtp-probe';
import { assertEngineIdle, literal, PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario, startScenario } from './sipp-run';

const POLICIES = [
  { name: 'sales', allowCallPark: true, members: ['sip:alice@*', 'sip:bob@*', 'sip:carol@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
  { name: 'support', allowCallPark: true, members: ['sip:dave@*'], pickupRangeStart: 711, pickupRangeEnd: 712 },
  { name: 'tiny', allowCallPark: true, members: ['sip:tiny@*'], pickupRangeStart: 801, pickupRangeEnd: 801 },
  { name: 'visitors', allowCallPark: false, members: ['sip:guest@*'], pickupRangeStart: 901, pickupRangeEnd: 909 },
];

describe('park, retrieve and refusals over SIP', () => {
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

  afterEach(async () => {
    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
    await assertEngineIdle(stack);
    expect(stack.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, timers: 0, heldOrbits: 0 });
  });

  const parkedAt = (orbit: number) => () => stack.park.list().some((call) => call.orbit === orbit && call.state === 'parked');

  it('retrieve: bridges the retriever with the parked party and releases the music', async () => {
    probe.packets.length = 0;
    const parked = await startScenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:alice@127.0.0.1', rtp_port: String(probe.port) },
    });
    expect(await waitFor(parkedAt(701), Boolean)).toBe(true);
    await probe.waitForPackets(10);
    expect(probe.payloadTypes()).toEqual([0]);

    const retriever = await scenario({ scenario: 'retrieve.xml', target: stack.target, service: '701', pauseMs: 500, keys: { from_user: 'bob', from_name: 'Bob' } });
    expect(retriever.summary).toMatch(/ok/);
    expect(retriever.outcome).toBe('ok');
    // Connected line (DESIGN §5): after the 200, an UPDATE whose P-Asserted-Identity names the parked party.
    expect(retriever.actionLog()).toMatch(new RegExp(`connected-line\\s+"Carol" <sip:carol@${literal(PEER)}[:>]`));
    const parkedResult = await parked.result;
    expect(parkedResult.outcome).toBe('ok');
    expect(parkedResult.actionLog()).toMatch(/re-INVITE received[\s\S]*BYE received/);
    expect(stack.logs.some((line) => line.orbit === 701 && new RegExp(`retrieved by bob@${literal(PEER)}`).test(String(line.msg)))).toBe(true);
  });

  it('directed park: a free orbit parks, an occupied one is refused with 486', async () => {
    const first = await startScenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '705',
      pauseMs: 2500,
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    expect(await waitFor(parkedAt(705), Boolean)).toBe(true);
    const second = await scenario({ scenario: 'refused-transfer.xml', target: stack.target, service: '705', keys: { referred_by: 'sip:bob@127.0.0.1' } });
    expect(second.outcome).toBe('ok');
    expect(second.actionLog()).toMatch(/refused status=486 reason=Orbit 705 is occupied/);
    expect(stack.logs.some((line) => line.msg === 'refused: 486 Orbit 705 is occupied')).toBe(true);
    expect((await first.result).actionLog()).toMatch(/orbit=705 /);
  });

  it('retrieving an empty orbit gets 404 with the orbit in the reason', async () => {
    const result = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'bob' } });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/refused status=404 reason=No call parked at 704/);
  });

  it('another park group cannot retrieve (403), a user without park rights cannot park (403)', async () => {
    const parked = await startScenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '700',
      pauseMs: 2500,
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    expect(await waitFor(parkedAt(701), Boolean)).toBe(true);
    const wrongGroup = await scenario({ scenario: 'refused.xml', target: stack.target, service: '701', keys: { from_user: 'dave' } });
    expect(wrongGroup.actionLog()).toMatch(/refused status=403 reason=Not in this park group/);
    const guest = await scenario({ scenario: 'refused-transfer.xml', target: stack.target, service: '700', keys: { referred_by: 'sip:guest@127.0.0.1' } });
    expect(guest.actionLog()).toMatch(/refused status=403 reason=Call park not allowed/);
    expect((await parked.result).outcome).toBe('ok');
  });

  it('a full lot answers 503 with Retry-After', async () => {
    const parked = await startScenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '700',
      pauseMs: 2500,
      keys: { referred_by: 'sip:tiny@127.0.0.1' },
    });
    expect(await waitFor(parkedAt(801), Boolean)).toBe(true);
    const full = await scenario({ scenario: 'refused-transfer.xml', target: stack.target, service: '700', keys: { referred_by: 'sip:tiny@127.0.0.1' } });
    expect(full.actionLog()).toMatch(/refused status=503 reason=All park orbits are busy retry-after=\s*\d+/);
    expect((await parked.result).outcome).toBe('ok');
  });

  it('a malformed Referred-By is refused with 400', async () => {
    const result = await scenario({ scenario: 'refused-transfer.xml', target: stack.target, service: '700', keys: { referred_by: 'not a uri' } });
    expect(result.actionLog()).toMatch(/refused status=400 reason=Bad Referred-By header/);
  });

  it('attended park: the Replaces INVITE takes the reserved orbit and the parker is hung up', async () => {
    const parker = await startScenario({ scenario: 'attended-parker.xml', target: stack.target, service: '700', keys: { from_user: 'alice' } });
    const replaces = await waitFor(
      () => /replaces=(\S+)/.exec(readLog(parker.files.logs))?.[1],
      (value) => value !== undefined,
    );
    expect(replaces).toBeDefined();
    expect(stack.park.counts().reserved).toBe(1);
    const transferee = await scenario({
      scenario: 'attended-transferee.xml',
      target: stack.target,
      service: '700',
      pauseMs: 800,
      keys: { referred_by: 'sip:alice@127.0.0.1', replaces: replaces! },
    });
    expect(transferee.outcome).toBe('ok');
    expect(transferee.actionLog()).toMatch(/orbit=701 /);
    const parkerResult = await parker.result;
    expect(parkerResult.outcome).toBe('ok');
    expect(parkerResult.actionLog()).toMatch(/orbit=701 [\s\S]*BYE received/);
  });

  it('attended park: a parker who hangs up without transferring frees the orbit', async () => {
    const result = await scenario({ scenario: 'retrieve.xml', target: stack.target, service: '700', pauseMs: 300, keys: { from_user: 'alice' } });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/orbit=701 /);
    expect(stack.logs.some((line) => /before completing the transfer/.test(String(line.msg)))).toBe(true);
  });
});

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
