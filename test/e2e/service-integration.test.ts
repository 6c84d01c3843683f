/**
 * Service-mode features wired into the park app: the limit on failed retrievals, connected line
 * after retrieval, retrieval to a phone for the admin API, and an attended parker who transfers
 * only after its call was parked by the no-Referred-By workaround. Nothing may be left behind.
 */
import fs from 'node:fs';
import pino from 'pino';
import { installBlf } from '../../src/sip/blf';
import { freePort } from '../support/ports';
import type { SippResult } from '../support/sipp';
import { assertEngineIdle, literal, PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario, startScenario } from './sipp-run';

const POLICIES = [
  {
    name: 'sales',
    allowCallPark: true,
    members: ['sip:alice@*', 'sip:bob@*', 'sip:carol@*', 'sip:erin@*', 'sip:frank@*'],
    pickupRangeStart: 701,
    pickupRangeEnd: 709,
  },
];

jest.setTimeout(60000);

/** PEER as the park domain writes it in an identity (an IPv6 address in brackets). */
const PEER_HOST = PEER.includes(':') ? `[${PEER.toLowerCase()}]` : PEER;

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** `<dialog state> <party> <display>` of every NOTIFY blf-watch-party.xml logged, in order. */
function lampParties(result: SippResult): string[] {
  const lamps: string[] = [];
  for (const line of result.actionLog().split('\n')) {
    const match = /^lamp \S+ \d+ \S+ (\S+) party=(\S*) display=(.*)$/.exec(line.trim());
    if (match) lamps.push(`${match[1]} ${match[2]} ${match[3]}`.trim());
  }
  return lamps;
}

describe('service-mode integration over SIP', () => {
  let stack: ParkStack;

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES, retrievalGuard: true, unreferredParkDelayMs: 1000 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(async () => {
    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, timer: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
    await assertEngineIdle(stack);
    expect(stack.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, ringingBack: 0, timers: 0, heldOrbits: 0 });
  });

  it('the sixth failed retrieval from one user is refused 403 with Retry-After; another user still gets 404', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const probe = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'erin' } });
      expect(probe.actionLog()).toMatch(/refused status=404 reason=No call parked at 704/);
    }
    const blocked = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'erin' } });
    expect(blocked.actionLog()).toMatch(/refused status=403 reason=Too many failed retrievals retry-after=\s*\d+/);
    expect(stack.logs.filter((line) => line.msg === 'refused: 403 Too many failed retrievals')).toHaveLength(1);
    const other = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'frank' } });
    expect(other.actionLog()).toMatch(/refused status=404 reason=No call parked at 704/);
  });

  it('attended park where the parker waits past the self-park delay: the late transfer swaps the transferee in and hangs up the parker', async () => {
    // A busy-lamp key on orbit 701 shows who is parked there (RFC 4235 remote identity).
    const blf = installBlf({ srf: stack.srf, park: stack.park, config: { sip: { trustedPeers: [] }, park: { extension: '700' } }, log: pino({ level: 'silent' }) });
    const watcher = await startScenario({ scenario: 'blf/blf-watch-party.xml', target: stack.target, service: '701', keys: { from_user: 'bob', expires: '600' }, timeoutSeconds: 40 });
    try {
      await waitFor(() => blf.counts().subscriptions, (count) => count === 1);
      await blf.idle();
      await lateTransfer();
      // The transferee hung up: the orbit is free; the lamp says so before the subscription ends.
      await waitFor(() => stack.park.list().length, (count) => count === 0);
      await blf.idle();
    } finally {
      await blf.stop();
    }
    const lamps = await watcher.result;
    expect({ outcome: lamps.outcome, errors: lamps.errorLog() }).toEqual({ outcome: 'ok', errors: lamps.errorLog() });
    const host = literal(PEER_HOST);
    const parties = lampParties(lamps);
    const alice = parties.findIndex((lamp) => new RegExp(`^confirmed sip:alice@${host} Alice$`).test(lamp));
    const carol = parties.findIndex((lamp) => new RegExp(`^confirmed sip:carol@${host} Carol$`).test(lamp));
    expect({ alice: alice >= 0, carol: carol > alice, parties }).toEqual({ alice: true, carol: true, parties });
    expect(parties[parties.length - 1]).toBe('terminated');
  });

  async function lateTransfer(): Promise<void> {
    const parker = await startScenario({
      scenario: 'attended-parker.xml',
      target: stack.target,
      service: '700',
      keys: { from_user: 'alice', from_name: 'Alice' },
    });
    const replaces = await waitFor(() => /replaces=(\S+)/.exec(readLog(parker.files.logs))?.[1], (value) => value !== undefined);
    expect(replaces).toBeDefined();
    const selfParked = await waitFor(
      () => stack.logs.some((line) => /parked at 701 \(INVITE without Referred-By\)/.test(String(line.msg))),
      Boolean,
    );
    expect(selfParked).toBe(true);
    const before = stack.park.list();
    expect(before).toMatchObject([{ orbit: 701, state: 'parked', parked: { identity: `sip:alice@${PEER_HOST}`, displayName: 'Alice' } }]);

    const transferee = await startScenario({
      scenario: 'attended-transferee.xml',
      target: stack.target,
      service: '700',
      pauseMs: 1500,
      keys: { from_user: 'carol', referred_by: 'sip:alice@127.0.0.1', replaces: replaces! },
    });
    const parkerResult = await parker.result;
    expect(parkerResult.outcome).toBe('ok');
    expect(parkerResult.actionLog()).toMatch(/orbit=701 [\s\S]*BYE received/);
    // Same parked call, same orbit, parker and ring-back target; the party parked in it is now the transferee.
    const swapped = stack.park.getById(before[0]!.id);
    expect(swapped).toEqual({ ...before[0], parked: { identity: `sip:carol@${PEER_HOST}`, displayName: 'Carol' } });
    expect(stack.app.counts()).toMatchObject({ parkedLegs: 1 });
    const transfereeResult = await transferee.result;
    expect(transfereeResult.outcome).toBe('ok');
    expect(transfereeResult.actionLog()).toMatch(/orbit=701 /);
    expect(stack.logs.some((line) => /swapped into orbit 701/.test(String(line.msg)))).toBe(true);
  }

  it('retrieve to a phone (admin): late-offer INVITE, the phone\'s offer goes to the parked party, its answer in the ACK', async () => {
    const parked = await startScenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    const call = await waitFor(() => stack.park.list()[0], (value) => value?.state === 'parked');
    expect(call).toMatchObject({ orbit: 701 });
    expect(await waitFor(() => stack.app.counts().parkedLegs, (legs) => legs === 1)).toBe(1);

    // Nobody answers: the INVITE times out and the call stays parked.
    const silent = await freePort('udp', PEER);
    await expect(stack.app.retrieveTo(call!.id, `sip:nobody@${PEER}:${silent}`)).rejects.toThrow(/did not answer|answered 408/);
    expect(stack.park.list()).toMatchObject([{ id: call!.id, orbit: 701, state: 'parked' }]);

    const phone = await startScenario({ scenario: 'parker-answers.xml', pauseMs: 800 });
    await stack.app.retrieveTo(call!.id, `sip:dave@${PEER}:${phone.port}`);
    expect(stack.park.list()).toEqual([]);
    const phoneResult = await phone.result;
    expect(phoneResult.outcome).toBe('ok');
    expect(phoneResult.actionLog()).toMatch(/INVITE from=\s*"Parked 701: Carol"/);
    expect(phoneResult.actionLog()).toMatch(new RegExp(`connected-line\\s+"Carol" <sip:carol@${literal(PEER)}[:>]`));
    const parkedResult = await parked.result;
    expect(parkedResult.outcome).toBe('ok');
    expect(parkedResult.actionLog()).toMatch(/re-INVITE received[\s\S]*BYE received/);
    expect(stack.logs.some((line) => /retrieved to sip:dave@/.test(String(line.msg)))).toBe(true);
  });
});
