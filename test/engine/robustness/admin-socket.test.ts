/**
 * Bad admin-socket input (wrong secret, garbage, a frame too large, unknown types, broken SIP text):
 * that connection is answered or closed with a log line, and the well-behaved srf app and its
 * calls carry on.
 */
import type Srf from 'drachtio-srf';
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startEngine, type RunningEngineWithCore } from '../../../src/engine';
import { encodeFrame, FrameDecoder } from '../../../src/engine/control/frame-codec';
import { killAllSipp, runSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf, TEST_SDP } from '../../support/srf-apps/connect';
import { IDLE, sipTarget, TEST_TIMERS, waitForIdle } from '../conformance/harness';

const SECRET = 'admin-robustness';
const MAX_FRAME_BYTES = 64 * 1024;

/** A raw admin-socket client: collects reply payloads and notices when the engine closes it. */
class RawAdminClient {
  readonly replies: string[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder(10 * 1024 * 1024);

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.replies.push(...this.decoder.push(chunk)));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static connect(admin: { host: string; port: number }): Promise<RawAdminClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(admin.port, admin.host);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawAdminClient(socket));
      });
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  frame(payload: string): void {
    this.write(encodeFrame(payload));
  }

  async until(predicate: () => boolean, timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return predicate();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('bad admin-socket input', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    engine = await startEngine({
      sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
      admin: { host: '127.0.0.1', port: 0 },
      secret: SECRET,
      timers: TEST_TIMERS,
      maxFrameBytes: MAX_FRAME_BYTES,
      log: pino({ level: 'warn' }, sink),
    });
    srf = await connectSrf(engine.admin, SECRET);
    srf.invite((req, res) => {
      srf.createUAS(req, res, { localSdp: TEST_SDP }).catch(() => undefined);
    });
  });

  afterAll(async () => {
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  const logged = (text: string): boolean => logLines.some((line) => line.includes(text));

  test('a wrong secret is answered NO and the connection closed, with a log line', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.frame('m1|authenticate|not-the-secret|');
    expect(await client.until(() => client.closed)).toBe(true);
    expect(client.replies).toEqual([expect.stringMatching(/\|response\|m1\|NO\|incorrect secret$/)]);
    expect(logged('incorrect secret')).toBe(true);
  });

  test('garbage instead of a length prefix closes the connection', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await client.until(() => client.closed)).toBe(true);
    expect(logged('protocol error from app')).toBe(true);
  });

  test('a frame announced larger than the limit closes the connection', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.write(`${MAX_FRAME_BYTES + 1}#m2|ping`);
    expect(await client.until(() => client.closed)).toBe(true);
    expect(logged(`exceeds the limit of ${MAX_FRAME_BYTES}`)).toBe(true);
  });

  test('commands before authenticating are refused and the connection closed', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.frame('m3|route|invite');
    expect(await client.until(() => client.closed)).toBe(true);
    expect(client.replies).toEqual([expect.stringContaining('|response|m3|NO|not authenticated')]);
  });

  test('after authenticating: broken SIP text gets NOK and the connection stays; an unknown type closes it', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.frame(`m4|authenticate|${SECRET}|`);
    expect(await client.until(() => client.replies.length === 1)).toBe(true);
    expect(client.replies[0]).toContain('|response|m4|OK|');

    client.frame('m5|sip|||\r\nthis is not SIP\r\n\r\n');
    client.frame('m6|sip|no-such-transaction|\r\nSIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    client.frame('m7|sip||no-such-dialog\r\nBYE sip:placeholder SIP/2.0\r\n\r\n');
    client.frame('m8|ping');
    expect(await client.until(() => client.replies.length === 5)).toBe(true);
    // Replies may overtake each other (in-dialog requests are completed asynchronously).
    const reply = (id: string): string | undefined => client.replies.find((r) => r.includes(`|response|${id}|`));
    expect(reply('m5')).toContain('|response|m5|NOK|invalid SIP message');
    expect(reply('m6')).toContain('|response|m6|NOK|Response not sent due to unknown transaction');
    expect(reply('m7')).toContain('|response|m7|NOK|Server error: unable to find dialog');
    expect(reply('m8')).toContain('|response|m8|OK|pong');
    expect(client.closed).toBe(false);

    client.frame('m9|bogus-type');
    expect(await client.until(() => client.closed)).toBe(true);
    expect(client.replies[5]).toContain('|response|m9|NO|unknown message type');
  });

  test('a connection that drops mid-frame is forgotten', async () => {
    const client = await RawAdminClient.connect(engine.admin);
    client.write('500#m10|authenticate|');
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    expect(await client.until(() => client.closed)).toBe(true);
  });

  test('meanwhile the real app is still connected and its calls complete', async () => {
    expect(engine.stats().appConnections).toBe(1);
    const result = await runSipp({ scenario: 'uac', remote: sipTarget(engine, 'udp'), totalCalls: 3, callRate: 10, timeoutSeconds: 20 });
    expect(result.outcome).toBe('ok');
    expect(result.stats?.successful).toBe(3);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  }, 30000);
});
