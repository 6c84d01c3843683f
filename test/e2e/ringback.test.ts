import { assertEngineIdle, literal, PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario, startScenario } from './sipp-run';

const TIMERS = { parkTimeout: 1, ringbackTimeout: 2 };
const POLICIES = [
  { name: 'answer', allowCallPark: true, members: ['sip:ann@*'], pickupRangeStart: 701, pickupRangeEnd: 709, ...TIMERS },
  { name: 'hangup', allowCallPark: true, members: ['sip:hank@*'], pickupRangeStart: 711, pickupRangeEnd: 719, ...TIMERS, fallback: { action: 'hangup' as const } },
  { name: 'repark', allowCallPark: true, members: ['sip:rita@*'], pickupRangeStart: 721, pickupRangeEnd: 729, ...TIMERS, fallback: { action: 'repark' as const, maxTimes: 1 } },
];

jest.setTimeout(60000);

describe('ring back and fallbacks over SIP', () => {
  let stack: ParkStack;

  async function withStack(extraPolicies: typeof POLICIES = []): Promise<ParkStack> {
    return startParkStack({ policies: [...POLICIES, ...extraPolicies] });
  }

  afterEach(async () => {
    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, mediaSessions: 0, parkedLegs: 0, park: 0, listener: 0 });
    // A canceled ring-back INVITE keeps its client transaction for Timer D (32 s on UDP, RFC 3261
    // §17.1.1.2), so only dialogs and server transactions must be gone here.
    await assertEngineIdle(stack, { clientTransactions: false });
    expect(stack.park.counts()).toMatchObject({ parked: 0, ringingBack: 0, timers: 0, heldOrbits: 0 });
    await stack.stop();
  });

  it('rings the parker back with "Parked <orbit>: <caller>" and Alert-Info, and bridges on answer', async () => {
    stack = await withStack();
    const parker = await startScenario({ scenario: 'parker-answers.xml', pauseMs: 500 });
    const parked = await scenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: `sip:ann@${PEER}:${parker.port}` },
    });
    expect(parked.outcome).toBe('ok');
    const parkerResult = await parker.result;
    expect(parkerResult.outcome).toBe('ok');
    // The app's From is sip:701@localhost; the engine puts its own SIP address for localhost.
    expect(parkerResult.actionLog()).toMatch(
      new RegExp(`from=\\s*"Parked 701: Carol" <sip:701@${literal(stack.sipHost)}:\\d+>;tag=\\S+ alert-info=\\s*<urn:alert:service:recall:hold>`),
    );
    expect(stack.logs.some((line) => line.msg === 'ring back answered; parker connected' && line.orbit === 701)).toBe(true);
    // Connected line: the parker's 200 listed no UPDATE, so a re-INVITE names the parked party.
    expect(parkerResult.actionLog()).toMatch(new RegExp(`connected-line\\s+"Carol" <sip:carol@${literal(PEER)}[:>]`));
  });

  it('unanswered ring back with fallback hangup ends the parked call', async () => {
    stack = await withStack();
    const parker = await startScenario({ scenario: 'parker-no-answer.xml' });
    const parked = await scenario({
      scenario: 'park-until-bye.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: `sip:hank@${PEER}:${parker.port}` },
    });
    expect(parked.outcome).toBe('ok');
    expect(parked.actionLog()).toMatch(/orbit=711 [\s\S]*BYE received/);
    expect((await parker.result).outcome).toBe('ok');
    expect(stack.logs.some((line) => /fallbackHangup/.test(String(line.msg)))).toBe(true);
  });

  it('unanswered ring back with repark rings again, then hangs up after maxTimes', async () => {
    stack = await withStack();
    const parker = await startScenario({ scenario: 'parker-no-answer.xml', totalCalls: 2 });
    const parked = await scenario({
      scenario: 'park-until-bye.xml',
      target: stack.target,
      service: '700',
      timeoutSeconds: 25,
      keys: { referred_by: `sip:rita@${PEER}:${parker.port}` },
    });
    expect(parked.outcome).toBe('ok');
    const parkerResult = await parker.result;
    expect(parkerResult.outcome).toBe('ok');
    expect(parkerResult.stats?.successful).toBe(2);
    expect(stack.logs.some((line) => /re-parked at 721/.test(String(line.msg)))).toBe(true);
  });

  it('unanswered ring back with forward bridges the parked party to the fallback URI', async () => {
    const target = await startScenario({ scenario: 'parker-answers.xml', pauseMs: 500 });
    stack = await withStack([
      {
        name: 'forward',
        allowCallPark: true,
        members: ['sip:fred@*'],
        pickupRangeStart: 731,
        pickupRangeEnd: 739,
        ...TIMERS,
        fallback: { action: 'forward' as const, uri: `sip:operator@${PEER}:${target.port}` } as never,
      },
    ]);
    const parker = await startScenario({ scenario: 'parker-no-answer.xml' });
    const parked = await scenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: `sip:fred@${PEER}:${parker.port}` },
    });
    expect(parked.summary).toMatch(/: ok /);
    expect((await parker.result).summary).toMatch(/: ok /);
    const targetResult = await target.result;
    expect(targetResult.summary).toMatch(/: ok /);
    expect(targetResult.actionLog()).toMatch(/from=\s*"Carol"/);
  });
});
