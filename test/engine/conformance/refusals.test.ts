/** Requests the engine refuses with NOK (srf rejects the promise) and requests with no app to take them. */
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { IDLE, SECRET, startTestEngine, waitForIdle } from './harness';

/** srf.request(uri, opts, callback): the callback gets the NOK reason as an Error. */
function sendRequest(srf: Srf, uri: string, options: { method: string; body?: string }): Promise<void> {
  const api = srf as unknown as { request(uri: string, opts: object, cb: (err: Error | null) => void): void };
  return new Promise((resolve, reject) => api.request(uri, options, (err) => (err ? reject(err) : resolve())));
}

describe('refusals', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
  });

  afterAll(async () => {
    await disconnectSrf(srf);
    await engine.close();
  });

  test('a request to one of the engine’s own listeners is refused', async () => {
    const udp = engine.sip.find((spec) => spec.protocol === 'udp')!;
    const request = sendRequest(srf, `sip:me@${udp.host}:${udp.port}`, { method: 'OPTIONS' });
    await expect(request).rejects.toThrow('can not send request to myself');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('an untyped non-SDP body is refused', async () => {
    const request = sendRequest(srf, 'sip:peer@127.0.0.1:9', { method: 'MESSAGE', body: 'hello' });
    await expect(request).rejects.toThrow('missing content-type');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
