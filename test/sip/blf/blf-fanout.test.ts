/**
 * Busy lamps over real SIP, fan-out: SIPp phones SUBSCRIBE to orbits and to the lot through the embedded
 * engine and a real drachtio-srf; the park domain (on a fake clock) changes state underneath.
 */
import path from 'node:path';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { FakeClock, ParkService } from '../../../src/park';
import { installBlf, type BlfService } from '../../../src/sip/blf';
import { killAllSipp, runSipp, type SippResult } from '../../support/sipp';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from '../../engine/conformance/harness';

const SCENARIOS = path.join(__dirname, '..', '..', 'sipp', 'blf');
const log = pino({ level: process.env.BLF_LOG ?? 'silent' });

async function until(probe: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The `lamp <user> <version> <substate> <state>` lines SIPp logged, per user. */
function lampLines(result: SippResult): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const line of result.actionLog().split('\n')) {
    const match = /^lamp (\S+) (\d+) (\S+) (\S+)/.exec(line.trim());
    if (!match) continue;
    const [, user, version, substate, state] = match;
    byUser.set(user!, [...(byUser.get(user!) ?? []), `${version} ${substate} ${state}`]);
  }
  return byUser;
}

describe('busy lamps end to end: fan-out', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let clock: FakeClock;
  let park: ParkService;
  let blf: BlfService;

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
  });

  beforeAll(() => {
    clock = new FakeClock();
    park = new ParkService({
      policies: [
        { name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709, parkTimeout: 60, ringbackTimeout: 20 },
        { name: 'hotel', allowCallPark: true, members: ['sip:3*@*'], pickupRangeStart: 801, pickupRangeEnd: 802 },
      ],
      log,
      clock,
    });
    blf = installBlf({ srf, park, config: { sip: { trustedPeers: [] }, park: { extension: '700' } }, log, limits: { minExpires: 1 } });
  });

  afterAll(async () => {
    await blf.stop();
    park.stop();
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  const parkCarol = () =>
    park.park({ parker: { identity: 'sip:101@127.0.0.1' }, parked: { identity: 'sip:carol@example.com', displayName: 'Carol' }, orbit: 704 });

  test('three phones on 704 and one on the lot follow park, ring back, a second park and retrieval', async () => {
    const orbitWatchers = runSipp({
      scenario: path.join(SCENARIOS, 'blf-watch.xml'),
      remote: sipTarget(engine, 'udp'),
      service: '704',
      injection: { order: 'SEQUENTIAL', rows: [['101'], ['102'], ['103']] },
      keys: { expires: '600' },
      totalCalls: 3,
      concurrentLimit: 3,
      callRate: 50,
      timeoutSeconds: 40,
    });
    const lotWatcher = runSipp({
      scenario: path.join(SCENARIOS, 'blf-watch.xml'),
      remote: sipTarget(engine, 'udp'),
      service: 'park+700',
      injection: { order: 'SEQUENTIAL', rows: [['104']] },
      keys: { expires: '600' },
      totalCalls: 1,
      timeoutSeconds: 40,
    });
    await until(() => blf.counts().subscriptions === 4, 'four subscriptions');
    await blf.idle();

    const first = parkCarol();
    await blf.idle();
    clock.advance(60_000); // parkTimeout: ringing back
    await blf.idle();
    park.ringbackAnswered(first.id); // the parker took it back: orbit free
    await blf.idle();
    parkCarol();
    await blf.idle();
    const ticket = park.beginRetrieve({ orbit: 704, retriever: 'sip:102@127.0.0.1' });
    ticket.complete();
    await blf.idle();
    await blf.stop();

    const orbits = await orbitWatchers;
    const lot = await lotWatcher;
    expect({ outcome: orbits.outcome, errors: orbits.outcome === 'ok' ? '' : orbits.errorLog().slice(-1500) }).toEqual({ outcome: 'ok', errors: '' });
    expect({ outcome: lot.outcome, errors: lot.outcome === 'ok' ? '' : lot.errorLog().slice(-1500) }).toEqual({ outcome: 'ok', errors: '' });
    const expected = [
      '0 active terminated',
      '1 active confirmed',
      '2 active early',
      '3 active terminated',
      '4 active confirmed',
      '5 active terminated',
      '6 terminated terminated',
    ];
    const lamps = lampLines(orbits);
    for (const user of ['101', '102', '103']) expect(lamps.get(user)).toEqual(expected);
    expect(lampLines(lot).get('104')).toEqual(expected);
    expect(orbits.messagesLog()).toContain('<identity display="Carol">sip:carol@example.com</identity>');
    expect(blf.counts()).toEqual({ subscriptions: 0, timers: 0 });
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

});
