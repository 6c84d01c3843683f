import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spawnChild } from './children';
import { mean } from './stats';

/**
 * RTP pacing measured on the wire: tshark captures on `lo`, then `-z rtp,streams` reports
 * per-stream packets, loss, deltas and jitter (RFC 3550) that we aggregate.
 */

export interface RtpStream {
  packets: number;
  lost: number;
  maxDeltaMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
}

export interface RtpSummary {
  streams: number;
  packets: number;
  lost: number;
  /** Mean over streams of each stream's mean jitter. */
  meanJitterMs: number;
  /** Worst stream's max jitter. */
  maxJitterMs: number;
  /** Largest gap between two packets of one stream. */
  maxDeltaMs: number;
  /** Mean over streams of each stream's max delta. */
  meanMaxDeltaMs: number;
}

/** Parses the table of `tshark -q -z rtp,streams` (Wireshark 4.0 layout). */
export function parseRtpStreams(text: string): RtpStream[] {
  const streams: RtpStream[] = [];
  for (const line of text.split('\n')) {
    // … SSRC  Payload  Pkts  Lost (pct)  MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter [Problem?]
    const match = /0x[0-9A-Fa-f]+\s+\S+(?:\s+\S+)*?\s+(\d+)\s+(-?\d+)\s+\(\s*-?[\d.]+%\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (match === null) continue;
    streams.push({
      packets: Number(match[1]),
      lost: Number(match[2]),
      maxDeltaMs: Number(match[5]),
      meanJitterMs: Number(match[7]),
      maxJitterMs: Number(match[8]),
    });
  }
  return streams;
}

export function summarize(streams: readonly RtpStream[]): RtpSummary {
  return {
    streams: streams.length,
    packets: streams.reduce((sum, stream) => sum + stream.packets, 0),
    lost: streams.reduce((sum, stream) => sum + Math.max(0, stream.lost), 0),
    meanJitterMs: mean(streams.map((stream) => stream.meanJitterMs)),
    maxJitterMs: Math.max(...streams.map((stream) => stream.maxJitterMs)),
    maxDeltaMs: Math.max(...streams.map((stream) => stream.maxDeltaMs)),
    meanMaxDeltaMs: mean(streams.map((stream) => stream.maxDeltaMs)),
  };
}

export interface Capture {
  file: string;
  command: string;
  /** Resolves when tshark has stopped (after `seconds`). */
  done: Promise<void>;
}

/** Starts `tshark -i lo` on UDP to `port`, for `seconds`; resolves once it is capturing. */
export async function startRtpCapture(dir: string, port: number, seconds: number): Promise<Capture> {
  const file = path.join(dir, `rtp-${port}.pcapng`);
  const args = ['-i', 'lo', '-f', `udp dst port ${port}`, '-s', '96', '-a', `duration:${seconds}`, '-w', file];
  const child = spawnChild({ name: 'tshark', command: 'tshark', args, maxLifetimeMs: (seconds + 30) * 1000 });
  await child.waitFor(/Capturing on/, 15000);
  const done = child.exited.then(() => undefined);
  return { file, command: `tshark ${args.join(' ').replace(file, 'cap.pcapng')}`, done };
}

/** Runs the rtp,streams analysis on a capture, decoding `port` as RTP. */
export function analyseRtpCapture(file: string, port: number): Promise<{ summary: RtpSummary; command: string }> {
  const args = ['-r', file, '-q', '-d', `udp.port==${port},rtp`, '-z', 'rtp,streams'];
  return new Promise((resolve, reject) => {
    execFile('timeout', ['120', 'tshark', ...args], { maxBuffer: 64 << 20 }, (error, stdout) => {
      if (error !== null && stdout === '') {
        reject(error);
        return;
      }
      try {
        fs.rmSync(file, { force: true });
      } catch {
        // leave it
      }
      resolve({ summary: summarize(parseRtpStreams(stdout)), command: `tshark ${args.join(' ').replace(file, 'cap.pcapng')}` });
    });
  });
}
