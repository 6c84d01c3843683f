/**
 * baresip 1.0 (Debian `baresip-core`) as a real softphone in tests: one headless instance per
 * call party, its own config directory in a temp dir, SIP and RTP on loopback ports that are
 * free, a WAV file as the microphone, and JSON control over TCP (netstrings, module ctrl_tcp).
 * Every instance runs under coreutils `timeout` and is killed by PID in `stop()`.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, freePortRange } from './ports';
import { spawnBounded, waitForListeningPort, type BoundedProcess } from './process';

const MODULE_PATH = '/usr/lib/baresip/modules';
const HOST = '127.0.0.1';

export interface BaresipOptions {
  /** User part of the account AOR, e.g. `101`. */
  user: string;
  displayName?: string;
  /** 8 kHz mono 16-bit WAV sent as the microphone. */
  audioFile: string;
  /** Where received audio is written (default /dev/null). */
  recordFile?: string;
  /** Hard bound on the process (coreutils timeout), seconds. Default 60. */
  timeoutSeconds?: number;
  /** Auto-answer incoming calls (default true). */
  autoAnswer?: boolean;
  /**
   * Outbound proxy (`host:port`): every request of the account, in and out of dialogs, goes there
   * first (account parameter `outbound`), as a desk phone configured with only a proxy does.
   */
  outboundProxy?: string;
}

/** An event baresip pushed over the control socket (`{"event":true,"type":…}`). */
export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly peeruri?: string;
  readonly id?: string;
  readonly param?: string;
  readonly direction?: string;
  readonly rtcp_stats?: unknown;
  readonly at: number;
}

/** The answer to one command (`{"response":true,"ok":…,"data":…}`). */
export interface BaresipResponse {
  readonly ok: boolean;
  readonly data: string;
}

export class BaresipError extends Error {
  override readonly name = 'BaresipError';
}

/** Splits a byte stream into netstring payloads (`LEN:DATA,`). */
export class NetstringReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) break;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length) || length < 0) throw new BaresipError(`bad netstring length: ${this.buffer.subarray(0, colon).toString()}`);
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) break;
      out.push(this.buffer.subarray(colon + 1, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
    }
    return out;
  }
}

export function netstring(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function configText(options: BaresipOptions, sipPort: number, rtpFirst: number, controlPort: number): string {
  return [
    `module_path ${MODULE_PATH}`,
    `sip_listen ${HOST}:${sipPort}`,
    `net_interface ${HOST}`,
    `rtp_ports ${rtpFirst}-${rtpFirst + 9}`,
    `audio_source aufile,${options.audioFile}`,
    `audio_player aufile,${options.recordFile ?? '/dev/null'}`,
    'ausrc_srate 8000',
    'ausrc_channels 1',
    'module g711.so',
    'module aufile.so',
    'module_tmp account.so',
    'module_app contact.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen ${HOST}:${controlPort}`,
    '',
  ].join('\n');
}

type Waiter = { match: (event: BaresipEvent) => boolean; resolve: (event: BaresipEvent) => void };

export class Baresip {
  readonly events: BaresipEvent[] = [];
  private readonly reader = new NetstringReader();
  private readonly pending = new Map<string, (response: BaresipResponse) => void>();
  private readonly waiters = new Set<Waiter>();
  private nextToken = 1;

  private constructor(
    readonly user: string,
    readonly sipPort: number,
    readonly configDir: string,
    private readonly process: BoundedProcess,
    private readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.reader.push(chunk)) this.receive(payload);
    });
    socket.on('error', () => undefined);
  }

  /** The account's AOR with its port: where a peer-to-peer call reaches this phone. */
  get uri(): string {
    return `sip:${this.user}@${HOST}:${this.sipPort}`;
  }

  get pid(): number {
    return this.process.pid;
  }

  /** baresip's output: with `-s`, every SIP message it sent and received. */
  output(): string {
    return this.process.stdout() + this.process.stderr();
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    // SIP binds UDP and TCP on the port and TLS (TCP) on port + 1.
    const sipPort = await freePortRange(2, 'both');
    const rtpFirst = await freePortRange(10, 'udp');
    const controlPort = await freePort('tcp');
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), `baresip-${options.user}-`));
    fs.writeFileSync(path.join(configDir, 'config'), configText(options, sipPort, rtpFirst, controlPort));
    const name = options.displayName === undefined ? '' : `"${options.displayName}" `;
    const answer = options.autoAnswer === false ? 'manual' : 'auto';
    const outbound = options.outboundProxy === undefined ? '' : `;outbound="sip:${options.outboundProxy}"`;
    fs.writeFileSync(path.join(configDir, 'accounts'), `${name}<sip:${options.user}@${HOST}:${sipPort}>;regint=0;answermode=${answer}${outbound}\n`);
    fs.writeFileSync(path.join(configDir, 'contacts'), '');
    const child = spawnBounded('baresip', ['-f', configDir, '-s'], { timeoutSeconds: options.timeoutSeconds ?? 60 });
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    const ready = await waitForListeningPort({ protocol: 'tcp', port: controlPort, timeoutMs: 10000, stillRunning: () => !exited });
    if (!ready) {
      await child.stop('SIGKILL');
      throw new BaresipError(`baresip ${options.user} did not open its control port ${controlPort}:\n${child.stdout()}${child.stderr()}`);
    }
    const socket = net.connect({ host: HOST, port: controlPort });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Baresip(options.user, sipPort, configDir, child, socket);
  }

  private receive(payload: string): void {
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    if (!isRecord(message)) return;
    if (message.response === true) {
      const token = text(message.token);
      const resolve = token === undefined ? undefined : this.pending.get(token);
      if (token !== undefined) this.pending.delete(token);
      resolve?.({ ok: message.ok === true, data: text(message.data) ?? '' });
      return;
    }
    if (message.event !== true) return;
    const event: BaresipEvent = {
      type: text(message.type) ?? 'UNKNOWN',
      class: text(message.class),
      peeruri: text(message.peeruri),
      id: text(message.id),
      param: text(message.param),
      direction: text(message.direction),
      rtcp_stats: message.rtcp_stats,
      at: Date.now(),
    };
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(event)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(event);
    }
  }

  /** Send a control command (`dial`, `transfer`, `hangup`, `quit`, …) and wait for its answer. */
  command(command: string, params?: string, timeoutMs = 5000): Promise<BaresipResponse> {
    const token = String(this.nextToken++);
    const body = JSON.stringify(params === undefined ? { command, token } : { command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new BaresipError(`baresip ${this.user}: no answer to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.socket.write(netstring(body));
    });
  }

  dial(uri: string): Promise<BaresipResponse> {
    return this.command('dial', uri);
  }

  /** Blind transfer (REFER) of the current call. */
  transfer(uri: string): Promise<BaresipResponse> {
    return this.command('transfer', uri);
  }

  hangup(): Promise<BaresipResponse> {
    return this.command('hangup');
  }

  /**
   * The first event of `type` (matching `match`) received from `since` (an index into `events`,
   * default 0), waiting up to `timeoutMs` for it.
   */
  waitForEvent(type: string, options: { since?: number; timeoutMs?: number; match?: (event: BaresipEvent) => boolean } = {}): Promise<BaresipEvent> {
    const match = (event: BaresipEvent): boolean => event.type === type && (options.match?.(event) ?? true);
    const seen = this.events.slice(options.since ?? 0).find(match);
    if (seen) return Promise.resolve(seen);
    const timeoutMs = options.timeoutMs ?? 10000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seenTypes = this.events.map((event) => event.type).join(', ');
        reject(new BaresipError(`baresip ${this.user}: no ${type} within ${timeoutMs} ms (events: ${seenTypes})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Ask baresip to quit, then make sure by PID; removes the config directory. */
  async stop(): Promise<void> {
    if (!this.socket.destroyed) {
      await this.command('quit', undefined, 2000).catch(() => undefined);
      this.socket.destroy();
    }
    await this.process.stop('SIGTERM', 3000);
    fs.rmSync(this.configDir, { recursive: true, force: true });
  }
}
