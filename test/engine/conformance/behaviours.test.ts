/**
 * Engine behaviours a scripted UDP peer checks best: 481/403/501/503 refusals, UPDATE in an early
 * dialog, CANCEL after 2xx, a 2xx racing our CANCEL, ACK for non-2xx, app connection loss, ACK
 * re-sent on 2xx retransmission, 408 on timeout and 503 on transport error.
 */
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, startTestEngine, waitForIdle } from './harness';
import { randomToken, RawUa, responseTo } from './raw-ua';
import { freePort } from '../../support/ports';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? '';
}

describe('engine behaviours against a scripted peer', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let ua: RawUa;
  let engineUri: (user: string) => string;
  const updatesSeen: string[] = [];

  beforeAll(async () => {
    engine = await startTestEngine(3000);
    srf = await connectSrf(engine.admin, SECRET);
    srf.invite((req, res) => {
      const user = userOf(req.uri);
      if (user === 'early-update') {
        // srf emits `update` on the pending INVITE; its typings do not list the event.
        const pending = req as unknown as {
          on(event: 'update', fn: (update: { get(name: string): string | undefined }, updateRes: { send(status: number): void }) => void): void;
        };
        pending.on('update', (update, updateRes) => {
          updatesSeen.push(update.get('call-id') ?? '');
          updateRes.send(200);
        });
        res.send(180);
        return;
      }
      srf.createUAS(req, res, { localSdp: TEST_SDP }).catch(() => undefined);
    });
    ua = await RawUa.open();
    const udp = engine.sip.find((spec) => spec.protocol === 'udp')!;
    ua.target = udp.port;
    engineUri = (user) => `sip:${user}@127.0.0.1:${udp.port}`;
  });

  afterAll(async () => {
    ua.close();
    await disconnectSrf(srf);
    await engine.close();
  });

  describe('requests refused by the engine itself', () => {
    test.each(['BYE', 'UPDATE', 'INVITE'])('%s with a To-tag matching no dialog gets 481', async (method) => {
      const callId = randomToken();
      await ua.request({ method, uri: engineUri('service'), callId, fromTag: randomToken(), toTag: 'stale', cseq: 2 });
      expect((await ua.finalResponse(callId, method)).status).toBe(481);
    });

    test.each(['BYE', 'UPDATE'])('%s without any dialog gets 481', async (method) => {
      const callId = randomToken();
      await ua.request({ method, uri: engineUri('service'), callId, fromTag: randomToken(), cseq: 2 });
      expect((await ua.finalResponse(callId, method)).status).toBe(481);
    });

    test('an out-of-dialog REFER gets 403', async () => {
      const callId = randomToken();
      await ua.request({ method: 'REFER', uri: engineUri('service'), callId, fromTag: randomToken(), cseq: 1, headers: ['Refer-To: <sip:x@127.0.0.1>'] });
      expect((await ua.finalResponse(callId, 'REFER')).status).toBe(403);
    });

    test('a known method no app routed gets 503; an unknown one 501', async () => {
      const message = randomToken();
      await ua.request({ method: 'MESSAGE', uri: engineUri('service'), callId: message, fromTag: randomToken(), cseq: 1 });
      expect((await ua.finalResponse(message, 'MESSAGE')).status).toBe(503);
      const custom = randomToken();
      await ua.request({ method: 'FROBNICATE', uri: engineUri('service'), callId: custom, fromTag: randomToken(), cseq: 1 });
      expect((await ua.finalResponse(custom, 'FROBNICATE')).status).toBe(501);
      expect(await waitForIdle(engine)).toEqual(IDLE);
    });
  });

  test('UPDATE in an early dialog reaches the app, whose 200 goes back', async () => {
    const callId = randomToken();
    const fromTag = randomToken();
    const uri = engineUri('early-update');
    const branch = `z9hG4bK${randomToken()}`;
    await ua.request({ method: 'INVITE', uri, callId, fromTag, cseq: 1, branch, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    const ringing = await ua.waitFor(() => ua.responses(callId, 'INVITE').find((r) => r.status === 180));
    const toTag = /;\s*tag=([^;\s]+)/.exec(ringing.get('to') ?? '')?.[1];
    expect(toTag).toBeDefined();
    await ua.request({ method: 'UPDATE', uri, callId, fromTag, toTag, cseq: 2, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    expect((await ua.finalResponse(callId, 'UPDATE')).status).toBe(200);
    expect(updatesSeen).toEqual([callId]);
    await ua.request({ method: 'CANCEL', uri, callId, fromTag, cseq: 1, branch });
    expect((await ua.finalResponse(callId, 'CANCEL')).status).toBe(200);
    expect((await ua.finalResponse(callId, 'INVITE')).status).toBe(487);
    await ua.request({ method: 'ACK', uri, callId, fromTag, toTag, cseq: 1, branch });
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  test('CANCEL after the 2xx does not end the call; ACK and BYE still work', async () => {
    const callId = randomToken();
    const fromTag = randomToken();
    const uri = engineUri('service');
    const branch = `z9hG4bK${randomToken()}`;
    await ua.request({ method: 'INVITE', uri, callId, fromTag, cseq: 1, branch, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    const ok = await ua.finalResponse(callId, 'INVITE');
    expect(ok.status).toBe(200);
    const toTag = /;\s*tag=([^;\s]+)/.exec(ok.get('to') ?? '')?.[1];
    await ua.request({ method: 'CANCEL', uri, callId, fromTag, cseq: 1, branch });
    const cancelAnswer = await ua.finalResponse(callId, 'CANCEL');
    expect([200, 481]).toContain(cancelAnswer.status);
    await ua.request({ method: 'ACK', uri, callId, fromTag, toTag, cseq: 1 });
    await pause(100);
    await ua.request({ method: 'BYE', uri, callId, fromTag, toTag, cseq: 2 });
    expect((await ua.finalResponse(callId, 'BYE')).status).toBe(200);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });

  describe('the engine as UAC for the app', () => {
    afterEach(() => {
      ua.answer = (request) => (request.method === 'BYE' ? 200 : undefined);
    });

    test('a retransmitted 2xx gets the app\'s ACK again', async () => {
      const before = new Set(ua.requests('INVITE').map((r) => r.callId));
      const tag = randomToken();
      let okText = '';
      ua.answer = (request) => {
        if (request.method === 'INVITE') {
          okText = responseTo(request, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP);
          void ua.sendRaw(okText, Number(/rport=(\d+)/.exec(request.get('via') ?? '')?.[1] ?? ua.target));
          return undefined;
        }
        return request.method === 'BYE' ? 200 : undefined;
      };
      const dialog = await srf.createUAC(ua.uri, { localSdp: TEST_SDP });
      const invite = await ua.waitFor(() => ua.requests('INVITE').find((r) => !before.has(r.callId)));
      await ua.waitFor(() => (ua.requests('ACK', invite.callId).length === 1 ? true : undefined));
      await ua.sendRaw(okText);
      await ua.waitFor(() => (ua.requests('ACK', invite.callId).length === 2 ? true : undefined));
      await dialog.destroy();
      await ua.waitFor(() => ua.responses(invite.callId, 'BYE').length === 0 && ua.requests('BYE', invite.callId).length === 1 ? true : undefined);
      expect(await waitForIdle(engine)).toEqual(IDLE);
    });

    test('a non-2xx final is ACKed once by the transaction layer; the app\'s own ACK sends nothing more', async () => {
      const before = new Set(ua.requests('INVITE').map((r) => r.callId));
      ua.answer = (request) => (request.method === 'INVITE' ? 486 : undefined);
      await expect(srf.createUAC(ua.uri, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 486 });
      const invite = await ua.waitFor(() => ua.requests('INVITE').find((r) => !before.has(r.callId)));
      await pause(300);
      expect(ua.requests('ACK', invite.callId)).toHaveLength(1);
      expect(await waitForIdle(engine)).toEqual(IDLE);
    });

    test('no answer at all: the app gets 408 after timer B', async () => {
      ua.answer = () => undefined;
      await expect(srf.createUAC(ua.uri, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 408 });
      expect(await waitForIdle(engine)).toEqual(IDLE);
    }, 20000);

    test('nobody listening on the TCP port: the app gets 503', async () => {
      const port = await freePort('tcp');
      await expect(srf.createUAC(`sip:nobody@127.0.0.1:${port};transport=tcp`, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 503 });
      expect(await waitForIdle(engine)).toEqual(IDLE);
    });

    test('a 200 that wins the race against the app\'s CANCEL is ACKed, then BYEd by the engine', async () => {
      const before = new Set(ua.requests('INVITE').map((r) => r.callId));
      const tag = randomToken();
      let invite: import('../../../src/engine/message').SipRequest | undefined;
      ua.answer = (request) => {
        if (request.method === 'INVITE') {
          invite = request;
          void ua.sendRaw(responseTo(request, 180, tag));
          return undefined;
        }
        if (request.method === 'CANCEL' && invite !== undefined) {
          // The 200 to the INVITE was already on its way: send it before answering the CANCEL.
          void ua.sendRaw(responseTo(invite, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP));
          return 200;
        }
        return request.method === 'BYE' ? 200 : undefined;
      };
      const outcome = srf
        .createUAC(ua.uri, { localSdp: TEST_SDP }, {
          cbProvisional: () => undefined,
          cbRequest: (_err: unknown, req: { cancel(): void }) => setTimeout(() => req.cancel(), 100),
        } as unknown as Parameters<Srf['createUAC']>[2])
        .then(
          (dialog) => ({ dialog }),
          (error: unknown) => ({ error }),
        );
      const sent = await ua.waitFor(() => ua.requests('INVITE').find((r) => !before.has(r.callId)));
      const bye = await ua.waitFor(() => ua.requests('BYE', sent.callId)[0], 8000);
      expect(bye.get('reason')).toContain('ACK-BYE due to cancel race condition');
      expect(ua.requests('ACK', sent.callId).length).toBeGreaterThanOrEqual(1);
      await outcome;
      expect(await waitForIdle(engine)).toEqual(IDLE);
    }, 20000);
  });
});

describe('when the app connection closes', () => {
  let engine: RunningEngineWithCore;
  let ua: RawUa;
  let uri: (user: string) => string;

  beforeAll(async () => {
    engine = await startTestEngine();
    ua = await RawUa.open();
    const udp = engine.sip.find((spec) => spec.protocol === 'udp')!;
    ua.target = udp.port;
    uri = (user) => `sip:${user}@127.0.0.1:${udp.port}`;
  });

  afterAll(async () => {
    ua.close();
    await engine.close();
  });

  test('a request the app had not answered gets 500', async () => {
    const app = await connectSrf(engine.admin, SECRET);
    let delivered = false;
    app.invite(() => {
      delivered = true; // never answered
    });
    const callId = randomToken();
    await ua.request({ method: 'INVITE', uri: uri('silent'), callId, fromTag: randomToken(), cseq: 1, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    await ua.waitFor(() => (delivered ? true : undefined));
    await disconnectSrf(app);
    expect((await ua.finalResponse(callId, 'INVITE')).status).toBe(500);
  });

  test('its dialogs stay: in-dialog requests get 481, and a BYE (481 too) clears the dialog', async () => {
    const app = await connectSrf(engine.admin, SECRET);
    app.invite((req, res) => {
      app.createUAS(req, res, { localSdp: TEST_SDP }).catch(() => undefined);
    });
    const callId = randomToken();
    const fromTag = randomToken();
    await ua.request({ method: 'INVITE', uri: uri('service'), callId, fromTag, cseq: 1, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    const ok = await ua.finalResponse(callId, 'INVITE');
    expect(ok.status).toBe(200);
    const toTag = /;\s*tag=([^;\s]+)/.exec(ok.get('to') ?? '')?.[1];
    await ua.request({ method: 'ACK', uri: uri('service'), callId, fromTag, toTag, cseq: 1 });
    await pause(100);
    await disconnectSrf(app);
    await ua.waitFor(() => (engine.stats().appConnections === 0 ? true : undefined));
    expect(engine.stats().dialogs).toBe(1);

    await ua.request({ method: 'INFO', uri: uri('service'), callId, fromTag, toTag, cseq: 2 });
    expect((await ua.finalResponse(callId, 'INFO')).status).toBe(481);
    expect(engine.stats().dialogs).toBe(1);
    await ua.request({ method: 'BYE', uri: uri('service'), callId, fromTag, toTag, cseq: 3 });
    expect((await ua.finalResponse(callId, 'BYE')).status).toBe(481);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
