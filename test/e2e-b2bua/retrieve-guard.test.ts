/**
 * B2BUA mode: a plain dial of an orbit whose leg the B2BUA holds (parked by REFER) goes through
 * the same RetrievalGuard as the park app's retrieve path, and a malformed identity header on an
 * INVITE to a park code is a 400, not a 500.
 */
import path from 'node:path';
import { RetrievalGuard } from '../../src/park';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { B2BUA_SCENARIOS, SERVICE_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

describe('B2BUA mode: guarded retrieval and malformed identities', () => {
  let stack: B2buaStack;
  const guard = new RetrievalGuard({ limit: { maxFailures: 1 } });

  beforeAll(async () => {
    stack = await startB2buaStack({ retrievalGuard: guard });
  });

  afterAll(async () => {
    await killAllSipp();
    await stack.stop();
  });

  afterEach(async () => {
    await until(() => stack.b2bua.counts().calls === 0 && stack.app.counts().calls === 0, 'every call to end');
    expect(stack.media.activeSessions()).toBe(0);
    expect(stack.park.list()).toEqual([]);
  });

  const dial = (file: string, service: string, keys: Record<string, string>): Promise<SippResult> =>
    runSipp({ scenario: path.join(SERVICE_SCENARIOS, file), remote: stack.target, service, keys: { from_user: '1002', from_name: 'Bob', rtp_port: '9', ...keys }, totalCalls: 1, timeoutSeconds: 20 });

  test('a retriever blocked by the guard is refused 403 on a leg parked by REFER; the call stays parked', async () => {
    const upstream = await startSipp({ scenario: path.join(B2BUA_SCENARIOS, 'pbx-answer-hold.xml'), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });
    const parker = await runSipp({
      scenario: path.join(B2BUA_SCENARIOS, 'phone-park-refer.xml'),
      remote: stack.target,
      service: '1001',
      keys: { parkto: '700' },
      totalCalls: 1,
      timeoutSeconds: 30,
    });
    expectOk(parker);
    expect(stack.park.list()).toMatchObject([{ orbit: 701, state: 'parked' }]);

    // One failed retrieval (an empty orbit, answered by the park app) uses up 1002's allowance.
    const probe = await dial('refused.xml', '702', { from_user: '1002' });
    expect(probe.actionLog()).toMatch(/refused status=404/);
    const blocked = await dial('refused.xml', '701', { from_user: '1002' });
    expectOk(blocked);
    expect(blocked.actionLog()).toMatch(/refused status=403 reason=Too many failed retrievals/);
    expect(stack.park.list()).toMatchObject([{ orbit: 701, state: 'parked' }]);

    stack.park.hangup(stack.park.list()[0]!.id, 'adminHangup');
    expectOk(await upstream.result);
  });

  test('a malformed Referred-By on an INVITE to an orbit is refused 400', async () => {
    const result = await dial('refused-transfer.xml', '701', { referred_by: 'not a uri' });
    expectOk(result);
    expect(result.actionLog()).toMatch(/refused status=400 reason=Bad Referred-By header/);
  });

  test('a malformed From on an INVITE to an orbit is refused 400', async () => {
    const result = await dial('refused.xml', '701', { from_user: '1002', from_name: 'x<' });
    expectOk(result);
    expect(result.actionLog()).toMatch(/refused status=400 reason=Bad From header/);
  });
});
