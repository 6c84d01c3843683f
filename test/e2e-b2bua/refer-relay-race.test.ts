/**
 * B2BUA mode over real SIP, the awkward cases: a REFER to an ordinary number is relayed to the far
 * end (its 202 and NOTIFY come back to the phone), and the parked party hanging up while its
 * re-INVITE to music on hold is in flight ends the park at once.
 */
import path from 'node:path';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { IDLE, waitForIdle } from '../engine/conformance/harness';
import { B2BUA_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

const scenario = (name: string): string => path.join(B2BUA_SCENARIOS, name);

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

describe('B2BUA mode: relayed REFER and a BYE crossing the hold re-INVITE', () => {
  let stack: B2buaStack;

  beforeAll(async () => {
    stack = await startB2buaStack();
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

  const phone = (file: string, keys: Record<string, string>): Promise<SippResult> =>
    runSipp({ scenario: scenario(file), remote: stack.target, service: '1001', keys, totalCalls: 1, timeoutSeconds: 30 });
  const pbx = (file: string) => startSipp({ scenario: scenario(file), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });

  test('a REFER to an ordinary number reaches the far end; its 202 and NOTIFY come back', async () => {
    const upstream = await pbx('pbx-refer-target.xml');
    const transferor = await phone('phone-refer-relayed.xml', { referto: '1002' });
    expectOk(transferor);
    expect(transferor.actionLog()).toContain('relayed-notify SIP/2.0 200 OK refer');
    const pbxSide = await upstream.result;
    expectOk(pbxSide);
    expect(pbxSide.actionLog()).toMatch(/refer-to sip:1002@ sip:101@/);
    expect(stack.ended).toEqual([]);
  });

  test('the parked party hangs up while its hold re-INVITE is in flight: the park ends, the parker gets a final NOTIFY 487, then BYE', async () => {
    const upstream = await pbx('pbx-bye-during-hold.xml');
    const parker = await phone('phone-park-refer-far-gone.xml', { parkto: '700' });
    expectOk(parker);
    expect(parker.actionLog()).toContain('trying SIP/2.0 100 Trying');
    expect(parker.actionLog()).toContain('final SIP/2.0 487 Request Terminated terminated');
    expectOk(await upstream.result);
    expect(stack.ended.at(-1)).toMatchObject({ orbit: 701, reason: 'parkedPartyHungUp' });
  });

  test('the engine is idle afterwards', async () => {
    expect(await waitForIdle(stack.engine)).toEqual(IDLE);
  });
});
