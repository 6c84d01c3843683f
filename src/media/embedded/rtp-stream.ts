import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { HoldSound } from '../types';
import { TIMESTAMP_STEP, type CodecName, type Frame } from './codecs';
import type { PacedStream, Pacer } from './pacer';
import type { Prompt, StreamControl, StreamMedia } from './rtp-host';
import type { CodecSounds } from './sound-bank';
import type { RemoteMedia } from './sdp';

/** A method was called in a state where it makes no sense (e.g. acceptAnswer on an answered session). */
export class HoldSessionStateError extends Error {
  override readonly name = 'HoldSessionStateError';
}

export interface RtpStreamDependencies {
  readonly socket: Socket;
  readonly pacer: Pacer;
  readonly sounds: ReadonlyMap<CodecName, CodecSounds>;
  readonly sound: HoldSound;
  readonly log: Logger;
  /** Called once, after the socket is closed. */
  readonly onClosed?: (stream: RtpStream) => void;
}

interface OneShot {
  readonly frames: readonly Frame[];
  position: number;
  readonly done: () => void;
}

interface PendingOneShot {
  readonly prompt: Prompt;
  readonly done: () => void;
}

const RTP_HEADER_BYTES = 12;
const RTP_VERSION_BITS = 0x80;
const MARKER_BIT = 0x80;

/**
 * One held party's RTP: a UDP socket, a stream paced by the shared clock, and what it plays.
 * Symmetric RTP (RFC 4961): once RTP arrives, we send to where it came from.
 */
export class RtpStream implements StreamControl, PacedStream {
  private readonly deps: RtpStreamDependencies;
  private readonly log: Logger;
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private readonly timestampBase = randomBytes(4).readUInt32BE(0);
  private sequence = randomBytes(2).readUInt16BE(0);
  private startTick = 0;
  private marker = true;

  private codec: CodecName | undefined;
  private payloadType = 0;
  private sounds: CodecSounds | undefined;
  private sending = false;
  private destination: { address: string; port: number } | undefined;
  /** SSRC of the peer stream we latched to; only that stream may move the destination again. */
  private latchedSsrc: number | undefined;

  private sound: HoldSound;
  private loopPosition = 0;
  private oneShot: OneShot | undefined;
  private pendingOneShot: PendingOneShot | undefined;
  private closed: Promise<void> | undefined;

  constructor(deps: RtpStreamDependencies) {
    this.deps = deps;
    this.sound = deps.sound;
    this.log = deps.log;
    deps.socket.on('message', this.onPacket);
    deps.socket.on('error', this.onSocketError);
  }

  /** Where packets go now (for tests and diagnostics). */
  get remote(): { address: string; port: number } | undefined {
    return this.destination;
  }

  start(media: StreamMedia): void {
    if (this.closed) return;
    const sounds = this.soundsFor(media.codec);
    this.codec = media.codec;
    this.payloadType = media.payloadType;
    this.sounds = sounds;
    this.sending = media.sending;
    this.setRemote(media.remote);
    this.log.debug({ codec: media.codec, payloadType: media.payloadType, sending: media.sending }, 'hold media started');
    if (this.pendingOneShot) {
      const pending = this.pendingOneShot;
      this.pendingOneShot = undefined;
      this.beginOneShot(framesOf(pending.prompt, sounds), pending.done);
    }
    this.startTick = this.deps.pacer.add(this);
  }

  update(media: StreamMedia): void {
    if (this.closed) return;
    if (this.codec === undefined) {
      this.start(media);
      return;
    }
    const sounds = this.soundsFor(media.codec);
    if (media.codec !== this.codec) {
      // A prompt encoded for the old codec cannot go on in the new one: cut it short.
      this.oneShot?.done();
      this.oneShot = undefined;
      this.codec = media.codec;
      this.sounds = sounds;
    }
    this.payloadType = media.payloadType;
    this.sending = media.sending;
    // The party moved (new address, port or SSRC): forget the old latch and follow the new offer.
    this.latchedSsrc = undefined;
    this.destination = undefined;
    this.marker = true;
    this.setRemote(media.remote);
  }

  play(sound: HoldSound): void {
    if (sound === this.sound) return;
    this.sound = sound;
    this.loopPosition = 0;
    if (!this.oneShot) this.marker = true;
  }

  playOnce(prompt: Prompt): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // A new prompt cuts short the one playing (or waiting); that one's promise resolves.
      this.pendingOneShot?.done();
      this.pendingOneShot = undefined;
      if (!this.sounds) {
        this.pendingOneShot = { prompt, done: resolve };
        return;
      }
      this.beginOneShot(framesOf(prompt, this.sounds), resolve);
    });
  }

  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  onLost(): void {
    // An in-thread stream only ends through close().
  }

  onTick(tick: number): void {
    // Playback advances with the clock even when nothing can be sent, so prompts still end.
    const frame = this.nextFrame();
    if (this.sending && this.destination) this.send(tick, frame, this.destination);
    this.finishOneShotIfDone();
  }

  private soundsFor(codec: CodecName): CodecSounds {
    const sounds = this.deps.sounds.get(codec);
    if (!sounds) throw new HoldSessionStateError(`no sounds encoded for ${codec}`);
    return sounds;
  }

  private send(tick: number, frame: Frame, to: { address: string; port: number }): void {
    const header = Buffer.allocUnsafe(RTP_HEADER_BYTES);
    header[0] = RTP_VERSION_BITS;
    header[1] = (this.marker ? MARKER_BIT : 0) | this.payloadType;
    header.writeUInt16BE(this.sequence, 2);
    header.writeUInt32BE((this.timestampBase + (tick - this.startTick) * TIMESTAMP_STEP) >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    this.marker = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    // No callback: on an unconnected UDP socket send errors carry no information we act on,
    // and a callback per packet costs a request object each time.
    this.deps.socket.send([header, frame], to.port, to.address);
  }

  private nextFrame(): Frame {
    const shot = this.oneShot;
    if (shot) return shot.frames[shot.position++]!;
    const loop = this.sounds!.loops[this.sound];
    const frame = loop[this.loopPosition % loop.length]!;
    this.loopPosition = (this.loopPosition + 1) % loop.length;
    return frame;
  }

  private finishOneShotIfDone(): void {
    const shot = this.oneShot;
    if (shot && shot.position >= shot.frames.length) {
      this.oneShot = undefined;
      this.marker = true;
      shot.done();
    }
  }

  private beginOneShot(frames: readonly Frame[], done: () => void): void {
    this.oneShot?.done();
    this.oneShot = frames.length > 0 ? { frames, position: 0, done } : undefined;
    if (!this.oneShot) done();
    this.marker = true;
  }

  private setRemote(remote: RemoteMedia): void {
    if (this.latchedSsrc !== undefined || remote.address === null) return;
    if (isIP(remote.address) !== 0) {
      this.destination = { address: remote.address, port: remote.port };
      return;
    }
    const family = this.deps.socket.address().family === 'IPv6' ? 6 : 4;
    lookup(remote.address, { family })
      .then(({ address }) => {
        if (this.latchedSsrc === undefined && !this.closed) this.destination = { address, port: remote.port };
      })
      .catch((err: unknown) => this.log.warn({ err, host: remote.address }, 'cannot resolve the media address; waiting for RTP to latch'));
  }

  private readonly onPacket = (packet: Buffer, from: RemoteInfo): void => {
    try {
      if (packet.length < RTP_HEADER_BYTES || (packet[0]! & 0xc0) !== RTP_VERSION_BITS) return;
      const payloadType = packet[1]! & 0x7f;
      if (payloadType >= 72 && payloadType <= 76) return; // RTCP multiplexed on the RTP port (RFC 5761 §4)
      const ssrc = packet.readUInt32BE(8);
      // Latch to the first stream, then follow only that SSRC (a NAT rebinding), so that a
      // stray or spoofed packet cannot turn our music towards somebody else.
      if (this.latchedSsrc !== undefined && ssrc !== this.latchedSsrc) return;
      const current = this.destination;
      this.latchedSsrc = ssrc;
      if (current && current.address === from.address && current.port === from.port) return;
      this.log.info({ from: `${from.address}:${from.port}`, was: current && `${current.address}:${current.port}` }, 'RTP latched to its source');
      this.destination = { address: from.address, port: from.port };
    } catch (err) {
      this.log.error({ err }, 'failed to handle an incoming RTP packet');
    }
  };

  private readonly onSocketError = (err: Error): void => {
    this.log.warn({ err }, 'RTP socket error');
  };

  private async shutDown(): Promise<void> {
    this.deps.pacer.remove(this);
    this.sending = false;
    this.pendingOneShot?.done();
    this.pendingOneShot = undefined;
    this.oneShot?.done();
    this.oneShot = undefined;
    const socket = this.deps.socket;
    socket.off('message', this.onPacket);
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch (err) {
        this.log.debug({ err }, 'RTP socket was already closed');
        resolve();
      }
    });
    socket.off('error', this.onSocketError);
    this.deps.onClosed?.(this);
    this.log.debug('hold media released');
  }
}

function framesOf(prompt: Prompt, sounds: CodecSounds): readonly Frame[] {
  return prompt.kind === 'announce' ? sounds.announcement(prompt.digits) : sounds.beep;
}
