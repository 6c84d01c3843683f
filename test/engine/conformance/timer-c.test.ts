/**
 * Timer C (RFC 3261 §16.6 item 11) for INVITEs the engine sends for apps, and re-INVITE glare
 * (§14.1, §14.2): a peer that rings forever is CANCELled and the app gets 408; a 2xx after that is
 * ACKed and BYEd by the engine; crossing re-INVITEs get 491.
 */
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import type { SipRequest } from '../../../src/engine/message';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, SECRET, startTestEngine, waitForIdle } from './harness';
import { randomToken, RawUa, responseTo } from './raw-ua';

const TIMER_C_MS = 1500;

describe('timer C and re-INVITE glare', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let ua: RawUa;

  beforeAll(async () => {
    engine = await startTestEngine(undefined, { inviteTimeoutMs: TIMER_C_MS });
    srf = await connectSrf(engine.admin, SECRET);
    ua = await RawUa.open();
    ua.target = engine.sip.find((spec) => spec.protocol === 'udp')!.port;
  });

  afterAll(async () => {
    ua.close();
    await disconnectSrf(srf);
    await engine.close();
  });

  afterEach(() => {
    ua.answer = (request) => (request.method === 'BYE' ? 200 : undefined);
  });

  /** The peer sends one 180 per INVITE and answers the CANCEL as `onCancel` says. */
  function ringForever(onCancel: (invite: SipRequest, tag: string) => number | undefined): { invites: SipRequest[] } {
    const seen: { invites: SipRequest[] } = { invites: [] };
    const tag = randomToken();
    ua.answer = (request) => {
      if (request.method === 'INVITE') {
        if (!seen.invites.some((r) => r.callId === request.callId)) seen.invites.push(request);
        void ua.sendRaw(responseTo(request, 180, tag));
        return undefined;
      }
      if (request.method === 'CANCEL') {
        const invite = seen.invites.find((r) => r.callId === request.callId);
        return invite === undefined ? 481 : onCancel(invite, tag);
      }
      return request.method === 'BYE' ? 200 : undefined;
    };
    return seen;
  }

  test('a peer that only rings: CANCEL after timer C, the app gets 408, the 487 closes the transaction', async () => {
    const seen = ringForever((invite, tag) => {
      void ua.sendRaw(responseTo(invite, 487, tag));
      return 200;
    });
    const started = Date.now();
    await expect(srf.createUAC(ua.uri, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 408 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMER_C_MS - 50);
    const callId = seen.invites[0]!.callId;
    expect(ua.requests('CANCEL', callId)).toHaveLength(1);
    await ua.waitFor(() => (ua.requests('ACK', callId).length > 0 ? true : undefined));
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 20000);

  test('a peer that ignores the CANCEL too: nothing is left behind', async () => {
    ringForever(() => undefined);
    await expect(srf.createUAC(ua.uri, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 408 });
    expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
  }, 30000);

  test('a 2xx after timer C is ACKed and BYEd by the engine', async () => {
    const seen = ringForever((invite, tag) => {
      void ua.sendRaw(responseTo(invite, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP));
      return 200;
    });
    await expect(srf.createUAC(ua.uri, { localSdp: TEST_SDP })).rejects.toMatchObject({ status: 408 });
    const callId = seen.invites[0]!.callId;
    const bye = await ua.waitFor(() => ua.requests('BYE', callId)[0]);
    expect(ua.requests('ACK', callId).length).toBeGreaterThanOrEqual(1);
    expect(bye.get('reason')).toContain('INVITE timed out');
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 20000);

  test('a provisional every second keeps the INVITE alive past timer C until the 200', async () => {
    const tag = randomToken();
    let invite: SipRequest | undefined;
    ua.answer = (request) => {
      if (request.method === 'INVITE' && invite === undefined) invite = request;
      return request.method === 'BYE' ? 200 : undefined;
    };
    const call = srf.createUAC(ua.uri, { localSdp: TEST_SDP });
    await ua.waitFor(() => invite);
    for (let i = 0; i < 3; i++) {
      await ua.sendRaw(responseTo(invite!, 183, tag));
      await new Promise((resolve) => setTimeout(resolve, TIMER_C_MS * 0.6));
    }
    await ua.sendRaw(responseTo(invite!, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP));
    const dialog = await call;
    expect(ua.requests('CANCEL', invite!.callId)).toHaveLength(0);
    await dialog.destroy();
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 20000);

  test('engine as UAS: an app that only rings gets a CANCEL and the caller 408 after the INVITE timeout', async () => {
    const cancelled: string[] = [];
    srf.invite((req, res) => {
      req.on('cancel', () => cancelled.push(req.get('Call-ID')));
      res.send(180);
    });
    const callId = `uas-ring-${randomToken()}`;
    const fromTag = randomToken();
    const branch = `z9hG4bK${randomToken()}`;
    const uri = `sip:ringer@127.0.0.1:${ua.target}`;
    const started = Date.now();
    await ua.request({ method: 'INVITE', uri, callId, fromTag, cseq: 1, branch, headers: ['Content-Type: application/sdp'], body: TEST_SDP });
    await ua.waitFor(() => ua.responses(callId, 'INVITE').find((r) => r.status === 180));
    const final = await ua.finalResponse(callId, 'INVITE', TIMER_C_MS * 4);
    expect(final.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMER_C_MS - 50);
    await ua.waitFor(() => (cancelled.includes(callId) ? true : undefined));
    const toTag = /;\s*tag=([^;\s]+)/.exec(final.get('to') ?? '')?.[1];
    await ua.request({ method: 'ACK', uri, callId, fromTag, toTag, cseq: 1, branch });
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 20000);

  test('re-INVITE glare: the peer’s re-INVITE crossing the app’s gets 491', async () => {
    const tag = randomToken();
    let invite: SipRequest | undefined;
    let reinvite: SipRequest | undefined;
    ua.answer = (request) => {
      if (request.method === 'INVITE' && invite === undefined) {
        invite = request;
        void ua.sendRaw(responseTo(request, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP));
      } else if (request.method === 'INVITE') {
        reinvite = request; // left pending: the app's re-INVITE is in progress
      }
      return request.method === 'BYE' ? 200 : undefined;
    };
    const dialog = await srf.createUAC(ua.uri, { localSdp: TEST_SDP });
    const modified = dialog.modify(TEST_SDP.replace('o=- 1 1', 'o=- 1 2'));
    await ua.waitFor(() => reinvite);
    const callId = invite!.callId;
    const ourTag = /;\s*tag=([^;\s]+)/.exec(invite!.get('from') ?? '')?.[1];
    await ua.request({
      method: 'INVITE',
      uri: `sip:x@127.0.0.1:${ua.target}`,
      callId,
      fromTag: tag,
      toTag: ourTag,
      cseq: 10,
      headers: ['Content-Type: application/sdp'],
      body: TEST_SDP,
    });
    expect((await ua.finalResponse(callId, 'INVITE', 3000)).status).toBe(491);
    await ua.sendRaw(responseTo(reinvite!, 200, tag, [`Contact: <sip:raw@127.0.0.1:${ua.port}>`, 'Content-Type: application/sdp'], TEST_SDP));
    await modified;
    await dialog.destroy();
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 20000);
});
