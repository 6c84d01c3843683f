import dgram from 'node:dgram';
import net from 'node:net';
import pino from 'pino';

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { log: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => raw.push(line) });
  return { log, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A raw UDP peer that records what it receives. */
export class UdpPeer {
  readonly received: Array<{ text: string; port: number; address: string }> = [];
  private constructor(readonly socket: dgram.Socket, readonly host: string) {
    socket.on('message', (data, rinfo) => this.received.push({ text: data.toString('utf8'), port: rinfo.port, address: rinfo.address }));
  }
  static async open(host: string): Promise<UdpPeer> {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
    return new UdpPeer(socket, host);
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(text: string | Buffer, port: number, host = this.host): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(text, port, host, (error) => (error ? reject(error) : resolve())));
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A raw TCP client that records what it receives and whether it was closed. */
export class TcpPeer {
  data = '';
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => (this.data += chunk.toString('utf8')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  static connect(host: string, port: number): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new TcpPeer(socket)));
      socket.once('error', reject);
    });
  }
  write(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(text, (error) => (error ? reject(error) : resolve())));
  }
  close(): void {
    this.socket.destroy();
  }
}

export function request(
  method: string,
  viaHost: string,
  viaPort: number,
  options: { transport?: string; rport?: boolean; branch?: string; body?: string; cseq?: string } = {},
): string {
  const body = options.body ?? '';
  const host = viaHost.includes(':') ? `[${viaHost}]` : viaHost;
  return (
    `${method} sip:bob@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/${options.transport ?? 'UDP'} ${host}:${viaPort};branch=${options.branch ?? 'z9hG4bK-raw-1'}${options.rport === false ? '' : ';rport'}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.com>;tag=a1\r\n' +
    'To: <sip:bob@example.com>\r\n' +
    'Call-ID: raw-call-1\r\n' +
    `CSeq: ${options.cseq ?? `1 ${method}`}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

/** The status line and header lines of each response in a byte stream or datagram. */
export function statusLines(text: string): string[] {
  return text.split('\r\n').filter((line) => line.startsWith('SIP/2.0 '));
}
