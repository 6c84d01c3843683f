/** 10 % packet loss: createUAS alone, and a B2BUA whose other leg uses TCP signalling. */
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp, startSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from './harness';

const CALLS = 10;

describe('calls under 10 % loss', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let b2buaTarget = '';

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    srf.invite((req, res) => {
      if (/^sip:b2bua@/.test(req.uri)) {
        srf
          .createB2BUA(req, res, b2buaTarget, { localSdpB: req.body })
          .then(({ uas: a, uac: b }) => {
            a.on('destroy', () => b.destroy());
            b.on('destroy', () => a.destroy());
          })
          .catch(() => undefined);
        return;
      }
      srf.createUAS(req, res, { localSdp: TEST_SDP }).catch(() => undefined);
    });
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test('createUAS alone: every call completes', async () => {
    const result = await runSipp({
      scenario: 'uac',
      remote: sipTarget(engine, 'udp'),
      totalCalls: CALLS,
      callRate: 5,
      lostPercent: 10,
      timeoutSeconds: 60,
    });
    expect(result.stats?.successful).toBe(CALLS);
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
  }, 90000);

  // Loss stays on the SIPp UAC side: a SIPp UAS under -lost aborts calls on INVITE retransmissions
  // it half-dropped (SIPp's own bookkeeping, seen as "unexpected message while expecting ACK").
  test.each([['A leg UDP with loss, B leg TCP', 'u1', 't1']] as const)('B2BUA, %s: every call completes', async (_name, aLeg, bLeg) => {
    const uas = await startSipp({ scenario: 'uas', transport: bLeg, totalCalls: CALLS, lostPercent: 0, timeoutSeconds: 60 });
    b2buaTarget = `sip:service@127.0.0.1:${uas.port}${bLeg === 't1' ? ';transport=tcp' : ''}`;
    const result = await runSipp({
      scenario: 'uac',
      remote: sipTarget(engine, aLeg === 'u1' ? 'udp' : 'tcp'),
      transport: aLeg,
      service: 'b2bua',
      totalCalls: CALLS,
      callRate: 5,
      lostPercent: aLeg === 'u1' ? 10 : 0,
      timeoutSeconds: 60,
    });
    expect(result.stats?.successful).toBe(CALLS);
    expect(result.outcome).toBe('ok');
    expect((await uas.result).outcome).toBe('ok');
    expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
  }, 90000);
});
