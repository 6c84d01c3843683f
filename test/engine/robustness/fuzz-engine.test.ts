/**
 * Thousands of mutated datagrams and TCP streams (some cut mid-message, some oversized) at a
 * running engine while SIPp places calls through it: no call fails, nothing escapes the event
 * loop, and every count returns to 0.
 */
import type Srf from 'drachtio-srf';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningEngineWithCore } from '../../../src/engine';
import { killAllSipp, runSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { installStrictUasApp } from '../../support/srf-apps/strict-uas-app';
import { RFC4475_CASES, RFC4475_MESSAGES_DIR } from '../message/rfc4475-cases';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from '../conformance/harness';
import { mutate, seededRandom } from './mutator';
import { RawTcpPeer, RawUdpPeer } from './raw-peer';

/** Request-URI user of SIPp's calls; no seed message contains it, so no mutation reaches the call path. */
const CALL_USER = 'fuzzcallq7';
const DATAGRAMS = 6000;
const STREAMS = 300;
const SIPP_CALLS = 150;

function plainOptions(n: number): Buffer {
  return Buffer.from(
    [
      'OPTIONS sip:probe@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bK-fuzz-${n}`,
      'Max-Forwards: 70',
      'From: <sip:fuzz@example.com>;tag=f1',
      'To: <sip:probe@example.com>',
      `Call-ID: fuzz-probe-${n}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/**
 * Seeds: the torture messages plus a plain OPTIONS. Messages carrying a `received` parameter are left
 * out: the engine answers to `received`, and the replies must stay on loopback.
 */
const SEEDS: Buffer[] = [
  plainOptions(0),
  ...RFC4475_CASES.map((c) => readFileSync(path.join(RFC4475_MESSAGES_DIR, c.file))).filter((data) => !data.includes('received=')),
];

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('fuzzing a running engine under call load', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let udp: RawUdpPeer;
  let srfParseFailures = 0;

  beforeAll(async () => {
    // srf prints and drops requests its own parser refuses ("unable to parse incoming message");
    // such a request is never answered by the app, so the engine's pending timeout (short here)
    // answers it with 500.
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      if (args.some((arg) => typeof arg === 'string' && arg.includes('unable to parse'))) srfParseFailures += 1;
    });
    engine = await startTestEngine(2000);
    srf = await connectSrf(engine.admin, SECRET);
    installStrictUasApp(srf, CALL_USER);
    udp = await RawUdpPeer.open();
  });

  afterAll(async () => {
    udp.close();
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
    jest.restoreAllMocks();
  });

  test(`${DATAGRAMS} datagrams and ${STREAMS} TCP streams while SIPp places ${SIPP_CALLS} calls`, async () => {
    const udpPort = engine.sip.find((spec) => spec.protocol === 'udp')!.port;
    const tcpPort = engine.sip.find((spec) => spec.protocol === 'tcp')!.port;
    const calls = runSipp({
      scenario: 'uac',
      remote: sipTarget(engine, 'udp'),
      service: CALL_USER,
      totalCalls: SIPP_CALLS,
      callRate: 15,
      timeoutSeconds: 90,
      traceMessages: false,
    });
    const random = seededRandom(4475);

    const datagrams = (async () => {
      for (let sent = 0; sent < DATAGRAMS; sent += 20) {
        for (let i = 0; i < 20; i++) await udp.send(mutate(SEEDS[Math.floor(random() * SEEDS.length)]!, random), udpPort);
        await pause(10);
      }
    })();

    const streams = (async () => {
      for (let n = 0; n < STREAMS; n++) {
        const peer = await RawTcpPeer.connect(tcpPort);
        const parts: Buffer[] = [];
        const count = 1 + Math.floor(random() * 4);
        for (let i = 0; i < count; i++) parts.push(mutate(SEEDS[Math.floor(random() * SEEDS.length)]!, random));
        if (n % 10 === 0) parts.push(Buffer.alloc(70_000, 'X')); // oversized: more than the 64 KiB a stream may buffer
        let stream = Buffer.concat(parts);
        if (random() < 0.5) stream = stream.subarray(0, Math.floor(random() * stream.length)); // cut mid-message
        await peer.write(stream).catch(() => undefined);
        await pause(random() < 0.2 ? 30 : 2);
        peer.close();
      }
    })();

    await Promise.all([datagrams, streams]);

    // An oversized datagram (close to the UDP maximum) is refused or dropped, never fatal.
    const oversized = Buffer.concat([plainOptions(1).subarray(0, 60), Buffer.alloc(60_000, 'a'), Buffer.from('\r\n\r\n')]);
    await udp.send(oversized, udpPort);

    const result = await calls;
    expect(result.stats?.failed).toBe(0);
    expect(result.stats?.successful).toBe(SIPP_CALLS);
    expect(result.outcome).toBe('ok');

    // Still answering: a clean OPTIONS gets its 200.
    await udp.send(plainOptions(2), udpPort);
    expect((await udp.waitForFinal('fuzz-probe-2', 3000))?.status).toBe(200);
    expect(udp.junk).toEqual([]);
    expect(await waitForIdle(engine, 30000)).toEqual(IDLE);
    expect(srfParseFailures).toBeLessThan(DATAGRAMS / 10);
  }, 150000);
});
