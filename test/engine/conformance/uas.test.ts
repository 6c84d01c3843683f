/** createUAS answered by an unmodified drachtio-srf app; SIPp calls over UDP and TCP. */
import type Srf from 'drachtio-srf';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from './harness';

const SCENARIOS = path.join(__dirname, 'scenarios');

describe.each(['udp', 'tcp'] as const)('createUAS over %s', (protocol) => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let hangUpAfterMs: number | undefined;
  const destroyed: string[] = [];

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    srf.invite((req, res) => {
      srf
        .createUAS(req, res, { localSdp: TEST_SDP, headers: { 'X-App': 'uas' } })
        .then((dialog) => {
          dialog.on('destroy', () => destroyed.push('remote'));
          if (hangUpAfterMs !== undefined) setTimeout(() => dialog.destroy(), hangUpAfterMs);
        })
        .catch(() => undefined);
    });
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test('SIPp hangs up: every call completes and the engine returns to idle', async () => {
    hangUpAfterMs = undefined;
    const result = await runSipp({
      scenario: 'uac',
      remote: sipTarget(engine, protocol),
      transport: protocol === 'udp' ? 'u1' : 't1',
      totalCalls: 3,
      callRate: 10,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect(result.stats?.successful).toBe(3);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('the app hangs up: SIPp receives the BYE', async () => {
    hangUpAfterMs = 100;
    const result = await runSipp({
      scenario: path.join(SCENARIOS, 'uac-wait-bye.xml'),
      remote: sipTarget(engine, protocol),
      transport: protocol === 'udp' ? 'u1' : 't1',
      totalCalls: 2,
      callRate: 10,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
