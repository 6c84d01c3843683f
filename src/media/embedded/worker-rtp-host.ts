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

/** A worker that crashed is restarted at most this many times within RESTART_WINDOW_MS. */
export const MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 60_000;

/**
 * Bookkeeping of one stream on the main thread: what waits for the worker's answers, and what a
 * restarted worker needs to re-open it (port, last sound, last media).
 */
interface RemoteStream {
  readonly callId: string;
  readonly port: number;
  sound: HoldSound;
  media?: StreamMedia;
  opening?: { resolve: () => void; reject: (err: Error) => void };
  readonly prompts: Map<number, () => void>;
  closing?: () => void;
  lostCallbacks: Array<() => void>;
  lost: boolean;
  /** Opened on the current worker. */
  live: boolean;
  /** Its open was posted to the current worker. */
  posted: boolean;
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
 * signalling for the main event loop. A worker that dies on its own is restarted and every live
 * stream re-opened on its port with its last media and sound, so sessions do not notice (a prompt
 * that was playing ends early; a stream whose port cannot be bound again reports lost). After
 * MAX_RESTARTS restarts within RESTART_WINDOW_MS it is not restarted: every stream reports lost and
 * open() rejects with MediaUnavailableError. A worker that never became ready is not restarted either.
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
  const streams = new Map<number, RemoteStream>();
  let nextId = 1;
  let nextPrompt = 1;
  let gone: string | undefined;
  let stopping = false;
  /** The current worker has said 'ready' (it takes messages). */
  let running = false;
  let everReady = false;
  const restarts: number[] = [];
  const readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let worker = launch();

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
    if (streams.size === 0 && running) worker.unref();
    return stream;
  }

  const post = (message: ToWorker): void => {
    if (gone === undefined && running) worker.postMessage(message);
  };

  function postOpen(id: number, stream: RemoteStream): void {
    stream.posted = true;
    post({ type: 'open', id, callId: stream.callId, port: stream.port, sound: stream.sound });
  }

  /** Resolves the prompts the stream was playing or waiting to play: they were cut. */
  function cutPrompts(stream: RemoteStream): void {
    for (const done of stream.prompts.values()) done();
    stream.prompts.clear();
  }

  function markLost(stream: RemoteStream): void {
    cutPrompts(stream);
    stream.lost = true;
    for (const callback of stream.lostCallbacks.splice(0)) callback();
  }

  function loseStream(id: number, stream: RemoteStream): void {
    untrack(id);
    markLost(stream);
  }

  /** No worker any more: settle everything that waits for one. */
  function end(reason: string): void {
    if (gone !== undefined) return;
    gone = reason;
    running = false;
    for (const waiter of readyWaiters.splice(0)) waiter.reject(new MediaUnavailableError(reason));
    for (const stream of streams.values()) {
      stream.opening?.reject(new MediaUnavailableError(reason));
      stream.closing?.();
      markLost(stream);
    }
    streams.clear();
    worker.unref();
  }

  function launch(): Worker {
    const created = new Worker(rtpWorkerEntry(), { workerData: data });
    let crash: Error | undefined;
    created.on('message', (message: FromWorker) => {
      if (message.type === 'log') relayLogRecord(log, message.line);
      else if (created === worker && gone === undefined) receive(message);
    });
    // 'error' (an uncaught exception) is followed by 'exit': restart only once the old worker is
    // gone, so that its sockets are closed and their ports can be bound again.
    created.on('error', (err) => {
      crash = err;
    });
    created.on('exit', (code) => {
      if (created === worker) crashed(code, crash);
    });
    // Ref'd until 'ready' (start-up may be waiting for it with nothing else keeping the process up),
    // then only while it has streams: see track().
    options.onWorker?.(created);
    return created;
  }

  function crashed(code: number, err: Error | undefined): void {
    if (stopping || gone !== undefined) {
      end('embedded media is stopped');
      return;
    }
    const reason = err ? `RTP worker crashed: ${err.message}` : `RTP worker exited with code ${code}`;
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! <= now - RESTART_WINDOW_MS) restarts.shift();
    if (!everReady) {
      log.error({ err, code }, 'RTP worker crashed before it was ready: parked calls get no music, new parks get 503');
      end(reason);
      return;
    }
    if (restarts.length >= MAX_RESTARTS) {
      log.error(
        { err, code, restarts: restarts.length, windowMs: RESTART_WINDOW_MS },
        'RTP worker crashed and keeps crashing, not restarting it: parked calls lose their music, new parks get 503',
      );
      end(reason);
      return;
    }
    restarts.push(now);
    log.error({ err, code, streams: streams.size }, 'RTP worker crashed: restarting it, parked calls get their music back');
    running = false;
    for (const [id, stream] of streams) {
      // What was playing was cut; the new worker starts with the hold sound.
      cutPrompts(stream);
      if (stream.closing) {
        // Its socket died with the worker: closed.
        untrack(id);
        stream.closing();
        continue;
      }
      stream.live = false;
      stream.posted = false;
    }
    try {
      worker = launch();
    } catch (launchErr) {
      log.error({ err: launchErr }, 'cannot restart the RTP worker: parked calls lose their music, new parks get 503');
      end(reason);
    }
  }

  function receive(message: Exclude<FromWorker, { type: 'log' }>): void {
    switch (message.type) {
      case 'ready': {
        log.debug('RTP worker ready');
        if (everReady) log.info({ streams: streams.size }, 'RTP worker restarted: re-opening its streams');
        running = true;
        everReady = true;
        for (const waiter of readyWaiters.splice(0)) waiter.resolve();
        for (const [id, stream] of streams) if (!stream.posted) postOpen(id, stream);
        if (streams.size === 0) worker.unref();
        return;
      }
      case 'opened': {
        const stream = streams.get(message.id);
        if (!stream) return;
        stream.live = true;
        const opening = stream.opening;
        stream.opening = undefined;
        if (opening) opening.resolve();
        else if (stream.closing) post({ type: 'close', id: message.id });
        else if (stream.media) post({ type: 'start', id: message.id, media: stream.media });
        return;
      }
      case 'openFailed': {
        const stream = streams.get(message.id);
        if (!stream) return;
        if (stream.opening) {
          untrack(message.id);
          stream.opening.reject(new Error(message.message));
        } else if (stream.closing) {
          untrack(message.id);
          stream.closing();
        } else {
          log.error({ callId: stream.callId, port: stream.port, err: message.message }, 'RTP worker restarted but cannot re-open this stream: the call loses its music');
          loseStream(message.id, stream);
        }
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
        if (stream) cutPrompts(stream);
        stream?.closing?.();
      }
    }
  }

  function control(id: number, stream: RemoteStream): StreamControl {
    // The last media and sound are kept, to re-open the stream on a restarted worker; in between,
    // only they change.
    const send = (media: StreamMedia, type: 'start' | 'update'): void => {
      stream.media = media;
      if (stream.live) post({ type, id, media });
    };
    return {
      start: (media) => send(media, 'start'),
      update: (media) => send(media, 'update'),
      play(sound: HoldSound): void {
        stream.sound = sound;
        if (stream.live) post({ type: 'play', id, sound });
      },
      playOnce(prompt: Prompt): Promise<void> {
        // During a restart there is nothing to play it on: like a prompt the crash cut.
        if (stream.lost || stream.closing || !stream.live) return Promise.resolve();
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
          if (stream.live) post({ type: 'close', id });
          else if (!stream.posted) {
            // Waiting for a restarted worker: nothing is bound.
            untrack(id);
            resolve();
          }
          // Else its re-open is under way: closed once it is opened (or failed).
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
      const stream: RemoteStream = {
        callId: request.callId,
        port: request.port,
        sound: request.sound,
        prompts: new Map(),
        lostCallbacks: [],
        lost: false,
        live: false,
        posted: false,
      };
      track(id, stream);
      // Before the worker is ready (at start-up or during a restart) the open is posted once it is;
      // after a crash it is posted again to the new worker.
      await new Promise<void>((resolve, reject) => {
        stream.opening = { resolve, reject };
        if (running) postOpen(id, stream);
      });
      return control(id, stream);
    },
    ready(): Promise<void> {
      if (gone !== undefined) return Promise.reject(new MediaUnavailableError(gone));
      if (running) return Promise.resolve();
      return new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    async stop(): Promise<void> {
      stopping = true;
      await worker.terminate();
      end('embedded media is stopped');
    },
  };
}
