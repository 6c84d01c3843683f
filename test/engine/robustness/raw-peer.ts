/**
 * A raw SIP peer for robustness tests: sends bytes over UDP from its own loopback address and
 * collects what comes back, parsed with the engine's message layer.
 *
 * Torture messages carry Vias such as `SIP/2.0/UDP 192.0.2.1;branch=…` without rport, so the
 * engine answers to `received` (the packet's source address) at the sent-by port, 5060 by default
 * (RFC 3261 §18.2.2). The peer therefore lives on a random 127.x.y.z and binds that address on
 * every port a reply may go to, sending from 5060. Nothing ever leaves the loopback range.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { parseMessage, SipResponse } from '../../../src/engine/message';

export interface ReceivedResponse {
  response: SipResponse;
  at: number;
}

/**
 * A response as the peer sees it. A 400 to a malformed request copies the malformed headers
 * (RFC 3261 §8.2.6.2), so when the strict parser refuses it, the status line and Call-ID are read
 * leniently; anything without a SIP status line is junk.
 */
export function readResponse(data: Buffer): SipResponse | undefined {
  try {
    const message = parseMessage(data);
    return message instanceof SipResponse ? message : undefined;
  } catch {
    const text = data.toString('latin1');
    const status = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)\r\n/.exec(text);
    if (status === null) return undefined;
    const response = new SipResponse(Number(status[1]), status[2]!);
    const callId = /^(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r$/im.exec(text)?.[1];
    if (callId !== undefined) response.append('Call-ID', callId);
    return response;
  }
}

/** Ports a torture message's reply can be sent to (Via sent-by ports in the RFC 4475 archive). */
const REPLY_PORTS = [5060, 5050];

function bind(socket: dgram.Socket, port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => resolve(false);
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve(true);
    });
  });
}

export class RawUdpPeer {
  readonly responses: ReceivedResponse[] = [];
  /** Datagrams that were not parseable responses (must stay empty: the engine never sends junk). */
  readonly junk: Buffer[] = [];

  private constructor(
    readonly address: string,
    private readonly sockets: dgram.Socket[],
  ) {
    for (const socket of sockets) {
      socket.on('message', (data) => {
        const response = readResponse(data);
        if (response !== undefined) this.responses.push({ response, at: Date.now() });
        else this.junk.push(data);
      });
    }
  }

  /** Binds a random 127.x.y.z on every reply port (tries a few addresses if one is taken). */
  static async open(ports: readonly number[] = REPLY_PORTS): Promise<RawUdpPeer> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const address = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
      const sockets: dgram.Socket[] = [];
      let ok = true;
      for (const port of ports) {
        const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
        sockets.push(socket);
        if (!(await bind(socket, port, address))) {
          ok = false;
          break;
        }
      }
      if (ok) return new RawUdpPeer(address, sockets);
      for (const socket of sockets) socket.close();
    }
    throw new Error('no free loopback address for the raw peer');
  }

  send(data: Buffer, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.sockets[0]!.send(data, port, host, (error) => (error ? reject(error) : resolve())));
  }

  /** Final responses (≥ 200) with this Call-ID received so far. */
  finals(callId: string): SipResponse[] {
    return this.responses.filter((r) => r.response.status >= 200 && r.response.get('call-id') === callId).map((r) => r.response);
  }

  /** Waits for the first final response with this Call-ID, or undefined after `timeoutMs`. */
  async waitForFinal(callId: string, timeoutMs: number): Promise<SipResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.finals(callId)[0];
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.finals(callId)[0];
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

/** A TCP connection to the engine collecting framed responses and noticing when the engine closes it. */
export class RawTcpPeer {
  readonly responses: SipResponse[] = [];
  closedByPeer = false;
  private buffered = Buffer.alloc(0);

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.frame();
    });
    socket.on('close', () => {
      this.closedByPeer = true;
    });
    socket.on('error', () => undefined);
  }

  /** The engine always writes a correct Content-Length, so framing by it is enough here. */
  private frame(): void {
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.buffered.subarray(0, end).toString('latin1');
      const length = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? '0');
      const total = end + 4 + length;
      if (this.buffered.length < total) return;
      const response = readResponse(this.buffered.subarray(0, total));
      if (response !== undefined) this.responses.push(response);
      this.buffered = this.buffered.subarray(total);
    }
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawTcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawTcpPeer(socket));
      });
    });
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate()) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return predicate();
  }

  finalFor(callId: string): SipResponse | undefined {
    return this.responses.find((r) => r.status >= 200 && r.get('call-id') === callId);
  }

  close(): void {
    this.socket.destroy();
  }
}
