import net from 'node:net';
import pino from 'pino';
import { SipRequest, SipResponse } from '../../../src/engine/message';
import { createTransportLayer } from '../../../src/engine/transport/transport-layer';
import { TransportError, type ReceivedMessage, type TransportLayer } from '../../../src/engine/transport/types';
import { capturingLogger, delay, request, statusLines, TcpPeer, UdpPeer, waitFor } from './helpers';

const silent = pino({ level: 'silent' });

function responseTo(received: SipRequest, status: number, reason: string): SipResponse {
  const response = new SipResponse(status, reason);
  for (const via of received.getAll('via')) response.append('Via', via);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) response.append(name, received.get(name)!);
  return response;
}

describe.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
])('transport over %s loopback', (_family, host) => {
  let transport: TransportLayer;
  let received: ReceivedMessage[];
  let logs: ReturnType<typeof capturingLogger>;
  const peers: Array<{ close(): unknown }> = [];

  const udpPort = () => transport.listening().find((l) => l.protocol === 'udp')!.port;
  const tcpPort = () => transport.listening().find((l) => l.protocol === 'tcp')!.port;

  beforeEach(async () => {
    logs = capturingLogger();
    transport = await createTransportLayer(
      [
        { protocol: 'udp', host, port: 0 },
        { protocol: 'tcp', host, port: 0 },
      ],
      logs.log,
      { maxMessageBytes: 4096, tcpIdleTimeoutMs: 60_000 },
    );
    received = [];
    transport.onMessage((message) => received.push(message));
  });

  afterEach(async () => {
    for (const peer of peers.splice(0)) await peer.close();
    await transport.close();
  });

  async function udpPeer(): Promise<UdpPeer> {
    const peer = await UdpPeer.open(host);
    peers.push(peer);
    return peer;
  }

  async function tcpPeer(): Promise<TcpPeer> {
    const peer = await TcpPeer.connect(host, tcpPort());
    peers.push(peer);
    return peer;
  }

  it('reports the ports the OS chose and local addresses per destination', () => {
    const listening = transport.listening();
    expect(listening).toHaveLength(2);
    for (const spec of listening) {
      expect(spec.host).toBe(host);
      expect(spec.port).toBeGreaterThan(0);
    }
    expect(transport.localFor({ protocol: 'udp', address: host, port: 5060 })).toEqual({ protocol: 'udp', address: host, port: udpPort() });
    expect(transport.localFor({ protocol: 'tcp', address: host, port: 5060 })).toEqual({ protocol: 'tcp', address: host, port: tcpPort() });
  });

  it('UDP: stamps received and rport on the top Via only (RFC 3581), and replies from the listening port', async () => {
    const peer = await udpPeer();
    const raw = request('OPTIONS', '192.0.2.1', 5999).replace(
      'Max-Forwards',
      'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-lower\r\nMax-Forwards',
    );
    await peer.send(raw, udpPort());
    await waitFor(() => received.length === 1);
    const { message, source, bytes } = received[0];
    expect(message.kind).toBe('request');
    expect(source).toEqual({ protocol: 'udp', address: host, port: peer.port, localAddress: host, localPort: udpPort() });
    expect(bytes).toBe(Buffer.byteLength(raw));
    const vias = message.getAll('via');
    expect(vias[0]).toBe(`SIP/2.0/UDP 192.0.2.1:5999;branch=z9hG4bK-raw-1;rport=${peer.port};received=${host}`);
    expect(vias[1]).toBe('SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-lower');

    const sent = await transport.send(responseTo(message as SipRequest, 200, 'OK'), source);
    expect(sent.local).toEqual({ protocol: 'udp', address: host, port: udpPort() });
    expect(sent.bytes).toBeGreaterThan(100);
    await waitFor(() => peer.received.length === 1);
    expect(peer.received[0].port).toBe(udpPort());
    expect(statusLines(peer.received[0].text)).toEqual(['SIP/2.0 200 OK']);
  });

  it('UDP: received only when sent-by differs, nothing when it matches without rport; responses unchanged', async () => {
    const peer = await udpPeer();
    await peer.send(request('OPTIONS', '192.0.2.1', 5999, { rport: false }), udpPort());
    await peer.send(request('OPTIONS', host, peer.port, { rport: false, branch: 'z9hG4bK-2' }), udpPort());
    const response = 'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1:5999;branch=z9hG4bK-x;rport\r\n' +
      'From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    await peer.send(response, udpPort());
    await waitFor(() => received.length === 3);
    const byBranch = (branch: string) => received.find((r) => r.message.get('via')!.includes(branch))!.message;
    expect(byBranch('z9hG4bK-raw-1').get('via')).toBe(`SIP/2.0/UDP 192.0.2.1:5999;branch=z9hG4bK-raw-1;received=${host}`);
    const sameHostVia = byBranch('z9hG4bK-2').get('via')!;
    expect(sameHostVia).not.toContain('received');
    expect(byBranch('z9hG4bK-x').get('via')).toBe('SIP/2.0/UDP 192.0.2.1:5999;branch=z9hG4bK-x;rport');
  });

  it('UDP: a large message (beyond the MTU) is sent and received', async () => {
    const peer = await udpPeer();
    const big = new SipRequest('MESSAGE', 'sip:bob@example.com');
    big.append('Via', `SIP/2.0/UDP ${host.includes(':') ? `[${host}]` : host}:${udpPort()};branch=z9hG4bK-big`);
    big.append('Call-ID', 'big');
    big.append('CSeq', '1 MESSAGE');
    big.body = Buffer.alloc(8000, 'a');
    const sent = await transport.send(big, { protocol: 'udp', address: host, port: peer.port });
    expect(sent.bytes).toBeGreaterThan(8000);
    await waitFor(() => peer.received.length === 1);
    expect(peer.received[0].text.length).toBe(sent.bytes);
  });

  it('UDP: malformed request with a readable start line and Via gets a stateless 400 with the reason', async () => {
    const peer = await udpPeer();
    await peer.send(request('INVITE', host, peer.port, { cseq: 'x INVITE' }), udpPort());
    await waitFor(() => peer.received.length === 1);
    const text = peer.received[0].text;
    expect(statusLines(text)).toEqual(['SIP/2.0 400 Malformed CSeq header field']);
    expect(text).toMatch(/\r\nTo: <sip:bob@example.com>;tag=\w+\r\n/);
    expect(text).toContain('Call-ID: raw-call-1\r\n');
    expect(text).toContain('From: <sip:alice@example.com>;tag=a1\r\n');
    expect(text).toContain(`;rport=${peer.port}`);
    expect(received).toHaveLength(0);
    const warns = logs.lines().filter((line) => line.msg === 'unparseable SIP message');
    expect(warns).toHaveLength(1);
    expect(warns[0].reason).toBe('Malformed CSeq header field');
    expect(String(warns[0].source)).toContain(String(peer.port));
  });

  it('UDP: garbage and malformed ACKs are dropped (logged, not answered); CRLF keep-alives ignored', async () => {
    const peer = await udpPeer();
    await peer.send('this is not SIP\r\n\r\n', udpPort());
    await peer.send(request('ACK', host, peer.port, { cseq: 'x ACK' }), udpPort());
    await peer.send('\r\n\r\n', udpPort());
    await peer.send(Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a]), udpPort());
    // A valid request afterwards proves the socket still works and orders the checks.
    await peer.send(request('OPTIONS', host, peer.port, { branch: 'z9hG4bK-after' }), udpPort());
    await waitFor(() => received.length === 1);
    await delay(50);
    expect(peer.received).toHaveLength(0);
    expect(logs.lines().filter((line) => line.msg === 'unparseable SIP message')).toHaveLength(3);
  });

  it('TCP: split and merged messages are framed; the response goes back on the same connection (§18.2.2)', async () => {
    const peer = await tcpPeer();
    const first = request('INVITE', host, 5099, { transport: 'TCP', body: 'v=0\r\n' });
    const second = request('OPTIONS', host, 5099, { transport: 'TCP', branch: 'z9hG4bK-2' });
    const third = request('BYE', host, 5099, { transport: 'TCP', branch: 'z9hG4bK-3' });
    await peer.write(first.slice(0, 10));
    await delay(20);
    await peer.write(first.slice(10, 80));
    await delay(20);
    await peer.write(first.slice(80) + second + third.slice(0, 5));
    await delay(20);
    await peer.write(third.slice(5));
    await waitFor(() => received.length === 3);
    expect(received.map((r) => (r.message as SipRequest).method)).toEqual(['INVITE', 'OPTIONS', 'BYE']);
    expect(received[0].message.body.toString()).toBe('v=0\r\n');
    const { source } = received[0];
    expect(source.protocol).toBe('tcp');
    expect(source.port).toBe(peer.socket.localPort);
    expect(source.localPort).toBe(tcpPort());
    expect(received[0].message.get('via')).toContain(`received=${host}`);

    await transport.send(responseTo(received[0].message as SipRequest, 200, 'OK'), source);
    await transport.send(responseTo(received[2].message as SipRequest, 200, 'OK'), source);
    await waitFor(() => statusLines(peer.data).length === 2);
    expect(peer.closed).toBe(false);
  });

  it('TCP: an oversize stream closes only that connection; others keep working', async () => {
    const victim = await tcpPeer();
    const bystander = await tcpPeer();
    await victim.write(request('MESSAGE', host, 5099, { transport: 'TCP', body: 'x'.repeat(5000) }));
    await waitFor(() => victim.closed, 5000, 'oversize connection closed');
    expect(statusLines(victim.data)).toEqual(['SIP/2.0 400 Message too large']);
    await bystander.write(request('OPTIONS', host, 5099, { transport: 'TCP' }));
    await waitFor(() => received.length === 1);
    expect(bystander.closed).toBe(false);
    expect(logs.lines().some((line) => line.msg === 'closing TCP connection after framing error')).toBe(true);
  });

  it('TCP: a message without Content-Length gets 400 and the connection survives', async () => {
    const peer = await tcpPeer();
    const noLength = request('OPTIONS', host, 5099, { transport: 'TCP' }).replace('Content-Length: 0\r\n', '');
    await peer.write(noLength);
    await waitFor(() => statusLines(peer.data).length === 1);
    expect(statusLines(peer.data)).toEqual(['SIP/2.0 400 Missing Content-Length']);
    await peer.write(request('OPTIONS', host, 5099, { transport: 'TCP', branch: 'z9hG4bK-ok' }));
    await waitFor(() => received.length === 1);
    expect(peer.closed).toBe(false);
  });

  it('TCP: outbound send opens one connection and reuses it; unreachable destinations reject with TransportError', async () => {
    const accepted: net.Socket[] = [];
    let data = '';
    const server = net.createServer((socket) => {
      accepted.push(socket);
      socket.on('data', (chunk) => (data += chunk.toString()));
    });
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const message = new SipRequest('OPTIONS', 'sip:x@example.com');
      message.append('Via', 'SIP/2.0/TCP example.com;branch=z9hG4bK-out');
      message.append('Call-ID', 'out-1');
      const [a, b] = await Promise.all([
        transport.send(message, { protocol: 'tcp', address: host, port }),
        transport.send(message, { protocol: 'tcp', address: host, port }),
      ]);
      expect(a.local.port).toBe(b.local.port);
      await transport.send(message, { protocol: 'tcp', address: host, port });
      await waitFor(() => (data.match(/^OPTIONS /gm) ?? []).length === 3);
      expect(accepted).toHaveLength(1);
      // The peer's replies on that connection come up as messages.
      accepted[0].write(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP example.com;branch=z9hG4bK-out\r\nFrom: <sip:a@x>;tag=1\r\n' +
          'To: <sip:x@example.com>;tag=2\r\nCall-ID: out-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      );
      await waitFor(() => received.length === 1);
      expect(received[0].source.port).toBe(port);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
    const unused = net.createServer();
    await new Promise<void>((resolve) => unused.listen(0, host, () => resolve()));
    const closedPort = (unused.address() as net.AddressInfo).port;
    await new Promise((resolve) => unused.close(resolve));
    await expect(
      transport.send(new SipRequest('OPTIONS', 'sip:x@example.com'), { protocol: 'tcp', address: host, port: closedPort }),
    ).rejects.toBeInstanceOf(TransportError);
  });

  it('a throwing message handler does not escape the socket handlers', async () => {
    transport.onMessage(() => {
      throw new Error('core bug');
    });
    const peer = await udpPeer();
    await peer.send(request('OPTIONS', host, peer.port), udpPort());
    const tcp = await tcpPeer();
    await tcp.write(request('OPTIONS', host, 5099, { transport: 'TCP' }));
    await waitFor(() => logs.lines().filter((line) => line.msg === 'message handler failed').length === 2);
  });
});

describe('transport lifecycle', () => {
  it('closes idle TCP connections after the configured time', async () => {
    const transport = await createTransportLayer([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], silent, { tcpIdleTimeoutMs: 150 });
    try {
      const peer = await TcpPeer.connect('127.0.0.1', transport.listening()[0].port);
      await waitFor(() => peer.closed, 5000, 'idle close');
    } finally {
      await transport.close();
    }
  });

  it('close() stops listening and later sends reject', async () => {
    const transport = await createTransportLayer([{ protocol: 'udp', host: '127.0.0.1', port: 0 }], silent);
    await transport.close();
    await expect(
      transport.send(new SipRequest('OPTIONS', 'sip:x@example.com'), { protocol: 'udp', address: '127.0.0.1', port: 9 }),
    ).rejects.toBeInstanceOf(TransportError);
  });

  it('fails to start when a port is taken, releasing what it bound', async () => {
    const first = await createTransportLayer([{ protocol: 'udp', host: '127.0.0.1', port: 0 }], silent);
    const port = first.listening()[0].port;
    await expect(
      createTransportLayer([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }, { protocol: 'udp', host: '127.0.0.1', port }], silent),
    ).rejects.toThrow();
    await first.close();
  });
});
