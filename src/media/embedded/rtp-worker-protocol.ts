/**
 * Messages between the main thread and the RTP worker: one per session operation, never one per
 * packet. Sessions are numbered by the main thread.
 */
import type { HoldSound } from '../types';
import type { CodecName } from './codecs';
import type { Prompt, StreamMedia } from './rtp-host';
import type { SoundFiles } from './sound-bank';

/** What the worker is started with (`workerData`). */
export interface RtpWorkerData {
  readonly address: string;
  readonly codecs: readonly CodecName[];
  readonly files: SoundFiles;
  readonly pacerSpinMs?: number;
  /** The main thread's pino level; the worker forwards only records at or above it. */
  readonly logLevel: string;
}

export type ToWorker =
  | { readonly type: 'open'; readonly id: number; readonly callId: string; readonly port: number; readonly sound: HoldSound }
  | { readonly type: 'start' | 'update'; readonly id: number; readonly media: StreamMedia }
  | { readonly type: 'play'; readonly id: number; readonly sound: HoldSound }
  | { readonly type: 'prompt'; readonly id: number; readonly request: number; readonly prompt: Prompt }
  | { readonly type: 'close'; readonly id: number };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'opened'; readonly id: number }
  | { readonly type: 'openFailed'; readonly id: number; readonly message: string }
  | { readonly type: 'promptDone'; readonly id: number; readonly request: number }
  | { readonly type: 'closed'; readonly id: number }
  /** One pino record (a JSON line) for the main thread's logger. */
  | { readonly type: 'log'; readonly line: string };
