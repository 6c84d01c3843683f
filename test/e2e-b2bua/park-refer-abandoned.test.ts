/**
 * B2BUA mode: a park by REFER that cannot put the far party on hold (it refuses the re-INVITE)
 * is abandoned. The park ends as an error, not as "parked party hung up", the parker gets a final
 * NOTIFY 488, the call stays bridged and ends cleanly when the phone hangs up.
 */
import path from 'node:path';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { B2BUA_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

const scenario = (name: string): string => path.join(B2BUA_SCENARIOS, name);

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

describe('B2BUA mode: park by REFER abandoned', () => {
  let stack: B2buaStack;

  beforeAll(async () => {
    stack = await startB2buaStack();
  });

  afterAll(async () => {
    await killAllSipp();
    await stack.stop();
  });

  test('the parked party refuses music on hold: the park ends with reason error, the parker is told 488', async () => {
    const upstream = startSipp({ scenario: scenario('pbx-refuse-hold.xml'), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });
    const pbx = await upstream;
    const parker = await runSipp({
      scenario: scenario('phone-park-refer-abandoned.xml'),
      remote: stack.target,
      service: '1001',
      keys: { parkto: '700' },
      totalCalls: 1,
      timeoutSeconds: 30,
    });
    expectOk(parker);
    expect(parker.actionLog()).toContain('final SIP/2.0 488 Not Acceptable Here terminated');
    expectOk(await pbx.result);
    await until(() => stack.b2bua.counts().calls === 0 && stack.app.counts().calls === 0, 'every call to end');
    expect(stack.ended.map(({ orbit, reason }) => `${orbit} ${reason}`)).toEqual(['701 error']);
    expect(stack.media.activeSessions()).toBe(0);
    expect(stack.park.list()).toEqual([]);
  });
});
