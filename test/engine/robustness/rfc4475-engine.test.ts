/**
 * RFC 4475 torture messages sent byte-exact to a running engine with a strict srf app behind it:
 * valid requests are handled (the app's answer, or the semantic refusal the RFC names), invalid
 * ones get 400/505 with a reason or are dropped, responses are dropped, and a normal call still
 * completes afterwards. Over UDP for all of them, over TCP for the stream-relevant ones.
 */
import type Srf from 'drachtio-srf';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { installStrictUasApp } from '../../support/srf-apps/strict-uas-app';
import { RFC4475_CASES, RFC4475_MESSAGES_DIR, type Rfc4475Case } from '../message/rfc4475-cases';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from '../conformance/harness';
import { parseMessage, parseVia, SipRequest } from '../../../src/engine/message';
import { RawTcpPeer, RawUdpPeer } from './raw-peer';

function load(file: string): Buffer {
  return readFileSync(path.join(RFC4475_MESSAGES_DIR, file));
}

/** The Call-ID as written in the raw message (first `Call-ID:` or `i:` line). */
function rawCallId(data: Buffer): string | undefined {
  const match = /^(?:call-id|i)[ \t]*:[ \t]*(.*?)[ \t]*\r?$/im.exec(data.toString('latin1'));
  return match?.[1];
}

/**
 * RFC 3261 §17.2.3 matches a request to a server transaction by branch, sent-by and method. Some
 * torture messages share all three (cparam01/02, unkscm/novelsc), so while the first one's
 * transaction lives the second is, correctly, a retransmission of it. Returns that key, if readable.
 */
function transactionKey(data: Buffer): string | undefined {
  try {
    const message = parseMessage(data);
    if (!(message instanceof SipRequest)) return undefined;
    const via = parseVia(message.get('via') ?? '')[0];
    if (via === undefined) return undefined;
    return `${message.method}|${String(via.params.branch)}|${via.host}:${via.port ?? ''}`;
  } catch {
    return undefined;
  }
}

function isResponse(data: Buffer): boolean {
  return data.subarray(0, 4).toString('latin1') === 'SIP/';
}

/**
 * Where the engine itself decides before any app sees the request: wsinv.dat is an INVITE whose
 * To-tag matches no dialog, so RFC 3261 §12.2.2 asks for 481 (RFC 4475 only asks that it parse).
 */
const ENGINE_ANSWERS: Readonly<Record<string, number>> = { 'wsinv.dat': 481 };

/** What the engine (with the strict app) should send back: a status, or nothing. */
function expectedStatus(testCase: Rfc4475Case, data: Buffer): number | undefined {
  if (isResponse(data) || testCase.expect === 'drop') return undefined;
  const engineAnswer = ENGINE_ANSWERS[testCase.file];
  if (engineAnswer !== undefined) return engineAnswer;
  if (testCase.expect === 'reject-400') return 400;
  if (testCase.expect === 'reject-505') return 505;
  if (testCase.response !== undefined) return testCase.response;
  return data.subarray(0, 7).toString('latin1') === 'INVITE ' ? 486 : 200;
}

describe('RFC 4475 torture messages against the engine', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let udp: RawUdpPeer;
  let port: number;
  const usedTransactionKeys = new Set<string>();

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    installStrictUasApp(srf);
    udp = await RawUdpPeer.open();
    port = engine.sip.find((spec) => spec.protocol === 'udp')!.port;
  });

  afterAll(async () => {
    udp.close();
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  describe.each(RFC4475_CASES.map((c) => [c.file, c] as const))('over UDP: %s', (_file, testCase) => {
    test(`${testCase.section} ${testCase.title}`, async () => {
      const data = load(testCase.file);
      const callId = rawCallId(data);
      const expected = expectedStatus(testCase, data);
      const key = transactionKey(data);
      if (key !== undefined && usedTransactionKeys.has(key)) expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
      if (key !== undefined) usedTransactionKeys.add(key);
      const since = Date.now();
      await udp.send(data, port);
      if (expected === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        const answers = udp.responses.filter((r) => r.at >= since && (callId === undefined || r.response.get('call-id') === callId));
        expect(answers.map((r) => r.response.status)).toEqual([]);
        return;
      }
      const deadline = Date.now() + 3000;
      let final;
      while (final === undefined && Date.now() < deadline) {
        final = udp.responses.find(
          (r) => r.at >= since && r.response.status >= 200 && (callId === undefined || (r.response.get('call-id') ?? callId) === callId),
        )?.response;
        if (final === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(final?.status).toBe(expected);
      if (expected === 400 || expected === 505) expect(final?.reason.length).toBeGreaterThan(3);
      if (expected === 420) expect(final?.get('unsupported')).toContain('nothingSupportsThis');
    }, 30000);
  });

  test('dblreq over UDP: only the REGISTER counts, the trailing INVITE is never answered', async () => {
    const data = load('dblreq.dat');
    await udp.send(data, port);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const inviteCallId = /INVITE[\s\S]*?Call-ID:[ \t]*(\S+)/i.exec(data.toString('latin1'))?.[1];
    expect(inviteCallId).toBeDefined();
    expect(udp.finals(inviteCallId!)).toEqual([]);
  });

  test('the engine never sent anything that was not a well-formed response', () => {
    expect(udp.junk).toEqual([]);
  });

  describe('over TCP', () => {
    const tcpPort = (): number => engine.sip.find((spec) => spec.protocol === 'tcp')!.port;

    // The same messages were just sent over UDP: let their transactions end first (§17.2.3).
    beforeAll(async () => {
      expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
    }, 30000);

    test.each(['wsinv.dat', 'longreq.dat', 'unkscm.dat', 'bext01.dat', 'badvers.dat', 'insuf.dat', 'mismatch01.dat'])(
      '%s is answered on the connection',
      async (file) => {
        const testCase = RFC4475_CASES.find((c) => c.file === file)!;
        const data = load(file);
        const peer = await RawTcpPeer.connect(tcpPort());
        try {
          await peer.write(data);
          const expected = expectedStatus(testCase, data)!;
          expect(await peer.waitFor(() => peer.responses.some((r) => r.status >= 200), 3000)).toBe(true);
          expect(peer.responses.find((r) => r.status >= 200)?.status).toBe(expected);
        } finally {
          peer.close();
        }
      },
    );

    test('dblreq over TCP: both requests in the stream are handled', async () => {
      const peer = await RawTcpPeer.connect(tcpPort());
      try {
        await peer.write(load('dblreq.dat'));
        expect(await peer.waitFor(() => peer.responses.filter((r) => r.status >= 200).length >= 2, 3000)).toBe(true);
        expect(peer.responses.filter((r) => r.status >= 200).map((r) => r.status).sort()).toEqual([200, 486]);
      } finally {
        peer.close();
      }
    });

    test('clerr over TCP: the engine waits for the rest of the body and answers nothing', async () => {
      const peer = await RawTcpPeer.connect(tcpPort());
      try {
        await peer.write(load('clerr.dat'));
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(peer.responses).toEqual([]);
        expect(peer.closedByPeer).toBe(false);
      } finally {
        peer.close();
      }
    });

    test('ncl over TCP: a negative Content-Length cannot be framed; 400 and the connection closes', async () => {
      const peer = await RawTcpPeer.connect(tcpPort());
      try {
        await peer.write(load('ncl.dat'));
        expect(await peer.waitFor(() => peer.closedByPeer, 3000)).toBe(true);
        expect(peer.responses.map((r) => r.status)).toEqual([400]);
      } finally {
        peer.close();
      }
    });

    test('a stream cut in the middle of a message leaves the engine serving others', async () => {
      const data = load('longreq.dat');
      const peer = await RawTcpPeer.connect(tcpPort());
      await peer.write(data.subarray(0, Math.floor(data.length / 2)));
      peer.close();
      const next = await RawTcpPeer.connect(tcpPort());
      try {
        await next.write(load('zeromf.dat'));
        expect(await next.waitFor(() => next.responses.some((r) => r.status === 200), 3000)).toBe(true);
      } finally {
        next.close();
      }
    });
  });

  test('afterwards a normal call through the engine completes and the engine returns to idle', async () => {
    const result = await runSipp({ scenario: 'uac', remote: sipTarget(engine, 'udp'), totalCalls: 2, callRate: 10, timeoutSeconds: 20 });
    expect(result.outcome).toBe('ok');
    expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
  }, 40000);
});
