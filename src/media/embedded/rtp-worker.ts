/**
 * Entry of the RTP worker thread (node:worker_threads): runs the sockets, the pacer and the
 * playback of every hold session with an in-thread RtpHost, driven by ToWorker messages. Loaded
 * as compiled JavaScript only (see worker-rtp-host.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PCMA, PCMU, type Codec } from './codecs';
import { G722 } from './g722';
import { createLocalRtpHost } from './local-rtp-host';
import type { StreamControl } from './rtp-host';
import type { FromWorker, RtpWorkerData, ToWorker } from './rtp-worker-protocol';
import { createForwardingLogger } from './worker-log';

const CODECS: readonly Codec[] = [PCMU, PCMA, G722];

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('rtp-worker must run in a worker thread');
  const data = workerData as RtpWorkerData;
  const post = (message: FromWorker): void => port.postMessage(message);
  const log = createForwardingLogger(data.logLevel, (line) => post({ type: 'log', line }));
  const codecs = data.codecs.map((name) => {
    const codec = CODECS.find((c) => c.name === name);
    if (!codec) throw new TypeError(`unknown codec ${name}`);
    return codec;
  });
  const host = createLocalRtpHost({ address: data.address, codecs, files: data.files, log, pacerSpinMs: data.pacerSpinMs });
  const streams = new Map<number, StreamControl>();

  function withStream(id: number, operation: string, action: (stream: StreamControl) => void): void {
    const stream = streams.get(id);
    // A message may cross a close (e.g. play() right after release()): nothing to do.
    if (!stream) return;
    try {
      action(stream);
    } catch (err) {
      log.error({ err, operation }, 'RTP worker: session operation failed');
    }
  }

  function handle(message: ToWorker): void {
    switch (message.type) {
      case 'open':
        host.open({ callId: message.callId, port: message.port, sound: message.sound }).then(
          (stream) => {
            streams.set(message.id, stream);
            post({ type: 'opened', id: message.id });
          },
          (err: unknown) => post({ type: 'openFailed', id: message.id, message: err instanceof Error ? err.message : String(err) }),
        );
        return;
      case 'start':
        withStream(message.id, 'start', (stream) => stream.start(message.media));
        return;
      case 'update':
        withStream(message.id, 'update', (stream) => stream.update(message.media));
        return;
      case 'play':
        withStream(message.id, 'play', (stream) => stream.play(message.sound));
        return;
      case 'prompt':
        withStream(message.id, 'prompt', (stream) => {
          void stream.playOnce(message.prompt).then(() => post({ type: 'promptDone', id: message.id, request: message.request }));
        });
        return;
      case 'close': {
        const stream = streams.get(message.id);
        streams.delete(message.id);
        void (stream ? stream.close() : Promise.resolve()).then(() => post({ type: 'closed', id: message.id }));
        return;
      }
      default:
        // A message this worker does not know is a bug on the main thread's side: crash loudly.
        throw new TypeError(`RTP worker: unknown message ${JSON.stringify(message)}`);
    }
  }

  port.on('message', handle);
  post({ type: 'ready' });
}

run();
