import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

export interface RtpPacket {
  readonly version: number;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
  readonly arrivedAt: number;
}

export function parseRtp(data: Buffer, arrivedAt = performance.now()): RtpPacket {
  return {
    version: data[0]! >> 6,
    marker: (data[1]! & 0x80) !== 0,
    payloadType: data[1]! & 0x7f,
    sequence: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    payload: data.subarray(12),
    arrivedAt,
  };
}

/** A UDP socket on loopback standing in for a phone's RTP port. */
export class RtpPeer {
  readonly packets: RtpPacket[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (data: Buffer) => {
      this.packets.push(parseRtp(Buffer.from(data)));
      for (const wake of this.waiters) wake();
    });
  }

  static async open(address = '127.0.0.1'): Promise<RtpPeer> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RtpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves once `count` packets in total have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 5000): Promise<RtpPacket[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.packets.length < count) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(this.packets.slice(0, count));
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new Error(`only ${this.packets.length} of ${count} RTP packets within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.push(wake);
    });
  }

  /** Sends a minimal RTP packet (PCMU, 160 bytes of silence) to the given port. */
  sendRtp(port: number, address = '127.0.0.1', ssrc = 0x1234): Promise<void> {
    const packet = Buffer.alloc(172, 0xff);
    packet[0] = 0x80;
    packet[1] = 0;
    packet.writeUInt16BE(1, 2);
    packet.writeUInt32BE(0, 4);
    packet.writeUInt32BE(ssrc, 8);
    return new Promise((resolve, reject) => this.socket.send(packet, port, address, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export function offerSdp(port: number, payloads = '0 8 101', address = '127.0.0.1', extra: string[] = []): string {
  const ip = address.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=test 1 1 IN ${ip} ${address}`,
    's=test',
    `c=IN ${ip} ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${payloads}`,
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    ...extra,
    '',
  ].join('\r\n');
}

/** The RTP port from an SDP's m=audio line. */
export function audioPort(sdp: string): number {
  const match = /^m=audio (\d+) /m.exec(sdp);
  if (!match) throw new Error(`no m=audio in ${sdp}`);
  return Number(match[1]);
}
