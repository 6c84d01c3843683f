/**
 * Many transferred callers (C, with Referred-By) on one UDP socket: each INVITEs the park
 * extension, ACKs its final response and can hang up. Raw SIP, so a test can send a burst of
 * INVITEs in one turn, which SIPp's rate scheduler would spread.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface FinalResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
}

interface Call {
  readonly callId: string;
  readonly fromTag: string;
  readonly branch: string;
  toHeader?: string;
  contact?: string;
  final?: FinalResponse;
  onFinal?: (response: FinalResponse) => void;
  onByeAnswer?: (status: number) => void;
}

function parse(text: string): { status: number; headers: Map<string, string> } | undefined {
  const [head] = text.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const match = /^SIP\/2\.0 (\d{3})/.exec(lines[0]!);
  if (!match) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(match[1]), headers };
}

const SDP = (port: number): string =>
  `v=0\r\no=carol 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;

export class UdpCallers {
  private readonly calls = new Map<string, Call>();
  private localPort = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly target: { host: string; port: number },
  ) {
    socket.on('message', (data) => this.onMessage(data.toString('utf8')));
  }

  static async open(target: { host: string; port: number }): Promise<UdpCallers> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const callers = new UdpCallers(socket, target);
    callers.localPort = (socket.address() as AddressInfo).port;
    return callers;
  }

  /** INVITE the park extension as transferee `name`; resolves with its final response. */
  park(name: string, rtpPort: number): Promise<FinalResponse> {
    const call: Call = { callId: `${name}-${process.pid}@load`, fromTag: `t-${name}`, branch: `z9hG4bK-${name}-inv` };
    this.calls.set(call.callId, call);
    const body = SDP(rtpPort);
    const { host, port } = this.target;
    const invite = [
      `INVITE sip:700@${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=${call.branch};rport`,
      `From: "${name}" <sip:${name}@127.0.0.1>;tag=${call.fromTag}`,
      `To: <sip:700@${host}:${port}>`,
      `Call-ID: ${call.callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:${name}@127.0.0.1:${this.localPort}>`,
      'Referred-By: <sip:alice@127.0.0.1>',
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    return new Promise((resolve) => {
      call.onFinal = resolve;
      this.send(invite);
    });
  }

  /** BYE a call that was answered; resolves with the BYE's response status. */
  hangUp(name: string): Promise<number> {
    const call = this.calls.get(`${name}-${process.pid}@load`);
    if (!call?.toHeader || !call.contact) return Promise.reject(new Error(`${name} was not answered`));
    const bye = [
      `BYE ${call.contact} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=z9hG4bK-${name}-bye;rport`,
      `From: "${name}" <sip:${name}@127.0.0.1>;tag=${call.fromTag}`,
      `To: ${call.toHeader}`,
      `Call-ID: ${call.callId}`,
      'CSeq: 2 BYE',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return new Promise((resolve) => {
      call.onByeAnswer = resolve;
      this.send(bye);
    });
  }

  close(): void {
    this.socket.close();
  }

  private send(text: string): void {
    this.socket.send(text, this.target.port, this.target.host);
  }

  private onMessage(text: string): void {
    const response = parse(text);
    if (!response) return;
    const call = this.calls.get(response.headers.get('call-id') ?? '');
    if (!call || response.status < 200) return;
    const cseq = response.headers.get('cseq') ?? '';
    if (cseq.endsWith('BYE')) {
      call.onByeAnswer?.(response.status);
      return;
    }
    call.toHeader = response.headers.get('to');
    call.contact ??= /<([^>]+)>/.exec(response.headers.get('contact') ?? '')?.[1];
    this.ack(call, response.status);
    if (call.final) return;
    call.final = response;
    call.onFinal?.(response);
  }

  /** A 2xx is ACKed in the dialog (new branch), any other final in its transaction (same branch). */
  private ack(call: Call, status: number): void {
    const { host, port } = this.target;
    const ok = status < 300;
    const ack = [
      `ACK ${ok && call.contact ? call.contact : `sip:700@${host}:${port}`} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=${ok ? `${call.branch}-ack` : call.branch};rport`,
      `From: <sip:x@127.0.0.1>;tag=${call.fromTag}`,
      `To: ${call.toHeader ?? ''}`,
      `Call-ID: ${call.callId}`,
      'CSeq: 1 ACK',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.send(ack);
  }
}
