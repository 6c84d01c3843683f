/**
 * Focused benchmark of the embedded media engine alone: N hold sessions playing music, no SIP.
 *
 *   node dist/bench/media-hold.js [--sessions 500,1000] [--seconds 10] [--sink] [--spin-ms N] [--rtp-thread worker|main]
 *
 * A sender child process runs createEmbeddedMedia and answers N offers that all point at one sink
 * port on 127.0.0.1; after 3 s of settling, the sender's CPU (/proc, % of one core) is measured while
 * tshark captures the music on `lo` and reports RFC 3550 jitter per stream (-z rtp,streams).
 * Without --sink nobody binds the sink port (the kernel drops the packets after tshark saw them),
 * as in park-bench's park-hold; with --sink a separate sink process receives them and computes
 * RFC 3550 interarrival jitter per SSRC from its own arrival times, so its CPU is not the sender's.
 * The sender's CPU (/proc/PID/stat) counts all its threads, the RTP worker included; its CPU wait
 * (/proc/PID/schedstat) only the main thread's.
 */
import { createSocket, type Socket } from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createEmbeddedMedia } from '../src/media/embedded';
import type { RtpThread } from '../src/media/embedded/embedded-media';
import { installExitCleanup, spawnChild, stopAllChildren } from './lib/children';
import { CpuMeter } from './lib/proc-stats';
import { PARK_TARGETS } from './park-bench';
import { analyseRtpCapture, startRtpCapture, type RtpSummary } from './lib/rtp-capture';
import { mean, round } from './lib/stats';

const SETTLE_MS = 3000;
const SAMPLE_RATE = 8000;

export interface MediaHoldFigures {
  sessions: number;
  cpuPercent: number;
  cpuWaitPercent: number;
  loadAverage: string;
  wire: RtpSummary;
  sink?: SinkSummary;
}

export interface SinkSummary {
  streams: number;
  packets: number;
  meanJitterMs: number;
  maxJitterMs: number;
}

function offer(port: number): string {
  return ['v=0', 'o=bench 1 1 IN IP4 127.0.0.1', 's=bench', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=sendrecv', ''].join('\r\n');
}

/** A UDP port that nothing is bound to right now. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

async function runSender(sessions: number, sinkPort: number, spinMs: number | undefined, rtpThread: RtpThread | undefined): Promise<void> {
  const log = pino({ level: 'warn' });
  // Below the tests' random RTP ranges (20000+) and the OS's ephemeral ports (32768+), with spare pairs for ports someone holds.
  const min = 10000 + 2 * Math.floor(Math.random() * 2000);
  const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min, max: min + sessions * 2 + 999 }, codecs: ['PCMU'], log, pacerSpinMs: spinMs, rtpThread });
  for (let i = 0; i < sessions; i++) await media.hold({ callId: `bench-${i}`, remoteOffer: offer(sinkPort) });
  process.stdout.write(`sender ready: ${media.activeSessions()} sessions\n`);
  process.once('SIGTERM', () => {
    void media.stop().finally(() => process.exit(0));
  });
}

/** RFC 3550 A.8 interarrival jitter, per SSRC, from arrival times on this process's clock. */
function runSink(port: number): void {
  interface Stream {
    packets: number;
    arrival: number;
    timestamp: number;
    jitter: number;
    jitterSum: number;
    jitterMax: number;
  }
  const streams = new Map<number, Stream>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (packet) => {
    if (packet.length < 12) return;
    const arrival = (Number(process.hrtime.bigint()) / 1e9) * SAMPLE_RATE;
    const ssrc = packet.readUInt32BE(8);
    const timestamp = packet.readUInt32BE(4);
    const stream = streams.get(ssrc);
    if (!stream) {
      streams.set(ssrc, { packets: 1, arrival, timestamp, jitter: 0, jitterSum: 0, jitterMax: 0 });
      return;
    }
    // Difference of transit times; the RTP timestamp difference taken modulo 2^32 (it wraps).
    const d = Math.abs(arrival - stream.arrival - ((timestamp - stream.timestamp) | 0));
    stream.arrival = arrival;
    stream.timestamp = timestamp;
    stream.jitter += (d - stream.jitter) / 16;
    stream.packets++;
    stream.jitterSum += stream.jitter;
    stream.jitterMax = Math.max(stream.jitterMax, stream.jitter);
  });
  socket.bind(port, '127.0.0.1', () => process.stdout.write('sink ready\n'));
  // Measure only the capture window: the parent sends SIGUSR2 at its start, SIGTERM at its end.
  process.once('SIGUSR2', () => streams.clear());
  process.once('SIGTERM', () => {
    const all = [...streams.values()].filter((stream) => stream.packets > 1);
    const toMs = (units: number): number => (units / SAMPLE_RATE) * 1000;
    const summary: SinkSummary = {
      streams: all.length,
      packets: all.reduce((sum, stream) => sum + stream.packets, 0),
      meanJitterMs: mean(all.map((stream) => toMs(stream.jitterSum / (stream.packets - 1)))),
      maxJitterMs: Math.max(0, ...all.map((stream) => toMs(stream.jitterMax))),
    };
    process.stdout.write(`sink summary ${JSON.stringify(summary)}\n`);
    socket.close();
    process.exit(0);
  });
}

export interface MediaHoldOptions {
  sessions: number[];
  seconds: number;
  sink: boolean;
  spinMs?: number;
  rtpThread?: RtpThread;
  log: (line: string) => void;
}

async function runLevel(sessions: number, options: MediaHoldOptions, dir: string): Promise<MediaHoldFigures> {
  const sinkPort = await freeUdpPort();
  const lifetimeMs = (options.seconds + 90) * 1000;
  const self = __filename;
  const sink = options.sink
    ? spawnChild({ name: 'sink', command: process.execPath, args: [self, '--sink-child', String(sinkPort)], maxLifetimeMs: lifetimeMs })
    : undefined;
  await sink?.waitFor(/sink ready/, 10000);
  const spinArgs = options.spinMs === undefined ? [] : ['--spin-ms', String(options.spinMs)];
  if (options.rtpThread !== undefined) spinArgs.push('--rtp-thread', options.rtpThread);
  const sender = spawnChild({
    name: 'sender',
    command: process.execPath,
    args: [self, '--sender-child', String(sessions), String(sinkPort), ...spinArgs],
    maxLifetimeMs: lifetimeMs,
  });
  try {
    await sender.waitFor(/sender ready/, 60000);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const capture = await startRtpCapture(dir, sinkPort, options.seconds);
    const loadAverage = os.loadavg().map((value) => value.toFixed(2)).join(' ');
    if (sink) process.kill(sink.pid, 'SIGUSR2');
    const cpu = new CpuMeter(sender.pid);
    cpu.start();
    await capture.done;
    const cpuPercent = cpu.read();
    const cpuWaitPercent = cpu.waitPercent();
    let sinkSummary: SinkSummary | undefined;
    if (sink) {
      process.kill(sink.pid, 'SIGTERM');
      const match = await sink.waitFor(/sink summary (\{.*\})/, 10000);
      sinkSummary = JSON.parse(match[1]!) as SinkSummary;
    }
    await sender.stop();
    const { summary } = await analyseRtpCapture(capture.file, sinkPort);
    return { sessions, cpuPercent, cpuWaitPercent, loadAverage, wire: summary, sink: sinkSummary };
  } finally {
    await sender.stop();
    await sink?.stop();
  }
}

export async function runMediaHold(options: MediaHoldOptions): Promise<MediaHoldFigures[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-media-hold-'));
  const figures: MediaHoldFigures[] = [];
  try {
    for (const sessions of options.sessions) {
      const level = await runLevel(sessions, options, dir);
      options.log(formatLevel(level));
      figures.push(level);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export function formatLevel(level: MediaHoldFigures): string {
  const wire = level.wire;
  const sink = level.sink ? `; sink: mean jitter ${round(level.sink.meanJitterMs, 3)} ms, max ${round(level.sink.maxJitterMs, 2)} ms` : '';
  return (
    `${level.sessions} sessions: sender CPU ${round(level.cpuPercent)}% (waited ${round(level.cpuWaitPercent)}%), ` +
    `wire: ${wire.streams} streams, ${wire.lost} lost, mean jitter ${round(wire.meanJitterMs, 3)} ms, max jitter ${round(wire.maxJitterMs, 2)} ms, ` +
    `max delta ${wire.maxDeltaMs} ms${sink}; loadavg ${level.loadAverage}`
  );
}

/** Rows for bench/run.ts's summary: figure, measured, target, reference. */
export function summarizeMediaHold(levels: readonly MediaHoldFigures[]): string[][] {
  return levels.map((level) => [
    `media-hold: ${level.sessions} sessions, media engine alone`,
    `${round(level.cpuPercent)}% CPU (waited ${round(level.cpuWaitPercent)}%), ${round(level.wire.meanJitterMs, 2)} ms mean jitter, ${level.wire.lost} lost`,
    level.sessions === PARK_TARGETS.parked ? `< ${PARK_TARGETS.cpuPercent}% CPU, < ${PARK_TARGETS.meanJitterMs} ms` : '–',
    `load ${level.loadAverage}`,
  ]);
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function rtpThreadArg(args: string[]): RtpThread | undefined {
  const value = argValue(args, '--rtp-thread');
  if (value === undefined || value === 'worker' || value === 'main') return value;
  throw new TypeError(`--rtp-thread must be worker or main, got ${value}`);
}

async function main(args: string[]): Promise<void> {
  const senderAt = args.indexOf('--sender-child');
  if (senderAt >= 0) {
    const spin = argValue(args, '--spin-ms');
    await runSender(Number(args[senderAt + 1]), Number(args[senderAt + 2]), spin === undefined ? undefined : Number(spin), rtpThreadArg(args));
    return;
  }
  const sinkAt = args.indexOf('--sink-child');
  if (sinkAt >= 0) {
    runSink(Number(args[sinkAt + 1]));
    return;
  }
  installExitCleanup();
  const spin = argValue(args, '--spin-ms');
  await runMediaHold({
    sessions: (argValue(args, '--sessions') ?? '500,1000').split(',').map(Number),
    seconds: Number(argValue(args, '--seconds') ?? 10),
    sink: args.includes('--sink'),
    spinMs: spin === undefined ? undefined : Number(spin),
    rtpThread: rtpThreadArg(args),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  await stopAllChildren();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`media-hold: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    void stopAllChildren().finally(() => process.exit(1));
  });
}
