/**
 * Attended park by REFER with Replaces, end to end in B2BUA mode: the desk phone dials 700 through
 * callpark (the park app reserves 701 and speaks it), then, on its call with the far party, sends
 * REFER with Refer-To <sip:700@…?Replaces=…> naming that consultation call. callpark parks the far
 * party in the reserved orbit without speaking the orbit a second time (the phone's scenario fails
 * on a re-INVITE), hangs up both of the phone's calls, and the orbit is retrievable.
 *
 * Two SIPp runs, one per dialog: the consultation's Call-ID is pinned with -cid_str and its From
 * tag is fixed by the scenario; its To tag (callpark's) is read from srf's dialog table.
 */
import path from 'node:path';
import type Srf from 'drachtio-srf';
import { dialogLookup } from '../../src/sip/srf-extras';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { IDLE, waitForIdle } from '../engine/conformance/harness';
import { B2BUA_SCENARIOS, SERVICE_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

describe('B2BUA mode: attended park by REFER with Replaces', () => {
  let stack: B2buaStack;

  beforeAll(async () => {
    stack = await startB2buaStack();
  });

  afterAll(async () => {
    await killAllSipp();
    await stack.stop();
  });

  test('dial 700, hear the orbit, REFER with Replaces: the far party takes the reserved orbit, the orbit is not spoken again, both calls end, a retrieval picks it up', async () => {
    const consultCallId = `consult-${process.pid}-${Date.now()}@127.0.0.1`;
    const consultation = await startSipp({
      scenario: path.join(SERVICE_SCENARIOS, 'attended-parker.xml'),
      remote: stack.target,
      service: '700',
      keys: { from_user: '101', from_name: 'Alice', rtp_port: '9' },
      totalCalls: 1,
      timeoutSeconds: 30,
      extraArgs: ['-cid_str', consultCallId],
    });
    const consultDialog = (): Srf.Dialog | undefined => dialogLookup(stack.srf).findDialogByCallIDAndFromTag(consultCallId, 'parker1');
    await until(() => consultDialog() !== undefined, 'the consultation call to be answered');
    expect(stack.park.list()).toMatchObject([{ orbit: 701, state: 'reserved' }]);
    const replaces = encodeURIComponent(`${consultCallId};to-tag=${consultDialog()?.sip.localTag ?? ''};from-tag=parker1`);

    const upstream = await startSipp({ scenario: path.join(B2BUA_SCENARIOS, 'pbx-park-retrieve.xml'), localPort: stack.pbxPort, totalCalls: 1, timeoutSeconds: 40 });
    const transfer = await runSipp({
      scenario: path.join(B2BUA_SCENARIOS, 'phone-park-refer-replaces.xml'),
      remote: stack.target,
      service: '1001',
      keys: { parkto: '700', replaces },
      totalCalls: 1,
      timeoutSeconds: 30,
    });
    expectOk(transfer);
    expect(transfer.messagesLog()).toContain(`?Replaces=${replaces}>`);
    expect(transfer.actionLog()).toContain('sipfrag SIP/2.0 200 Parked at 701');

    const consulted = await consultation.result;
    expectOk(consulted);
    expect(consulted.actionLog()).toContain('BYE received');
    const parked = stack.park.list();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ orbit: 701, state: 'parked', parker: { identity: 'sip:101@127.0.0.1' } });
    expect(parked[0]?.parked?.identity).toContain('sip:1001@');
    // callpark lets the park app's consultation call go once its BYE is answered.
    await until(() => stack.app.counts().reservations === 0, 'the consultation call to be released');

    const retriever = await runSipp({ scenario: path.join(B2BUA_SCENARIOS, 'retriever.xml'), remote: stack.target, service: '701', totalCalls: 1, timeoutSeconds: 30 });
    expectOk(retriever);
    expectOk(await upstream.result);
    expect(stack.ended.map(({ orbit, reason }) => `${orbit} ${reason}`)).toEqual(['701 retrieved']);
    await until(() => stack.b2bua.counts().calls === 0 && stack.app.counts().calls === 0, 'every call to end');
    expect(stack.media.activeSessions()).toBe(0);
    expect(await waitForIdle(stack.engine)).toEqual(IDLE);
  });
});
