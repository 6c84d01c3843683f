/**
 * A minimal scripted SIP user agent over UDP on 127.0.0.1 for behaviours SIPp scenarios express
 * badly (stale tags, CANCEL races, re-sent 2xx): builds requests and responses as text, records
 * everything it receives, and answers the engine's BYEs with 200.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { parseMessage, SipRequest, SipResponse, type AnySipMessage } from '../../../src/engine/message';

export interface Received {
  message: AnySipMessage;
  at: number;
}

export interface RequestSpec {
  method: string;
  uri: string;
  callId: string;
  fromTag: string;
  toTag?: string;
  cseq: number;
  branch?: string;
  headers?: string[];
  body?: string;
}

export function randomToken(): string {
  return randomBytes(6).toString('hex');
}

export class RawUa {
  readonly received: Received[] = [];
  /** Answers to requests from the engine; default 200 for BYE, nothing for others. */
  answer: (request: SipRequest) => number | undefined = (request) => (request.method === 'BYE' ? 200 : undefined);

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {
    socket.on('message', (data) => {
      let message: AnySipMessage;
      try {
        message = parseMessage(data);
      } catch {
        return;
      }
      this.received.push({ message, at: Date.now() });
      if (message instanceof SipRequest && message.method !== 'ACK') {
        const status = this.answer(message);
        if (status !== undefined) void this.sendRaw(responseTo(message, status, randomToken()));
      }
    });
  }

  static open(): Promise<RawUa> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, '127.0.0.1', () => resolve(new RawUa(socket, socket.address().port)));
    });
  }

  get uri(): string {
    return `sip:raw@127.0.0.1:${this.port}`;
  }

  sendRaw(text: string, port = this.target): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(Buffer.from(text), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }

  /** Engine port the requests go to. */
  target = 0;

  request(spec: RequestSpec): Promise<void> {
    const body = spec.body ?? '';
    const lines = [
      `${spec.method} ${spec.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};rport;branch=${spec.branch ?? `z9hG4bK${randomToken()}`}`,
      'Max-Forwards: 70',
      `From: <sip:raw@127.0.0.1>;tag=${spec.fromTag}`,
      `To: <${spec.uri}>${spec.toTag === undefined ? '' : `;tag=${spec.toTag}`}`,
      `Call-ID: ${spec.callId}`,
      `CSeq: ${spec.cseq} ${spec.method === 'ACK' || spec.method === 'CANCEL' ? spec.method : spec.method}`,
      `Contact: <sip:raw@127.0.0.1:${this.port}>`,
      ...(spec.headers ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    return this.sendRaw(lines.join('\r\n'));
  }

  responses(callId: string, method?: string): SipResponse[] {
    return this.received
      .map((r) => r.message)
      .filter((m): m is SipResponse => m instanceof SipResponse && m.callId === callId && (method === undefined || (m.get('cseq') ?? '').endsWith(method)));
  }

  requests(method: string, callId?: string): SipRequest[] {
    return this.received
      .map((r) => r.message)
      .filter((m): m is SipRequest => m instanceof SipRequest && m.method === method && (callId === undefined || m.callId === callId));
  }

  async waitFor<T>(find: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('raw UA: timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  finalResponse(callId: string, method: string, timeoutMs = 5000): Promise<SipResponse> {
    return this.waitFor(() => this.responses(callId, method).find((r) => r.status >= 200), timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** RFC 3261 §8.2.6: a response echoing Via, From, To (+ tag), Call-ID and CSeq. */
export function responseTo(request: SipRequest, status: number, toTag: string, extra: string[] = [], body = ''): string {
  const to = request.get('to') ?? '';
  const lines = [
    `SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Whatever'}`,
    ...request.getAll('via').map((via) => `Via: ${via}`),
    `From: ${request.get('from') ?? ''}`,
    `To: ${/;\s*tag=/i.test(to) || status === 100 ? to : `${to};tag=${toTag}`}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.get('cseq') ?? ''}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}
