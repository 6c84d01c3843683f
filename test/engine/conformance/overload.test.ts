/**
 * Engine-level load shedding (sip.admission.maxReceiveQueueBytes): a burst of INVITEs queued in the
 * UDP listener's kernel buffer while the engine cannot read is met with 503 + Retry-After from the
 * engine itself, and every INVITE still gets exactly one final answer. Linux only (/proc/net/udp).
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import { startEngine, type RunningEngineWithCore } from '../../../src/engine';
import { parseMessage, SipResponse } from '../../../src/engine/message';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { IDLE, SECRET, TEST_TIMERS, sipTarget, waitForIdle } from './harness';

const BURST = 1500;
const onLinux = fs.existsSync('/proc/net/udp');

(onLinux ? describe : describe.skip)('engine load shedding by receive backlog', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let appInvites = 0;

  beforeAll(async () => {
    engine = await startEngine({
      sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
      admin: { host: '127.0.0.1', port: 0 },
      secret: SECRET,
      timers: TEST_TIMERS,
      overload: { maxReceiveQueueBytes: 64 * 1024, retryAfterSeconds: 7 },
      log: pino({ level: process.env.ENGINE_LOG ?? 'silent' }),
    });
    srf = await connectSrf(engine.admin, SECRET);
    srf.invite((_req, res) => {
      appInvites += 1;
      res.send(486);
    });
  });

  afterAll(async () => {
    await disconnectSrf(srf);
    await engine.close();
  });

  test('a burst queued while the engine is blocked: the excess gets 503 with Retry-After, every INVITE one final answer', async () => {
    const finals = new Map<string, number>();
    const retryAfter = new Set<string>();
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    socket.setRecvBufferSize(8 * 1024 * 1024);
    socket.on('message', (data) => {
      const message = parseMessage(data);
      if (!(message instanceof SipResponse) || message.status < 200) return;
      if (finals.has(message.callId)) return;
      finals.set(message.callId, message.status);
      if (message.status === 503) retryAfter.add(message.get('retry-after') ?? '');
    });
    const [host, port] = sipTarget(engine, 'udp').split(':') as [string, string];
    const local = socket.address().port;
    // All sent in this turn: the engine reads none of them until the loop below lets go.
    for (let i = 0; i < BURST; i++) {
      const callId = `burst-${i}`;
      const text = [
        `INVITE sip:service@${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};rport;branch=z9hG4bK-burst-${i}`,
        'Max-Forwards: 70',
        `From: <sip:load@127.0.0.1>;tag=f${i}`,
        `To: <sip:service@${host}:${port}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:load@127.0.0.1:${local}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(text, Number(port), host);
    }
    // Hold the event loop past one backlog reading interval (100 ms), as a CPU-starved process would.
    const until = Date.now() + 250;
    while (Date.now() < until) {
      /* busy */
    }

    const deadline = Date.now() + 20000;
    while (finals.size < BURST && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    socket.close();

    const statuses = [...finals.values()];
    const shed = statuses.filter((status) => status === 503).length;
    expect(finals.size).toBe(BURST);
    expect(shed).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 503 && status !== 486)).toEqual([]);
    expect(appInvites).toBe(BURST - shed);
    expect([...retryAfter]).toEqual(['7']);
    expect(await waitForIdle(engine, 20000)).toEqual(IDLE);
  }, 40000);
});
