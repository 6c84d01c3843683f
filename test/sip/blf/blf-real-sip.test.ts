/**
 * Busy lamps driven by real SIP calls, not by the park domain directly: three SIPp phones watch
 * orbit 701 and one watches the lot (park+700) while SIPp callers are parked, rung back and
 * retrieved through the whole stack. In service mode the parks are INVITEs to 700 with
 * Referred-By; in B2BUA mode they are REFERs on calls bridged to a SIPp "PBX".
 */
import path from 'node:path';
import { killAllSipp, runSipp, startSipp, type SippHandle, type SippOptions, type SippResult } from '../../support/sipp';
import { freePort } from '../../support/ports';
import { BLF_SCENARIOS, B2BUA_SCENARIOS, SALES, SERVICE_SCENARIOS, startB2buaStack, startServiceStack, until, type ServiceStack } from '../../e2e-b2bua/b2bua-stack';

jest.setTimeout(90_000);

/** Short enough that a test sees a ring back, long enough that a retrieval comes first. */
const POLICY = { ...SALES, parkTimeout: 6, ringbackTimeout: 10 };

/** `version substate state` of every NOTIFY each watcher logged, keyed by its user. */
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

interface ServiceRun {
  scenario: string;
  target?: string;
  service?: string;
  keys?: Record<string, string>;
  pauseMs?: number;
  localPort?: number;
  timeoutSeconds?: number;
}

/** A test/sipp scenario with the keys those scenarios expect. */
function serviceOptions(run: ServiceRun): SippOptions {
  return {
    scenario: path.join(SERVICE_SCENARIOS, run.scenario),
    remote: run.target,
    service: run.service,
    keys: { from_user: 'carol', from_name: 'Carol', rtp_port: '9', ...run.keys },
    totalCalls: 1,
    localPort: run.localPort,
    timeoutSeconds: run.timeoutSeconds ?? 30,
    extraArgs: run.pauseMs === undefined ? [] : ['-d', String(run.pauseMs)],
  };
}
const scenario = (run: ServiceRun): Promise<SippResult> => runSipp(serviceOptions(run));
const startScenario = (run: ServiceRun): Promise<SippHandle> => startSipp(serviceOptions(run));

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

interface Watchers {
  orbit: Promise<SippResult>;
  lot: Promise<SippResult>;
}

async function watch(stack: ServiceStack): Promise<Watchers> {
  const watcher = (service: string, users: string[]): Promise<SippResult> =>
    runSipp({
      scenario: path.join(BLF_SCENARIOS, 'blf-watch.xml'),
      remote: stack.target,
      service,
      injection: { order: 'SEQUENTIAL', rows: users.map((user) => [user]) },
      keys: { expires: '600' },
      totalCalls: users.length,
      concurrentLimit: users.length,
      callRate: 50,
      timeoutSeconds: 80,
    });
  const watchers = { orbit: watcher('701', ['101', '102', '103']), lot: watcher('park+700', ['104']) };
  await until(() => stack.blf.counts().subscriptions === 4, 'four subscriptions');
  await stack.blf.idle();
  return watchers;
}

/** Ends every subscription (final NOTIFY) and checks what each phone's lamp went through. */
async function expectLamps(stack: ServiceStack, watchers: Watchers, expected: string[]): Promise<void> {
  await stack.blf.idle();
  await stack.blf.stop();
  const orbit = await watchers.orbit;
  const lot = await watchers.lot;
  expectOk(orbit);
  expectOk(lot);
  const lamps = lampLines(orbit);
  for (const user of ['101', '102', '103']) expect({ user, lamps: lamps.get(user) }).toEqual({ user, lamps: expected });
  expect(lampLines(lot).get('104')).toEqual(expected);
  expect(stack.blf.counts()).toEqual({ subscriptions: 0, timers: 0 });
}

const PARK_RINGBACK_PARK_RETRIEVE = [
  '0 active terminated', // subscribed: 701 free
  '1 active confirmed', // parked
  '2 active early', // parkTimeout: ringing the parker back
  '3 active terminated', // the parker answered: free
  '4 active confirmed', // parked again
  '5 active terminated', // retrieved
  '6 terminated terminated', // callpark stops: final NOTIFY
];

describe('busy lamps over real SIP: service mode', () => {
  let stack: ServiceStack;

  beforeAll(async () => {
    stack = await startServiceStack({ policies: [POLICY] });
  });

  afterAll(async () => {
    await killAllSipp();
    await stack.stop();
  });

  test('blind park, ring back answered, blind park, retrieval: every lamp follows', async () => {
    const watchers = await watch(stack);

    const parker = await startScenario({ scenario: 'parker-answers.xml', pauseMs: 500, timeoutSeconds: 30 });
    const rungBack = await scenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: `sip:101@127.0.0.1:${parker.port}` },
      timeoutSeconds: 30,
    });
    expectOk(rungBack);
    expectOk(await parker.result);

    const parked = scenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: 'sip:101@127.0.0.1:9' },
      timeoutSeconds: 30,
    });
    await until(() => stack.park.get(701, 'sales')?.state === 'parked', 'the second park');
    const retriever = await scenario({ scenario: 'retrieve.xml', target: stack.target, service: '701', keys: { from_user: '102', from_name: 'Bob' }, pauseMs: 300 });
    expectOk(retriever);
    expectOk(await parked);
    await until(() => stack.app.counts().calls === 0, 'every call to end');
    expect(stack.ended.map(({ orbit, reason }) => `${orbit} ${reason}`)).toEqual(['701 ringbackAnswered', '701 retrieved']);

    await expectLamps(stack, watchers, PARK_RINGBACK_PARK_RETRIEVE);
  });
});

describe('busy lamps over real SIP: B2BUA mode (park by REFER)', () => {
  let stack: ServiceStack;

  beforeAll(async () => {
    stack = await startB2buaStack({ policies: [POLICY] });
  });

  afterAll(async () => {
    await killAllSipp();
    await stack.stop();
  });

  const pbx = (): Promise<SippHandle> =>
    startSipp({ scenario: path.join(B2BUA_SCENARIOS, 'pbx-park-retrieve.xml'), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });
  const phone = (file: string, service: string, keys: Record<string, string>, localPort?: number): Promise<SippResult> =>
    runSipp({ scenario: path.join(B2BUA_SCENARIOS, file), remote: stack.target, service, keys, localPort, totalCalls: 1, timeoutSeconds: 30 });

  test('REFER park, ring back to the parker answered, REFER park, retrieval: every lamp follows', async () => {
    const watchers = await watch(stack);

    // Ring back goes to the Contact of the parker's REFER: once the phone's SIPp has left, a
    // parker UAS takes over its port.
    const phonePort = await freePort('udp');
    const first = await pbx();
    expectOk(await phone('phone-park-refer.xml', '1001', { parkto: '700' }, phonePort));
    const parker = await startScenario({ scenario: 'parker-answers.xml', localPort: phonePort, pauseMs: 500, timeoutSeconds: 30 });
    expectOk(await parker.result);
    expectOk(await first.result);

    const second = await pbx();
    const parking = phone('phone-park-refer.xml', '1001', { parkto: '701' });
    // Retrieve while the orbit is still spoken to the parker, well before the ring back.
    await until(() => stack.park.get(701, 'sales')?.state === 'parked', 'the second park');
    expectOk(await phone('retriever.xml', '701', {}));
    expectOk(await parking);
    expectOk(await second.result);
    await until(() => stack.app.counts().calls === 0, 'every call to end');
    expect(stack.ended.map(({ orbit, reason }) => `${orbit} ${reason}`)).toEqual(['701 ringbackAnswered', '701 retrieved']);

    await expectLamps(stack, watchers, PARK_RINGBACK_PARK_RETRIEVE);
  });
});
