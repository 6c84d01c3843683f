import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { MediaUnavailableError, type HoldSound } from '../types';
import type { CodecName } from './codecs';
import type { OpenRequest, Prompt, RtpHost, StreamControl, StreamMedia } from './rtp-host';
import type { FromWorker, RtpWorkerData, ToWorker } from './rtp-worker-protocol';
import type { SoundFiles } from './sound-bank';
import { relayLogRecord } from './worker-log';

export interface WorkerRtpHostOptions {
  readonly address: string;
  readonly codecs: readonly CodecName[];
  readonly files: SoundFiles;
  readonly log: Logger;
  readonly pacerSpinMs?: number;
  /** Sees the worker once it is created (tests, diagnostics). */
  readonly onWorker?: (worker: Worker) => void;
}

/** Bookkeeping of one stream on the main thread: what waits for the worker's answers. */
interface RemoteStream {
  opening?: { resolve: () => void; reject: (err: Error) => void };
  readonly prompts: Map<number, () => void>;
  closing?: () => void;
  lostCallbacks: Array<() => void>;
  lost: boolean;
}

/**
 * The compiled worker entry. Under ts-jest this module is TypeScript source and the worker cannot
 * load .ts, so use the build output under dist/ (`npm run build` first); in dist, the file next to
 * this one.
 */
export function rtpWorkerEntry(): string {
  if (!__filename.endsWith('.ts')) return join(__dirname, 'rtp-worker.js');
  let root = __dirname;
  while (!existsSync(join(root, 'package.json'))) {
    const parent = dirname(root);
    if (parent === root) throw new Error(`no package.json above ${__dirname}`);
    root = parent;
  }
  const compiled = join(root, 'dist', relative(root, __dirname), 'rtp-worker.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} not found: run \`npm run build\` first (the RTP worker runs compiled code)`);
  return compiled;
}

/**
 * Runs the RTP streams in a worker thread, so that sending music does not compete with SIP
 * signalling for the main event loop. A crash of the worker is logged at error, ends every
 * stream (onLost) and makes open() reject with MediaUnavailableError; it is not restarted.
 */
export function createWorkerRtpHost(options: WorkerRtpHostOptions): RtpHost {
  const { log } = options;
  const data: RtpWorkerData = {
    address: options.address,
    codecs: options.codecs,
    files: options.files,
    logLevel: log.level,
    ...(options.pacerSpinMs === undefined ? {} : { pacerSpinMs: options.pacerSpinMs }),
  };
  const worker = new Worker(rtpWorkerEntry(), { workerData: data });
  const streams = new Map<number, RemoteStream>();
  let nextId = 1;
  let nextPrompt = 1;
  let gone: string | undefined;
  let stopping = false;
  let started = false;
  let markReady: () => void = () => undefined;
  let markFailed: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined);

  /**
   * Like the sockets of the in-thread engine, the worker keeps the process alive only while it has
   * streams (or a pending open) or is starting; an idle one does not.
   */
  function track(id: number, stream: RemoteStream): void {
    streams.set(id, stream);
    worker.ref();
  }

  function untrack(id: number): RemoteStream | undefined {
    const stream = streams.get(id);
    streams.delete(id);
    if (streams.size === 0 && started) worker.unref();
    return stream;
  }

  const post = (message: ToWorker): void => {
    if (gone === undefined) worker.postMessage(message);
  };

  /** The worker is gone: settle everything that waits for it. */
  function end(reason: string): void {
    if (gone !== undefined) return;
    gone = reason;
    markFailed(new MediaUnavailableError(reason));
    for (const stream of streams.values()) {
      stream.opening?.reject(new MediaUnavailableError(reason));
      for (const done of stream.prompts.values()) done();
      stream.prompts.clear();
      stream.closing?.();
      stream.lost = true;
      for (const callback of stream.lostCallbacks.splice(0)) callback();
    }
    streams.clear();
    worker.unref();
  }

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'log':
        relayLogRecord(log, message.line);
        return;
      case 'ready':
        log.debug('RTP worker ready');
        started = true;
        markReady();
        if (streams.size === 0) worker.unref();
        return;
      case 'opened':
        streams.get(message.id)?.opening?.resolve();
        return;
      case 'openFailed': {
        const stream = untrack(message.id);
        stream?.opening?.reject(new Error(message.message));
        return;
      }
      case 'promptDone': {
        const prompts = streams.get(message.id)?.prompts;
        prompts?.get(message.request)?.();
        prompts?.delete(message.request);
        return;
      }
      case 'closed': {
        const stream = untrack(message.id);
        if (stream) for (const done of stream.prompts.values()) done();
        stream?.closing?.();
      }
    }
  });
  worker.on('error', (err) => {
    log.error({ err }, 'RTP worker crashed: parked calls lose their music, new parks get 503');
    end(`RTP worker crashed: ${err.message}`);
  });
  worker.on('exit', (code) => {
    if (!stopping && gone === undefined) log.error({ code }, 'RTP worker exited unexpectedly: parked calls lose their music, new parks get 503');
    end(stopping ? 'embedded media is stopped' : `RTP worker exited with code ${code}`);
  });
  // Ref'd until 'ready' (start-up may be waiting for it with nothing else keeping the process up),
  // then only while it has streams: see track().
  options.onWorker?.(worker);

  function control(id: number, stream: RemoteStream): StreamControl {
    const send = (media: StreamMedia, type: 'start' | 'update'): void => post({ type, id, media });
    return {
      start: (media) => send(media, 'start'),
      update: (media) => send(media, 'update'),
      play: (sound: HoldSound) => post({ type: 'play', id, sound }),
      playOnce(prompt: Prompt): Promise<void> {
        if (stream.lost || stream.closing) return Promise.resolve();
        const request = nextPrompt++;
        return new Promise<void>((resolve) => {
          stream.prompts.set(request, resolve);
          post({ type: 'prompt', id, request, prompt });
        });
      },
      close(): Promise<void> {
        if (stream.lost) return Promise.resolve();
        return new Promise<void>((resolve) => {
          stream.closing = resolve;
          post({ type: 'close', id });
        });
      },
      onLost(callback: () => void): void {
        if (stream.lost) queueMicrotask(callback);
        else stream.lostCallbacks.push(callback);
      },
    };
  }

  return {
    async open(request: OpenRequest): Promise<StreamControl> {
      if (gone !== undefined) throw new MediaUnavailableError(gone);
      const id = nextId++;
      const stream: RemoteStream = { prompts: new Map(), lostCallbacks: [], lost: false };
      track(id, stream);
      try {
        await ready;
      } catch (err) {
        untrack(id);
        throw err;
      }
      await new Promise<void>((resolve, reject) => {
        if (gone !== undefined) {
          reject(new MediaUnavailableError(gone));
          return;
        }
        stream.opening = { resolve, reject };
        post({ type: 'open', id, callId: request.callId, port: request.port, sound: request.sound });
      });
      stream.opening = undefined;
      return control(id, stream);
    },
    ready: () => ready,
    async stop(): Promise<void> {
      stopping = true;
      await worker.terminate();
      end('embedded media is stopped');
    },
  };
}
