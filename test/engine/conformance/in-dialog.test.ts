/** re-INVITE both ways, REFER + sipfrag NOTIFY, SUBSCRIBE/NOTIFY, OPTIONS and CANCEL, over UDP and TCP. */
import type Srf from 'drachtio-srf';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp, startSipp, type SippOptions } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { installFeatureApp, type FeatureAppEvents } from '../../support/srf-apps/feature-app';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from './harness';

const SCENARIOS = path.join(__dirname, 'scenarios');

describe.each(['udp', 'tcp'] as const)('in-dialog features over %s', (protocol) => {
  const transport = protocol === 'udp' ? 'u1' : 't1';
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let events: FeatureAppEvents;

  const call = (scenario: string, extra: Partial<SippOptions> = {}) =>
    runSipp({
      scenario: path.join(SCENARIOS, scenario),
      remote: sipTarget(engine, protocol),
      transport,
      totalCalls: 1,
      timeoutSeconds: 20,
      ...extra,
    });

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    events = installFeatureApp(srf);
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test('SIPp re-INVITEs a createUAS dialog (srf answers it) and hangs up', async () => {
    const result = await call('uac-reinvite.xml');
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('dialog.modify re-INVITEs a SIPp UAS, then the app hangs up', async () => {
    const uas = await startSipp({ scenario: path.join(SCENARIOS, 'uas-reinvite.xml'), transport, totalCalls: 1, timeoutSeconds: 20 });
    const suffix = protocol === 'tcp' ? ';transport=tcp' : '';
    const dialog = await srf.createUAC(`sip:service@127.0.0.1:${uas.port}${suffix}`, { localSdp: TEST_SDP });
    const answer = await dialog.modify(TEST_SDP.replace('o=- 1 1', 'o=- 1 2'));
    expect(String(answer)).toContain('v=0');
    await dialog.destroy();
    expect((await uas.result).outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('REFER in dialog is answered 202 and followed by a sipfrag NOTIFY', async () => {
    const before = events.refers;
    const result = await call('uac-refer.xml');
    expect(result.outcome).toBe('ok');
    expect(events.refers).toBe(before + 1);
    expect(result.actionLog()).toContain('sipfrag SIP/2.0 200');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('SUBSCRIBE Event: dialog gets 202, NOTIFY active, NOTIFY terminated, and the dialog ends', async () => {
    const result = await call('uac-subscribe.xml');
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('OPTIONS is answered by the app', async () => {
    const result = await call('uac-options.xml');
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test.each(['cancel-early', 'cancel-ringing'])('CANCEL (%s): 200 + 487 by the engine, the app is told', async (service) => {
    const before = events.cancelled;
    const result = await call(`uac-${service}.xml`, { service });
    expect(result.outcome).toBe('ok');
    expect(events.cancelled).toBe(before + 1);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
