import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { createEmbeddedMedia, type EmbeddedMedia } from '../../src/media/embedded/embedded-media';
import { offerSdp, RtpPeer } from './rtp-peer';

const run = promisify(execFile);
const PACKETS = 150;

/** Starts dumpcap on lo and resolves once it reports that capturing has begun. */
function startCapture(port: number, file: string): Promise<ChildProcess> {
  const child = spawn('timeout', ['30', 'dumpcap', '-i', 'lo', '-f', `udp dst port ${port}`, '-a', `packets:${PACKETS}`, '-w', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('Capturing on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`dumpcap exited with ${code}: ${stderr}`)));
  });
}

describe('RTP as tshark sees it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callpark-rtp-'));
  const log = pino({ level: 'silent' });
  let media: EmbeddedMedia;
  let phone: RtpPeer;
  let capture: ChildProcess | undefined;

  beforeAll(async () => {
    const min = 20000 + 2 * Math.floor(Math.random() * 18000);
    media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min, max: min + 19 }, codecs: ['PCMU'], log });
    phone = await RtpPeer.open();
  });

  afterAll(async () => {
    if (capture?.pid && capture.exitCode === null) process.kill(capture.pid);
    await media.stop();
    await phone.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one clean 20 ms PCMU stream: no loss, no sequence errors, paced', async () => {
    const file = join(dir, 'moh.pcapng');
    capture = await startCapture(phone.port, file);
    const exited = new Promise<number | null>((resolve) => capture!.once('exit', resolve));
    const session = await media.hold({ callId: 'capture', remoteOffer: offerSdp(phone.port, '0') });
    expect(await exited).toBe(0);
    await session.release();

    const { stdout } = await run('timeout', ['30', 'tshark', '-r', file, '-q', '-d', `udp.port==${phone.port},rtp`, '-z', 'rtp,streams'], {
      encoding: 'utf8',
    });
    const rows = stdout.split('\n').filter((line) => line.includes(' g711U '));
    expect(rows).toHaveLength(1);
    // Start End SrcIP SrcPort DstIP DstPort SSRC Payload Pkts Lost (%) MinΔ MeanΔ MaxΔ MinJ MeanJ MaxJ [Problems?]
    const fields = rows[0]!.trim().split(/\s+/);
    const [packets, lost, meanDelta, meanJitter] = [fields[8], fields[9], fields[12], fields[15]].map(Number);
    expect(packets).toBe(PACKETS);
    expect(lost).toBe(0);
    expect(fields.slice(17).join(' ')).toBe(''); // tshark's "Problems?" column (wrong sequence, timestamp jumps)
    expect(meanDelta).toBeGreaterThan(18);
    expect(meanDelta).toBeLessThan(22);
    // Loose on purpose: this machine is shared; benchmarks measure the real figure.
    expect(meanJitter).toBeLessThan(10);
  });
});
