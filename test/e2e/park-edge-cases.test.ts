/**
 * The less travelled paths of the park app over real SIP: stale and unknown Replaces (481), no
 * shared codec (488), CANCEL during set-up, P-Asserted-Identity only from trusted peers,
 * re-INVITE and INFO relayed between bridged legs with the parked side hanging up, and the
 * optional MESSAGE to a blind parker. After every test, nothing may be left behind.
 */
import fs from 'node:fs';
import { assertEngineIdle, hostPrefix, OTHER_PEER, PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario, startScenario } from './sipp-run';

const POLICIES = [
  { name: 'sales', allowCallPark: true, members: ['sip:alice@*', 'sip:bob@*', 'sip:carol@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
  { name: 'visitors', allowCallPark: false, members: ['sip:guest@*'], pickupRangeStart: 901, pickupRangeEnd: 909 },
];

jest.setTimeout(60000);

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function expectNothingLeft(stack: ParkStack): Promise<void> {
  const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
  expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, timer: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
  await assertEngineIdle(stack);
  expect(stack.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, ringingBack: 0, timers: 0, heldOrbits: 0 });
}

describe(`park edge cases over SIP (trusted peer ${PEER}, slow media set-up)`, () => {
  let stack: ParkStack;

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES, trustedPeers: [hostPrefix(PEER)], holdDelayMs: 300 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(async () => {
    await expectNothingLeft(stack);
  });

  const parkedAt = (orbit: number) => () => stack.park.list().some((call) => call.orbit === orbit && call.state === 'parked');
  const logged = (pattern: RegExp, callId?: string): boolean =>
    stack.logs.some((line) => pattern.test(String(line.msg)) && (callId === undefined || line.callId === callId));

  it('a Replaces naming no dialog of ours is refused with 481', async () => {
    const result = await scenario({
      scenario: 'refused-replaces.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:alice@127.0.0.1', replaces: 'no-such-call@127.0.0.1;to-tag=abc;from-tag=def' },
    });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/refused status=481 reason=No dialog to replace/);
  });

  it('a stale Replaces (the attended park it named is complete) is refused with 481', async () => {
    const parker = await startScenario({ scenario: 'attended-parker.xml', target: stack.target, service: '700', keys: { from_user: 'alice' } });
    const replaces = await waitFor(() => /replaces=(\S+)/.exec(readLog(parker.files.logs))?.[1], (value) => value !== undefined);
    expect(replaces).toBeDefined();
    const transferee = await startScenario({
      scenario: 'attended-transferee.xml',
      target: stack.target,
      service: '700',
      pauseMs: 3000,
      keys: { referred_by: 'sip:alice@127.0.0.1', replaces: replaces! },
    });
    expect((await parker.result).outcome).toBe('ok');
    expect(await waitFor(parkedAt(701), Boolean)).toBe(true);
    const stale = await scenario({
      scenario: 'refused-replaces.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:alice@127.0.0.1', replaces: replaces! },
    });
    expect(stale.actionLog()).toMatch(/refused status=481 reason=No dialog to replace/);
    expect((await transferee.result).outcome).toBe('ok');
  });

  it('an offer without a codec we speak is refused with 488', async () => {
    const result = await scenario({ scenario: 'refused-codec.xml', target: stack.target, service: '700', keys: { referred_by: 'sip:alice@127.0.0.1' } });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/refused status=488 reason=No common codec/);
  });

  it('a CANCEL while the park is being set up gets 200 and 487, and nothing is parked', async () => {
    const result = await scenario({ scenario: 'park-cancel.xml', target: stack.target, service: '700', pauseMs: 50, keys: { referred_by: 'sip:alice@127.0.0.1' } });
    expect(result.summary).toMatch(/: ok /);
    expect(result.actionLog()).toMatch(/CANCEL answered 1 CANCEL[\s\S]*INVITE answered 487/);
    const callId = /call-id=(\S+)/.exec(result.messagesLog())?.[1];
    const canceled = await waitFor(() => stack.logs.find((line) => line.msg === 'caller canceled'), (line) => line !== undefined);
    expect(canceled).toBeDefined();
    expect(logged(/^CANCEL received$/, String(canceled!.callId))).toBe(true);
    expect(callId === undefined || canceled!.callId === callId).toBe(true);
    expect(logged(/parked at/, String(canceled!.callId))).toBe(false);
  });

  it('P-Asserted-Identity from a trusted peer names the parker; from another source it is ignored', async () => {
    const trusted = await scenario({
      scenario: 'asserted-identity.xml',
      target: stack.target,
      service: '700',
      pauseMs: 300,
      keys: { from_user: 'guest', from_name: 'Guest', asserted: 'sip:alice@127.0.0.1' },
    });
    expect(trusted.outcome).toBe('ok');
    expect(trusted.actionLog()).toMatch(/orbit=701 /);
    expect(logged(/orbit 701 reserved for alice@127\.0\.0\.1/)).toBe(true);

    const untrusted = await scenario({
      scenario: 'asserted-identity.xml',
      target: stack.target,
      service: '700',
      localIp: OTHER_PEER,
      keys: { from_user: 'guest', from_name: 'Guest', asserted: 'sip:alice@127.0.0.1' },
    });
    expect(untrusted.outcome).toBe('ok');
    expect(untrusted.actionLog()).toMatch(/refused status=403 reason=Call park not allowed/);
    expect(stack.logs.some((line) => line.flow === 'attended-park' && line.caller === `guest@${OTHER_PEER}`)).toBe(true);
  });

  it('a retriever identified by a trusted P-Asserted-Identity picks up; the same INVITE from elsewhere is refused', async () => {
    const parked = await startScenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    expect(await waitFor(parkedAt(701), Boolean)).toBe(true);
    const untrusted = await scenario({
      scenario: 'asserted-identity.xml',
      target: stack.target,
      service: '701',
      localIp: OTHER_PEER,
      keys: { from_user: 'guest', asserted: 'sip:bob@127.0.0.1' },
    });
    expect(untrusted.actionLog()).toMatch(/refused status=403 reason=Not in this park group/);
    expect(parkedAt(701)()).toBe(true);
    const trusted = await scenario({
      scenario: 'asserted-identity.xml',
      target: stack.target,
      service: '701',
      pauseMs: 300,
      keys: { from_user: 'guest', asserted: 'sip:bob@127.0.0.1' },
    });
    expect(trusted.outcome).toBe('ok');
    expect(trusted.actionLog()).toMatch(/orbit=701 /);
    expect(logged(/retrieved by bob@127\.0\.0\.1/)).toBe(true);
    expect((await parked.result).outcome).toBe('ok');
  });

  it('relays re-INVITE and INFO both ways between retriever and parked party; the parked side hangs up', async () => {
    const parked = await startScenario({
      scenario: 'park-relay-peer.xml',
      target: stack.target,
      service: '700',
      pauseMs: 300,
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    expect(await waitFor(parkedAt(701), Boolean)).toBe(true);
    const retriever = await scenario({ scenario: 'retrieve-relay.xml', target: stack.target, service: '701', keys: { from_user: 'bob', from_name: 'Bob' } });
    expect(retriever.summary).toMatch(/: ok /);
    const parkedResult = await parked.result;
    expect(parkedResult.summary).toMatch(/: ok /);
    expect(parkedResult.actionLog()).toMatch(/relayed re-INVITE direction=sendonly[\s\S]*relayed INFO content-type=\s*application\/dtmf-relay digit=5[\s\S]*own INFO answered 200[\s\S]*BYE answered 200/);
    expect(retriever.actionLog()).toMatch(/re-INVITE answered direction=recvonly[\s\S]*INFO answered 200[\s\S]*relayed INFO digit=7[\s\S]*BYE received/);
    expect(stack.logs.some((line) => line.orbit === 701 && line.msg === 'parked party hung up, ending retriever')).toBe(true);
  });
});

describe('the MESSAGE to a blind parker (park.notifyByMessage)', () => {
  let stack: ParkStack;

  beforeAll(async () => {
    stack = await startParkStack({
      policies: [{ name: 'sales', allowCallPark: true, members: ['sip:alice@*'], pickupRangeStart: 704, pickupRangeEnd: 709 }],
      notifyByMessage: true,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('tells the parker "Call from Carol parked at 704"', async () => {
    const parkerPhone = await startScenario({ scenario: 'parker-message.xml' });
    const parked = await scenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '700',
      pauseMs: 1000,
      keys: { referred_by: `sip:alice@${PEER}:${parkerPhone.port}` },
    });
    expect(parked.outcome).toBe('ok');
    const phone = await parkerPhone.result;
    expect(phone.summary).toMatch(/: ok /);
    expect(phone.actionLog()).toMatch(/MESSAGE from=\s*"Call Park" <sip:700@[^>]+>;tag=\S+ content-type=\s*text\/plain text=Call from Carol parked at 704/);
    expect(await waitFor(() => stack.logs.some((line) => line.msg === 'MESSAGE to parker answered 200'), Boolean)).toBe(true);
    await expectNothingLeft(stack);
  });
});
