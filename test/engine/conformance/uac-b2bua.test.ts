/** createUAC towards a SIPp UAS, and createB2BUA between two SIPp peers, over UDP and TCP. */
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp, startSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from './harness';

describe.each(['udp', 'tcp'] as const)('UAC and B2BUA over %s', (protocol) => {
  const transport = protocol === 'udp' ? 'u1' : 't1';
  const uriSuffix = protocol === 'tcp' ? ';transport=tcp' : '';
  let engine: RunningEngineWithCore;
  let srf: Srf;

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test('createUAC reaches a SIPp UAS, and the app hangs up', async () => {
    const uas = await startSipp({ scenario: 'uas', transport, timeoutSeconds: 20, totalCalls: 2 });
    for (let call = 0; call < 2; call++) {
      const dialog = await srf.createUAC(`sip:service@127.0.0.1:${uas.port}${uriSuffix}`, {
        localSdp: TEST_SDP,
        headers: { 'X-Call': String(call), From: '<sip:app@localhost>' },
      });
      expect(dialog.remote.sdp).toContain('v=0');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await dialog.destroy();
    }
    const result = await uas.result;
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('createB2BUA bridges a SIPp UAC to a SIPp UAS; the caller hangs up', async () => {
    const uas = await startSipp({ scenario: 'uas', transport, timeoutSeconds: 20, totalCalls: 3 });
    srf.invite((req, res) => {
      srf
        .createB2BUA(req, res, `sip:service@127.0.0.1:${uas.port}${uriSuffix}`, { localSdpB: req.body })
        .then(({ uas: a, uac: b }) => {
          a.on('destroy', () => b.destroy());
          b.on('destroy', () => a.destroy());
        })
        .catch(() => undefined);
    });
    const result = await runSipp({
      scenario: 'uac',
      remote: sipTarget(engine, protocol),
      transport,
      totalCalls: 3,
      callRate: 10,
      timeoutSeconds: 20,
    });
    expect(result.outcome).toBe('ok');
    expect((await uas.result).outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
