/**
 * B2BUA mode over real SIP: SIPp phones call through callpark to a SIPp "PBX". Park by REFER then
 * retrieval with courtesy beep and connected line, Refer-Sub: false, a park REFER without an
 * answered call, and REGISTER/OPTIONS/MESSAGE proxied upstream by the engine's proxy.
 */
import path from 'node:path';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { IDLE, waitForIdle } from '../engine/conformance/harness';
import { B2BUA_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

const scenario = (name: string): string => path.join(B2BUA_SCENARIOS, name);

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

describe('B2BUA mode end to end', () => {
  let stack: B2buaStack;

  beforeAll(async () => {
    stack = await startB2buaStack({ courtesyTone: true });
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

  const phone = (file: string, keys: Record<string, string>, service = '1001'): Promise<SippResult> =>
    runSipp({ scenario: scenario(file), remote: stack.target, service, keys, totalCalls: 1, timeoutSeconds: 30 });
  const pbx = (file: string) => startSipp({ scenario: scenario(file), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });

  test('park by REFER, then a plain dial of the orbit retrieves it: courtesy beep, connected-line UPDATE', async () => {
    const upstream = await pbx('pbx-park-retrieve.xml');
    const parker = await phone('phone-park-refer.xml', { parkto: '700' });
    expectOk(parker);
    expect(parker.actionLog()).toContain('sipfrag SIP/2.0 200 Parked at 701');
    expect(stack.park.list()[0]?.state).toBe('parked');

    const retriever = await phone('retriever.xml', {}, '701');
    expectOk(retriever);
    // 200 to the retriever carried the parked party's identity and the PBX's answer, then UPDATE.
    expect(retriever.actionLog()).toContain('connected-line "Carol Callee" <sip:1001@ Carol Callee o=pbx');
    const pbxSide = await upstream.result;
    expectOk(pbxSide);
    expect(pbxSide.actionLog()).toContain('retrieve-offer o=retriever');
    expect(stack.ended.at(-1)).toMatchObject({ orbit: 701, reason: 'retrieved' });
  });

  test('park REFER with Refer-Sub: false: 202 Refer-Sub: false, no NOTIFY, orbit spoken, parker released', async () => {
    const upstream = await pbx('pbx-answer-hold.xml');
    const parker = await phone('phone-park-refer-nosub.xml', { parkto: '705' });
    expectOk(parker);
    expect(parker.actionLog()).toContain('refer-sub false');
    const parked = stack.park.list()[0]!;
    expect(parked).toMatchObject({ orbit: 705, state: 'parked' });
    stack.park.hangup(parked.id, 'adminHangup');
    expectOk(await upstream.result);
  });

  test('a park REFER without an answered call is refused with 403', async () => {
    expectOk(await phone('refer-outside-dialog.xml', {}));
    expect(stack.park.list()).toEqual([]);
  });

  test('REGISTER, OPTIONS and MESSAGE from a phone are proxied to the upstream', async () => {
    const upstream = await pbx('pbx-requests.xml');
    const requests = await phone('phone-requests.xml', {});
    expectOk(requests);
    expect(requests.actionLog()).toContain('registered expires=300');
    const pbxSide = await upstream.result;
    expectOk(pbxSide);
    expect(pbxSide.actionLog()).toContain(`got REGISTER sip:127.0.0.1:${stack.pbxPort}`);
    expect(pbxSide.actionLog()).toContain(`got OPTIONS sip:1002@127.0.0.1:${stack.pbxPort}`);
    expect(pbxSide.actionLog()).toContain('got MESSAGE lunch');
    expect(stack.b2bua.counts()).toMatchObject({ proxied: 3, failed: 0 });
  });

  test('the engine is idle afterwards', async () => {
    expect(await waitForIdle(stack.engine)).toEqual(IDLE);
  });
});
