import dgram from 'node:dgram';

export interface RtpPacketInfo {
  at: number;
  payloadType: number;
  ssrc: number;
  sequence: number;
  from: string;
}

/** A UDP socket that records the RTP packets sent to it (music on hold checks). */
export class RtpProbe {
  readonly packets: RtpPacketInfo[] = [];
  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
      this.packets.push({
        at: Date.now(),
        payloadType: msg[1]! & 0x7f,
        sequence: msg.readUInt16BE(2),
        ssrc: msg.readUInt32BE(8),
        from: `${rinfo.address}:${rinfo.port}`,
      });
    });
  }

  static async open(host = '127.0.0.1'): Promise<RtpProbe> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new RtpProbe(socket, socket.address().port);
  }

  /** Median gap between consecutive packets, ms. */
  medianIntervalMs(): number {
    const gaps = this.packets.slice(1).map((p, i) => p.at - this.packets[i]!.at).sort((a, b) => a - b);
    return gaps.length === 0 ? NaN : gaps[Math.floor(gaps.length / 2)]!;
  }

  payloadTypes(): number[] {
    return [...new Set(this.packets.map((p) => p.payloadType))];
  }

  async waitForPackets(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.packets.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
