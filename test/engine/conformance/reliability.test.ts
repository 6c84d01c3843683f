/**
 * Robustness: reliable provisionals with PRACK, digest auth through srf's `auth` option, 10 %
 * packet loss on every SIPp leg, a caller that never ACKs and an app that never answers.
 */
import type Srf from 'drachtio-srf';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp, startSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from './harness';

const SCENARIOS = path.join(__dirname, 'scenarios');

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? '';
}

describe.each(['udp', 'tcp'] as const)('reliability over %s', (protocol) => {
  const transport = protocol === 'udp' ? 'u1' : 't1';
  const suffix = protocol === 'tcp' ? ';transport=tcp' : '';
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let b2buaTarget = '';
  const destroyedBy: string[] = [];

  beforeAll(async () => {
    engine = await startTestEngine(1500);
    srf = await connectSrf(engine.admin, SECRET);
    srf.use('prack', (_req, res) => res.send(200));
    // The early-media call has no srf Dialog (no createUAS), so its BYE reaches the middleware.
    srf.use('bye', (_req, res) => res.send(200));
    srf.invite((req, res) => {
      const user = userOf(req.uri);
      if (user === 'silent') return; // never answers: the engine's pending timeout answers 500
      if (user === 'early-media') {
        const send = res.send.bind(res) as unknown as (
          status: number,
          opts: { headers?: Record<string, string>; body?: string },
          callback?: () => void,
          fnPrack?: () => void,
        ) => void;
        send(183, { headers: { Require: '100rel' }, body: TEST_SDP }, () => undefined, () => send(200, { body: TEST_SDP }));
        return;
      }
      if (user === 'b2bua') {
        srf
          .createB2BUA(req, res, b2buaTarget, { localSdpB: req.body })
          .then(({ uas: a, uac: b }) => {
            a.on('destroy', () => b.destroy());
            b.on('destroy', () => a.destroy());
          })
          .catch(() => undefined);
        return;
      }
      srf
        .createUAS(req, res, { localSdp: TEST_SDP })
        .then((dialog) => dialog.on('destroy', (bye) => destroyedBy.push(String(bye.get('Reason') ?? ''))))
        .catch(() => undefined);
    });
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  const call = (scenario: string, service: string) =>
    runSipp({
      scenario: path.join(SCENARIOS, scenario),
      remote: sipTarget(engine, protocol),
      transport,
      service,
      totalCalls: 1,
      timeoutSeconds: 25,
    });

  test('reliable 183 with 100rel: the PRACK reaches the app, which then answers 200', async () => {
    const result = await call('uac-100rel.xml', 'early-media');
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('createUAC answers a 401 challenge through srf auth', async () => {
    const uas = await startSipp({ scenario: path.join(SCENARIOS, 'uas-auth.xml'), transport, totalCalls: 1, timeoutSeconds: 20 });
    const dialog = await srf.createUAC(`sip:service@127.0.0.1:${uas.port}${suffix}`, {
      localSdp: TEST_SDP,
      auth: { username: 'alice', password: 'secret' },
    });
    await dialog.destroy();
    const result = await uas.result;
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toContain('auth Digest');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('a caller that never ACKs gets a BYE (ACK timeout) and the app is told', async () => {
    const before = destroyedBy.length;
    const result = await call('uac-no-ack.xml', 'service');
    expect(result.outcome).toBe('ok');
    expect(destroyedBy.slice(before)).toEqual([expect.stringContaining('ACK timeout')]);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('an app that never answers: the engine answers 500 after the pending timeout', async () => {
    const result = await call('uac-unanswered.xml', 'silent');
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  if (protocol === 'udp') {
    test('10 % loss on both SIPp legs of a B2BUA: every call completes', async () => {
      const uas = await startSipp({ scenario: path.join(SCENARIOS, 'uas-lossy.xml'), transport, totalCalls: 10, lostPercent: 10, timeoutSeconds: 60 });
      b2buaTarget = `sip:service@127.0.0.1:${uas.port}`;
      const result = await runSipp({
        scenario: 'uac',
        remote: sipTarget(engine, protocol),
        transport,
        service: 'b2bua',
        totalCalls: 10,
        callRate: 5,
        lostPercent: 10,
        timeoutSeconds: 60,
      });
      const uasResult = await uas.result;
      const report = (run: typeof result) => ({ outcome: run.outcome, errors: run.outcome === 'ok' ? '' : run.errorLog().slice(0, 3000) });
      expect({ caller: report(result), callee: report(uasResult) }).toEqual({ caller: { outcome: 'ok', errors: '' }, callee: { outcome: 'ok', errors: '' } });
      expect(result.stats?.successful).toBe(10);
      expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
    }, 90000);
  }
});
