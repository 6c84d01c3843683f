/**
 * Busy lamps over real SIP, subscription lifecycle: SIPp phones SUBSCRIBE to orbits and to the lot through the embedded
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

describe('busy lamps end to end: subscription lifecycle', () => {
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

  test('refresh inside the dialog gets 200 and a NOTIFY; Expires: 0 ends it with a final NOTIFY', async () => {
    const result = await runSipp({
      scenario: path.join(SCENARIOS, 'blf-refresh.xml'),
      remote: sipTarget(engine, 'udp'),
      service: 'park+704',
      injection: { order: 'SEQUENTIAL', rows: [['105']] },
      totalCalls: 1,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toContain('unsubscribed 105');
    await until(() => blf.counts().subscriptions === 0, 'the subscription to end');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('a subscription expires on its own with terminated;reason=timeout', async () => {
    const result = await runSipp({
      scenario: path.join(SCENARIOS, 'blf-watch.xml'),
      remote: sipTarget(engine, 'udp'),
      service: '705',
      injection: { order: 'SEQUENTIAL', rows: [['106']] },
      keys: { expires: '1' },
      totalCalls: 1,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect(lampLines(result).get('106')).toEqual(['0 active terminated', '1 terminated terminated']);
    expect(result.messagesLog()).toContain('Subscription-State: terminated;reason=timeout');
    expect(blf.counts()).toEqual({ subscriptions: 0, timers: 0 });
  });

  test('another policy’s user watching a sales orbit gets 403', async () => {
    const result = await runSipp({
      scenario: path.join(SCENARIOS, 'blf-refused.xml'),
      remote: sipTarget(engine, 'udp'),
      service: '704',
      injection: { order: 'SEQUENTIAL', rows: [['301'], ['999']] },
      totalCalls: 2,
      callRate: 10,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect(blf.counts().subscriptions).toBe(0);
  });
});
