/**
 * Proxy mode (wire protocol §8.1): an unmodified drachtio-srf app calls srf.proxyRequest; SIPp
 * plays the caller and the callees on loopback, over UDP and TCP.
 */
import type Srf from 'drachtio-srf';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp, startSipp, type SippHandle, type SippTransport } from '../../support/sipp';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from '../conformance/harness';
import { freePort } from '../../support/ports';
import { ProxyApp } from './proxy-app';

const SCENARIOS = path.join(__dirname, 'scenarios');

function scenario(name: string): string {
  return path.join(SCENARIOS, name);
}

describe.each(['udp', 'tcp'] as const)('proxyRequest over %s', (protocol) => {
  const transport: SippTransport = protocol === 'udp' ? 'u1' : 't1';
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let app: ProxyApp;

  function destination(port: number): string {
    return `sip:127.0.0.1:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
  }

  async function callee(name: string): Promise<SippHandle> {
    return startSipp({ scenario: scenario(name), transport, totalCalls: 1, timeoutSeconds: 20 });
  }

  async function caller(name: string, service = 'proxied'): Promise<Awaited<ReturnType<typeof runSipp>>> {
    return runSipp({ scenario: scenario(name), remote: sipTarget(engine, protocol), transport, totalCalls: 1, timeoutSeconds: 20, service });
  }

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    app = new ProxyApp(srf);
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test('INVITE to one callee with record-route: ACK and BYE traverse the proxy; srf gets the result object', async () => {
    const uas = await callee('uas-rr.xml');
    app.reset({ destinations: [destination(uas.port)], options: { recordRoute: true, headers: { 'X-Proxied': 'yes' } } });
    const uac = await caller('uac-rr.xml');
    expect(uac.outcome).toBe('ok');
    expect((await uas.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.error).toBeUndefined();
    const result = outcome?.result;
    expect(result?.connected).toBe(true);
    expect(result?.finalStatus).toBe(200);
    expect(result?.finalResponse?.msg.status).toBe(200);
    expect(result?.responses).toHaveLength(1);
    expect(result?.responses[0]).toMatchObject({ address: '127.0.0.1', port: uas.port });
    expect(result?.responses[0]?.msgs.map((m) => m.status)).toEqual([200]);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('serial failover: the first callee answers 503, the second one 200', async () => {
    const refusing = await callee('uas-503.xml');
    const answering = await callee('uas-rr.xml');
    app.reset({
      destinations: [destination(refusing.port), destination(answering.port)],
      options: { recordRoute: true, headers: { 'X-Proxied': 'yes' } },
    });
    const uac = await caller('uac-rr.xml');
    expect(uac.outcome).toBe('ok');
    expect((await refusing.result).outcome).toBe('ok');
    expect((await answering.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.result?.connected).toBe(true);
    const statuses = outcome?.result?.responses.flatMap((group) => group.msgs.map((m) => m.status));
    expect(statuses).toEqual([503, 200]);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('serial failover: nobody listens at the first destination, a provisional timeout moves on', async () => {
    const silentPort = await freePort(protocol);
    const answering = await callee('uas-rr.xml');
    app.reset({
      destinations: [destination(silentPort), destination(answering.port)],
      options: { recordRoute: true, provisionalTimeout: '1s', headers: { 'X-Proxied': 'yes' } },
    });
    const uac = await caller('uac-rr.xml');
    expect(uac.outcome).toBe('ok');
    expect((await answering.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.result?.finalStatus).toBe(200);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('followRedirects: a 302 from the first callee sends the INVITE to its Contact', async () => {
    const answering = await callee('uas-rr.xml');
    const redirecting = await startSipp({
      scenario: scenario('uas-redirect.xml'),
      transport,
      totalCalls: 1,
      timeoutSeconds: 20,
      keys: { target: destination(answering.port) },
    });
    app.reset({
      destinations: [destination(redirecting.port)],
      options: { recordRoute: true, followRedirects: true, headers: { 'X-Proxied': 'yes' } },
    });
    const uac = await caller('uac-rr.xml');
    expect(uac.outcome).toBe('ok');
    expect((await redirecting.result).outcome).toBe('ok');
    expect((await answering.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    const statuses = outcome?.result?.responses.flatMap((group) => group.msgs.map((m) => m.status));
    expect(statuses).toEqual([302, 200]);
    expect(outcome?.result?.connected).toBe(true);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('simultaneous forking: the 200 from one callee wins and the other is cancelled', async () => {
    const ringing = await callee('uas-ring-cancel.xml');
    const answering = await callee('uas-rr.xml');
    app.reset({
      destinations: [destination(ringing.port), destination(answering.port)],
      options: { recordRoute: true, forking: 'simultaneous', headers: { 'X-Proxied': 'yes' } },
    });
    const uac = await caller('uac-rr.xml');
    expect(uac.outcome).toBe('ok');
    expect((await answering.result).outcome).toBe('ok');
    expect((await ringing.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.result?.connected).toBe(true);
    expect(outcome?.result?.finalStatus).toBe(200);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('the caller cancels: the CANCEL reaches the callee and the 487 comes back', async () => {
    const ringing = await callee('uas-ring-cancel.xml');
    app.reset({ destinations: [destination(ringing.port)], options: {} });
    const uac = await caller('uac-cancel.xml');
    expect(uac.outcome).toBe('ok');
    expect((await ringing.result).outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.result?.connected).toBe(false);
    expect(outcome?.result?.finalStatus).toBe(487);
    expect(await waitForIdle(engine)).toEqual(IDLE);
    expect(engine.coreCounts().proxying).toBe(0);
  });

  test('REGISTER gets Path and Require: path; OPTIONS in the same call is proxied too', async () => {
    const registrar = await callee('uas-registrar.xml');
    app.reset({ destinations: [destination(registrar.port)], options: { remainInDialog: true } });
    const uac = await caller('uac-register.xml', 'alice');
    expect(uac.outcome).toBe('ok');
    expect((await registrar.result).outcome).toBe('ok');
    const outcomes = await app.waitForOutcomes(2);
    expect(outcomes.map((o) => [o.method, o.result?.finalStatus])).toEqual([
      ['REGISTER', 200],
      ['OPTIONS', 200],
    ]);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('Max-Forwards 0: the caller gets 483 and srf a NOK', async () => {
    app.reset({ destinations: ['sip:127.0.0.1:9'], options: {} });
    const uac = await caller('uac-max-forwards-0.xml');
    expect(uac.outcome).toBe('ok');
    const [outcome] = await app.waitForOutcomes(1);
    expect(outcome?.error).toMatch(/Too Many Hops/);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
