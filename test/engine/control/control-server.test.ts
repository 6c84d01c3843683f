/**
 * ControlServer driven by the real drachtio-srf 5.x client (and raw sockets for bad input),
 * with a recording stand-in for the SIP core.
 */
import type Srf from 'drachtio-srf';
import type { ControlServer } from '../../../src/engine/control/control-server';
import {
  inDialogTokens,
  meta6,
  newRequestTokens,
  proxyContinueTokens,
  proxyDoneTokens,
  sentRequestReplyTokens,
  sentResponseReplyTokens,
} from '../../../src/engine/control/leader';
import type { AppConnection } from '../../../src/engine/control/types';
import {
  HOSTPORTS,
  RawClient,
  type LogLine,
  type RecordingHandler,
  connectSrf,
  disconnectAll,
  startServer,
  waitFor,
} from './control-test-kit';

const INVITE = [
  'INVITE sip:1000@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4431401b;rport=5060',
  'Max-Forwards: 70',
  'From: "Zoë 😀" <sip:alice@192.0.2.10>;tag=aliceTag1',
  'To: <sip:1000@127.0.0.1>',
  'Call-ID: callA-1fb0',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@192.0.2.10:5060>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const NETWORK_META = { source: 'network', bytes: Buffer.byteLength(INVITE), protocol: 'udp', address: '192.0.2.10', port: 5060 } as const;
const APP_META = { source: 'application', bytes: 300, protocol: 'udp', address: '192.0.2.10', port: 5060 } as const;

function warnings(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 40);
}

describe('ControlServer with drachtio-srf', () => {
  let server: ControlServer;
  let handler: RecordingHandler;
  let lines: LogLine[];
  let port: number;

  beforeAll(async () => {
    ({ server, handler, lines, port } = await startServer({ maxFrameBytes: 64 * 1024 }));
  });

  afterAll(async () => {
    disconnectAll();
    await server.close();
  });

  it('authenticates srf and reports hostports, version and local hostports', async () => {
    const connected = await connectSrf(port, { tags: ['tagA', 'tagB'], setup: (srf) => srf.invite(() => undefined) });
    expect(connected.hostport).toBe(HOSTPORTS.public.join(','));
    expect(connected.localHostports).toBe(HOSTPORTS.local.join(','));
    expect(connected.version).toMatch(/^v(\d+)\.(\d+)\.(\d+)/);
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the invite route');
    const connection = server.connectionFor('INVITE')!;
    expect(connection.tags).toEqual(['tagA', 'tagB']);
    expect(server.connectionFor('register')).toBeUndefined();
    connected.srf.disconnect();
    await waitFor(() => handler.closed.includes(connection), 'onConnectionClosed');
    expect(server.connectionFor('invite')).toBeUndefined();
  });

  it('treats routes as a set per connection, case-insensitively, and accepts cdr verbs', async () => {
    const { srf } = await connectSrf(port, {
      setup: (app) => {
        app.invite(() => undefined);
        app.on('cdr:start', () => undefined);
      },
    });
    // srf re-sends route for every verb each time one is added: invite is sent again here.
    srf.use('register', () => undefined);
    srf.use('options', () => undefined);
    await waitFor(() => server.connectionFor('options') !== undefined, 'the options route');
    const connection = server.connectionFor('invite')!;
    expect(server.connectionFor('Register')).toBe(connection);
    expect(server.connectionFor('cdr:start')).toBe(connection);
    // Duplicates must not skew round robin: with one connection it is always that one.
    expect([1, 2, 3].map(() => server.connectionFor('invite'))).toEqual([connection, connection, connection]);
    srf.disconnect();
    await waitFor(() => handler.closed.includes(connection), 'onConnectionClosed');
  });

  it('removes only the named verb on remove_route', async () => {
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    expect((await raw.request('r1', 'route|invite')).slice(3)).toEqual(['OK']);
    await raw.request('r2', 'route|SUBSCRIBE');
    const connection = server.connectionFor('subscribe');
    expect(connection).toBeDefined();
    expect((await raw.request('r3', 'remove_route|invite')).slice(3)).toEqual(['OK']);
    expect(server.connectionFor('subscribe')).toBe(connection);
    expect(server.connectionFor('invite')).not.toBe(connection);
    raw.destroy();
    await waitFor(() => handler.closed.includes(connection!), 'onConnectionClosed');
  });

  it('distributes new requests round robin over two srf connections', async () => {
    const first = await connectSrf(port, { setup: (srf) => srf.invite(() => undefined) });
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the first route');
    const a = server.connectionFor('invite')!;
    const second = await connectSrf(port, { setup: (srf) => srf.invite(() => undefined) });
    await waitFor(() => server.connections() === 2 && server.connectionFor('invite') !== server.connectionFor('invite'), 'the second route');
    const picks = [1, 2, 3, 4].map(() => server.connectionFor('invite')!.id);
    const b = picks.find((id) => id !== a.id)!;
    expect(new Set(picks)).toEqual(new Set([a.id, b]));
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[0]).toBe(picks[2]);
    expect(picks[1]).toBe(picks[3]);
    first.srf.disconnect();
    await waitFor(() => handler.closed.includes(a), 'the first connection to close');
    expect(server.connectionFor('invite')!.id).toBe(b);
    expect(server.connectionFor('invite')!.id).toBe(b);
    second.srf.disconnect();
    await waitFor(() => server.connections() === 0, 'all connections closed');
    expect(handler.closed.filter((c) => c === a)).toHaveLength(1);
  });

  it('carries a new INVITE to srf and srf\'s response back to the core (S1 → sip → S9)', async () => {
    let received: Srf.SrfRequest | undefined;
    let sentResponse: unknown;
    const { srf } = await connectSrf(port, {
      setup: (app) =>
        app.invite((req, res) => {
          received = req;
          const send = res.send as unknown as (status: number, opts: object, callback: (err: unknown, msg: unknown) => void) => void;
          send.call(res, 486, { headers: { 'X-App': 'yes' } }, (err, msg) => {
            sentResponse = err ?? msg;
          });
        }),
    });
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the invite route');
    const connection = server.connectionFor('invite')!;
    handler.onSipHook = (conn, command) =>
      conn.respond(command.msgId, sentResponseReplyTokens(meta6(APP_META), command.transactionId, ''), command.sipText);

    connection.push(newRequestTokens(meta6(NETWORK_META), 'txn-invite-1', '127.0.0.1', 5060), INVITE);
    await waitFor(() => sentResponse !== undefined, 'srf to send and confirm its response');

    expect(received!.method).toBe('INVITE');
    expect(received!.get('From')).toContain('Zoë 😀');
    expect(received!.source_address).toBe('192.0.2.10');
    expect(received!.protocol).toBe('udp');
    const meta = received as unknown as { receivedOn: string; stackTxnId: string };
    expect(meta.receivedOn).toBe('127.0.0.1:5060');
    expect(meta.stackTxnId).toBe('txn-invite-1');

    const { command } = handler.sips.at(-1)!;
    expect(command.transactionId).toBe('txn-invite-1');
    expect(command.dialogId).toBe('');
    expect(command.sipText.startsWith('SIP/2.0 486')).toBe(true);
    expect(command.sipText).toContain('X-App: yes');
    expect(sentResponse).toMatchObject({ status: 486 });
    srf.disconnect();
    await waitFor(() => handler.closed.includes(connection), 'onConnectionClosed');
  });

  it('carries srf.request to the core with the route URI, and a pushed response back (sip → S8 → S2)', async () => {
    const { srf } = await connectSrf(port);
    await waitFor(() => server.connections() === 1, 'the connection');
    handler.onSipHook = (conn, command) =>
      conn.respond(command.msgId, sentRequestReplyTokens(meta6({ ...APP_META, address: '127.0.0.1' }), 'uac-txn-1'), command.sipText);

    const request = await (srf as unknown as {
      request(uri: string, opts: object): Promise<Srf.SrfRequest & { stackTxnId: string; on(e: 'response', f: (res: Srf.SrfResponse) => void): void }>;
    }).request('sip:bob@192.0.2.20', { method: 'OPTIONS', proxy: '192.0.2.99:5070', headers: { Subject: 'émoji ✓' } });

    const { connection, command } = handler.sips.at(-1)!;
    expect(command).toMatchObject({ transactionId: '', dialogId: '', routeUri: 'sip:192.0.2.99:5070' });
    expect(command.sipText.startsWith('OPTIONS sip:bob@192.0.2.20 SIP/2.0')).toBe(true);
    expect(command.sipText).toContain('émoji ✓');
    expect(request.stackTxnId).toBe('uac-txn-1');

    const status = new Promise<number>((resolve) => request.on('response', (res) => resolve(res!.status)));
    const ok = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:bob@192.0.2.20>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    connection.push(inDialogTokens(meta6({ ...NETWORK_META, address: '192.0.2.20' }), 'uac-txn-1', ''), ok);
    expect(await status).toBe(200);
    srf.disconnect();
    await waitFor(() => handler.closed.includes(connection), 'onConnectionClosed');
  });

  it('carries srf.proxyRequest to the core and the continue/done replies back', async () => {
    let result: unknown;
    const { srf } = await connectSrf(port, {
      setup: (app) =>
        app.invite((req) => {
          app.proxyRequest(req, ['sip:10.0.0.7', '10.0.0.8'], { recordRoute: true, forking: 'simultaneous', provisionalTimeout: '2s', finalTimeout: '1500ms' } as Srf.ProxyRequestOptions, (err, res) => {
            result = err ?? res;
          });
        }),
    });
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the invite route');
    handler.onProxyHook = (conn, command) => {
      const ok = 'SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
      conn.respond(command.msgId, proxyContinueTokens(meta6({ ...NETWORK_META, address: '10.0.0.7' })), ok);
      conn.respond(command.msgId, proxyDoneTokens());
    };
    const connection = server.connectionFor('invite')!;
    connection.push(newRequestTokens(meta6(NETWORK_META), 'txn-proxy-1', '127.0.0.1', 5060), INVITE);
    await waitFor(() => result !== undefined, 'the proxy result');
    expect(handler.proxies.at(-1)!.command).toMatchObject({
      transactionId: 'txn-proxy-1',
      recordRoute: true,
      fullResponse: true,
      simultaneous: true,
      provisionalTimeout: 2000,
      finalTimeout: 1500,
      destinations: ['sip:10.0.0.7', 'sip:10.0.0.8'],
    });
    expect(result).toMatchObject({ connected: true, finalStatus: 200 });
    srf.disconnect();
    await waitFor(() => handler.closed.includes(connection), 'onConnectionClosed');
  });

  it('refuses a wrong secret: srf gets a connect error, the server logs one line and closes', async () => {
    const before = warnings(lines).length;
    const closedBefore = handler.closed.length;
    await expect(connectSrf(port, { secret: 'wrong' })).rejects.toThrow('failed to authenticate');
    await waitFor(() => warnings(lines).length > before, 'the log line');
    const logged = warnings(lines).slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toContain('incorrect secret');
    expect(server.connections()).toBe(0);
    expect(handler.closed.length).toBe(closedBefore);
  });

  it('answers ping with pong', async () => {
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    expect((await raw.request('p1', 'ping')).slice(3)).toEqual(['OK', 'pong']);
    raw.destroy();
  });

  it("answers srf's own keep-alive pings without dropping the connection", async () => {
    const warningsBefore = warnings(lines).length;
    const sent: string[] = [];
    const { srf } = await connectSrf(port, { pingIntervalMs: 5000, wireLog: (message) => sent.push(message) });
    await waitFor(() => sent.some((frame) => /\|ping\r\n$/.test(frame)), 'srf to send a ping', 15_000);
    // Give the pong time to arrive and anything that chokes on it time to show.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.connections()).toBe(1);
    expect(warnings(lines).length).toBe(warningsBefore);
    srf.disconnect();
    await waitFor(() => server.connections() === 0, 'the connection to close');
  });

  it('answers a handler failure with NOK and keeps the connection', async () => {
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    handler.onSipHook = () => {
      throw new Error('core bug');
    };
    const reply = await raw.request('s1', 'sip|txn|\r\nSIP/2.0 200 OK\r\n\r\n');
    expect(reply[3]).toBe('NOK');
    expect((await raw.request('p2', 'ping')).slice(3)).toEqual(['OK', 'pong']);
    expect(raw.closed).toBe(false);
    raw.destroy();
  });
});

describe('ControlServer bad input', () => {
  let server: ControlServer;
  let handler: RecordingHandler;
  let lines: LogLine[];
  let port: number;
  /** A well-behaved srf app that must keep working while other sockets misbehave. */
  let goodConnection: AppConnection;
  const goodRequests: string[] = [];

  beforeAll(async () => {
    ({ server, handler, lines, port } = await startServer({ maxFrameBytes: 4096, authTimeoutMs: 300 }));
    await connectSrf(port, {
      setup: (srf) =>
        srf.invite((req, res) => {
          goodRequests.push(req.get('Call-ID'));
          res.send(480);
        }),
    });
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the good app route');
    goodConnection = server.connectionFor('invite')!;
    handler.onSipHook = (conn, command) =>
      conn.respond(command.msgId, sentResponseReplyTokens(meta6(APP_META), command.transactionId, ''), command.sipText);
  });

  afterAll(async () => {
    disconnectAll();
    await server.close();
  });

  /** Proves the good srf connection still carries traffic both ways. */
  async function expectGoodAppStillWorks(): Promise<void> {
    const callId = `good-${goodRequests.length}`;
    const sipCount = handler.sips.length;
    expect(goodConnection.closed).toBe(false);
    expect(server.connectionFor('invite')).toBe(goodConnection);
    goodConnection.push(newRequestTokens(meta6(NETWORK_META), `txn-${callId}`, '127.0.0.1', 5060), INVITE.replace('callA-1fb0', callId));
    await waitFor(() => goodRequests.includes(callId) && handler.sips.length > sipCount, 'the good app to answer');
  }

  /** The socket is closed and exactly one warning naming the reason and the connection was logged. */
  async function expectRejected(raw: RawClient, reasonPart: string, logMark: number): Promise<void> {
    await raw.waitClosed();
    const matching = (): LogLine[] =>
      warnings(lines.slice(logMark)).filter((line) => String(line.reason ?? line.msg).includes(reasonPart));
    await waitFor(() => matching().length > 0, `a log line with ${reasonPart}`);
    expect(matching()).toHaveLength(1);
    expect(warnings(lines.slice(logMark))).toHaveLength(1);
    expect(matching()[0]!.appConnection).toMatch(/^app-\d+$/);
  }

  it('closes a socket that sends garbage', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    raw.sendBytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await expectRejected(raw, 'non-digit', mark);
    expect(handler.closed.length).toBe(closedBefore);
    expect(raw.frames).toEqual([]);
    await expectGoodAppStillWorks();
  });

  it('closes a socket that announces a frame larger than maxFrameBytes', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    raw.sendBytes('5000#');
    await expectRejected(raw, 'exceeds the limit', mark);
    await waitFor(() => handler.closed.length === closedBefore + 1, 'onConnectionClosed');
    await expectGoodAppStillWorks();
  });

  it('closes a socket with an over-long length prefix', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    raw.sendBytes('00000000001#x');
    await expectRejected(raw, 'digits', mark);
    expect(handler.closed.length).toBe(closedBefore);
    await expectGoodAppStillWorks();
  });

  it('answers an unknown message type with NO and closes', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    const reply = await raw.request('u1', 'frobnicate|x');
    expect(reply.slice(3)).toEqual(['NO', "unknown message type 'frobnicate'"]);
    await expectRejected(raw, 'unknown message type', mark);
    await waitFor(() => handler.closed.length === closedBefore + 1, 'onConnectionClosed');
    await expectGoodAppStillWorks();
  });

  it('answers too few tokens with NO and closes', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    const reply = await raw.request('t1', 'sip|only-txn\r\nSIP/2.0 200 OK\r\n\r\n');
    expect(reply[3]).toBe('NO');
    await expectRejected(raw, 'too few tokens', mark);
    await waitFor(() => handler.closed.length === closedBefore + 1, 'onConnectionClosed');
    await expectGoodAppStillWorks();
  });

  it('closes a socket whose frame has a single token', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    await raw.authenticate();
    raw.sendFrame('lonely');
    await expectRejected(raw, 'fewer than 2 tokens', mark);
    await waitFor(() => handler.closed.length === closedBefore + 1, 'onConnectionClosed');
    await expectGoodAppStillWorks();
  });

  it.each([
    ['route', 'r1|route|invite'],
    ['ping', 'p1|ping'],
    ['sip', 's1|sip|txn|\r\nSIP/2.0 200 OK\r\n\r\n'],
  ])('refuses %s before authenticate with NO|not authenticated and closes', async (_type, frame) => {
    const sipCount = handler.sips.length;
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    const msgId = frame.split('|')[0]!;
    const reply = await raw.request(msgId, frame.slice(msgId.length + 1));
    expect(reply.slice(3)).toEqual(['NO', 'not authenticated']);
    await expectRejected(raw, 'not authenticated', mark);
    expect(handler.closed.length).toBe(closedBefore);
    expect(handler.sips.length).toBe(sipCount);
    await expectGoodAppStillWorks();
  });

  it('closes a socket that never authenticates', async () => {
    const mark = lines.length;
    const closedBefore = handler.closed.length;
    const raw = await RawClient.connect(port);
    await expectRejected(raw, 'did not authenticate in time', mark);
    expect(handler.closed.length).toBe(closedBefore);
    await expectGoodAppStillWorks();
  });

  it('decodes an authenticate frame sent one byte at a time', async () => {
    const raw = await RawClient.connect(port);
    const payload = 'a|authenticate|cymru|';
    const frame = Buffer.from(`${Buffer.byteLength(payload)}#${payload}`);
    for (const byte of frame) {
      raw.sendBytes(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => raw.replyTo('a') !== undefined, 'the authenticate reply');
    expect(raw.replyTo('a')![3]).toBe('OK');
    raw.destroy();
  });

});

describe('ControlServer lifecycle', () => {
  it('listens on IPv6 loopback and serves srf there', async () => {
    const { server, handler, host, port } = await startServer({}, '::1');
    expect(host).toBe('::1');
    const { srf } = await connectSrf(port, { host: '::1', setup: (app) => app.invite(() => undefined) });
    await waitFor(() => server.connectionFor('invite') !== undefined, 'the invite route');
    srf.disconnect();
    await waitFor(() => handler.closed.length === 1, 'onConnectionClosed');
    await server.close();
  });

  it('close() ends every app connection and tells the core once per connection', async () => {
    const { server, handler, port } = await startServer();
    await connectSrf(port);
    await connectSrf(port);
    await waitFor(() => server.connections() === 2, 'two connections');
    await server.close();
    expect(server.connections()).toBe(0);
    expect(handler.closed).toHaveLength(2);
    expect(new Set(handler.closed.map((c) => c.id)).size).toBe(2);
    disconnectAll();
  });

  it('rejects a version srf could not parse', async () => {
    await expect(startServer({ version: '0.9.10' })).rejects.toThrow(RangeError);
  });
});
