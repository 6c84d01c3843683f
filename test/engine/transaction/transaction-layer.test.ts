import { parseMessage } from '../../../src/engine/message/parser';
import type { AnySipMessage, SipRequest, SipResponse } from '../../../src/engine/message/sip-message';
import { TransactionRequestError } from '../../../src/engine/transaction/errors';
import { TransactionLayer } from '../../../src/engine/transaction/transaction-layer';
import { TransactionState } from '../../../src/engine/transaction/transaction-state';
import type { TransactionLayerUser } from '../../../src/engine/transaction/types';
import type { Endpoint, ListenSpec, ReceivedMessage, SentMessage, Source, TransportLayer } from '../../../src/engine/transport/types';
import { makeRequest, makeResponse, RecordingUser, silentLog, SOURCE, TIMERS, UDP_PEER } from './fixtures';

class FakeTransport implements TransportLayer {
  readonly sent: Array<{ message: AnySipMessage; destination: Endpoint }> = [];
  private handler: ((received: ReceivedMessage) => void) | undefined;
  listening(): ListenSpec[] {
    return [];
  }
  send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage> {
    this.sent.push({ message, destination });
    return Promise.resolve({ local: { protocol: 'udp', address: '127.0.0.1', port: 5060 }, destination, bytes: 1 });
  }
  sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage> {
    return this.send(parseMessage(data), destination);
  }
  localFor(destination: Endpoint): Endpoint {
    return destination;
  }
  onMessage(handler: (received: ReceivedMessage) => void): void {
    this.handler = handler;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  deliver(message: AnySipMessage, source: Source = SOURCE): void {
    this.handler!({ message, source, bytes: 1 });
  }
}

class RecordingLayerUser implements TransactionLayerUser {
  readonly requests: SipRequest[] = [];
  readonly strays: SipResponse[] = [];
  onRequest(request: SipRequest): void {
    this.requests.push(request);
  }
  onStrayResponse(response: SipResponse): void {
    this.strays.push(response);
  }
}

function setup() {
  const transport = new FakeTransport();
  const user = new RecordingLayerUser();
  const layer = new TransactionLayer(transport, TIMERS, user, silentLog);
  return { transport, user, layer };
}

describe('TransactionLayer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('matches responses by branch and CSeq method (§17.1.3); others are stray', () => {
    const { transport, user, layer } = setup();
    const tu = new RecordingUser();
    const invite = makeRequest('INVITE', 'z9hG4bK-a');
    const txn = layer.sendRequest(invite, UDP_PEER, tu);
    expect(transport.sent[0].destination).toEqual(UDP_PEER);
    expect(layer.counts()).toEqual({ client: 1, server: 0 });

    // A CANCEL shares the INVITE's branch but is its own transaction.
    const cancel = makeRequest('CANCEL', 'z9hG4bK-a');
    const cancelTu = new RecordingUser();
    layer.sendRequest(cancel, UDP_PEER, cancelTu);
    expect(layer.counts().client).toBe(2);

    transport.deliver(makeResponse(cancel, 200));
    transport.deliver(makeResponse(invite, 487));
    expect(cancelTu.responses.map((r) => r.status)).toEqual([200]);
    expect(tu.responses.map((r) => r.status)).toEqual([487]);
    expect(txn.state).toBe(TransactionState.Completed);

    transport.deliver(makeResponse(makeRequest('INVITE', 'z9hG4bK-unknown'), 200));
    expect(user.strays).toHaveLength(1);
  });

  it('rejects ACK, requests without branch and duplicate branches', () => {
    const { layer } = setup();
    const tu = new RecordingUser();
    expect(() => layer.sendRequest(makeRequest('ACK'), UDP_PEER, tu)).toThrow(TransactionRequestError);
    const noVia = makeRequest('OPTIONS');
    noVia.remove('via');
    expect(() => layer.sendRequest(noVia, UDP_PEER, tu)).toThrow(TransactionRequestError);
    layer.sendRequest(makeRequest('OPTIONS', 'z9hG4bK-dup'), UDP_PEER, tu);
    expect(() => layer.sendRequest(makeRequest('OPTIONS', 'z9hG4bK-dup'), UDP_PEER, tu)).toThrow(TransactionRequestError);
    expect(() => layer.createServerTransaction(makeRequest('ACK'), SOURCE)).toThrow(TransactionRequestError);
    layer.close();
    expect(layer.counts()).toEqual({ client: 0, server: 0 });
  });

  it('new requests go to the TU; retransmissions are absorbed and answered by the server transaction (§17.2.3)', async () => {
    const { transport, user, layer } = setup();
    const invite = makeRequest('INVITE', 'z9hG4bK-s1');
    transport.deliver(invite);
    expect(user.requests).toHaveLength(1);
    const txn = layer.createServerTransaction(invite, SOURCE);
    expect(layer.createServerTransaction(invite, SOURCE)).toBe(txn);
    expect(layer.findServerTransaction(invite)).toBe(txn);

    await txn.respond(makeResponse(invite, 486));
    transport.deliver(makeRequest('INVITE', 'z9hG4bK-s1'));
    expect(user.requests).toHaveLength(1);
    expect(transport.sent.filter((s) => s.message.kind === 'response')).toHaveLength(2);
    // Responses go where §18.2.2 + rport say: the Via has rport (filled by the transport in real life).
    expect(transport.sent[0].destination).toEqual({ protocol: 'udp', address: '127.0.0.1', port: 5060 });

    // The ACK for the non-2xx matches the INVITE transaction and is absorbed.
    const ack = makeRequest('ACK', 'z9hG4bK-s1');
    transport.deliver(ack);
    expect(user.requests).toHaveLength(1);
    expect(txn.state).toBe(TransactionState.Confirmed);

    // A different sent-by with the same branch is another transaction.
    const other = makeRequest('INVITE', 'z9hG4bK-s1');
    other.set('Via', 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-s1');
    expect(layer.findServerTransaction(other)).toBeUndefined();
    layer.close();
  });

  it('ACK for a 2xx: passed to the TU both when it matches the Accepted transaction and when it does not', async () => {
    const { transport, user, layer } = setup();
    const invite = makeRequest('INVITE', 'z9hG4bK-s2');
    const txn = layer.createServerTransaction(invite, SOURCE);
    await txn.respond(makeResponse(invite, 200));
    transport.deliver(makeRequest('INVITE', 'z9hG4bK-s2'));
    expect(user.requests).toHaveLength(0);
    transport.deliver(makeRequest('ACK', 'z9hG4bK-s2'));
    transport.deliver(makeRequest('ACK', 'z9hG4bK-new-branch'));
    expect(user.requests.map((r) => r.method)).toEqual(['ACK', 'ACK']);
    layer.close();
  });

  it('finds the INVITE server transaction for a CANCEL (§9.2)', () => {
    const { layer } = setup();
    const invite = makeRequest('INVITE', 'z9hG4bK-c1');
    const txn = layer.createServerTransaction(invite, SOURCE);
    expect(layer.findInviteServerTransactionForCancel(makeRequest('CANCEL', 'z9hG4bK-c1'))).toBe(txn);
    expect(layer.findInviteServerTransactionForCancel(makeRequest('CANCEL', 'z9hG4bK-c2'))).toBeUndefined();
    const cancelTxn = layer.createServerTransaction(makeRequest('CANCEL', 'z9hG4bK-c1'), SOURCE);
    expect(cancelTxn).not.toBe(txn);
    expect(layer.counts().server).toBe(2);
    layer.close();
  });

  it('RFC 2543 requests (no magic cookie) are matched by the fallback rule, ACK included', async () => {
    const { transport, user, layer } = setup();
    const invite = makeRequest('INVITE', 'old-branch');
    invite.set('Via', 'SIP/2.0/UDP 127.0.0.1:5070');
    const txn = layer.createServerTransaction(invite, SOURCE);
    const retransmission = makeRequest('INVITE', 'old-branch');
    retransmission.set('Via', 'SIP/2.0/UDP 127.0.0.1:5070');
    expect(layer.findServerTransaction(retransmission)).toBe(txn);
    await txn.respond(makeResponse(invite, 480));
    const ack = makeRequest('ACK', 'x');
    ack.set('Via', 'SIP/2.0/UDP 127.0.0.1:5070');
    ack.set('CSeq', '1 ACK');
    ack.set('To', '<sip:bob@example.com>;tag=to1');
    transport.deliver(ack);
    expect(txn.state).toBe(TransactionState.Confirmed);
    const nextCseq = makeRequest('INVITE', 'old-branch', 2);
    nextCseq.set('Via', 'SIP/2.0/UDP 127.0.0.1:5070');
    expect(layer.findServerTransaction(nextCseq)).toBeUndefined();
    expect(user.requests).toHaveLength(0);
    layer.close();
  });

  it('terminated transactions leave the maps: counts return to 0', async () => {
    const { transport, layer } = setup();
    const tus = [new RecordingUser(), new RecordingUser()];
    const invite = makeRequest('INVITE', 'z9hG4bK-l1');
    layer.sendRequest(invite, UDP_PEER, tus[0]);
    const options = makeRequest('OPTIONS', 'z9hG4bK-l2');
    layer.sendRequest(options, UDP_PEER, tus[1]);
    const incoming = makeRequest('BYE', 'z9hG4bK-l3');
    const serverTxn = layer.createServerTransaction(incoming, SOURCE);
    const incomingInvite = makeRequest('INVITE', 'z9hG4bK-l4');
    const inviteServerTxn = layer.createServerTransaction(incomingInvite, SOURCE);
    expect(layer.counts()).toEqual({ client: 2, server: 2 });

    transport.deliver(makeResponse(invite, 200));
    transport.deliver(makeResponse(options, 200));
    await serverTxn.respond(makeResponse(incoming, 200));
    await inviteServerTxn.respond(makeResponse(incomingInvite, 200));
    jest.advanceTimersByTime(64 * TIMERS.T1);
    expect(layer.counts()).toEqual({ client: 0, server: 0 });

    // Timeouts remove them too.
    layer.sendRequest(makeRequest('OPTIONS', 'z9hG4bK-l5'), UDP_PEER, tus[1]);
    jest.advanceTimersByTime(64 * TIMERS.T1);
    expect(tus[1].timeouts).toBe(1);
    expect(layer.counts()).toEqual({ client: 0, server: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a throwing core does not escape the transport handler', () => {
    const { transport, user } = setup();
    user.onRequest = () => {
      throw new Error('core bug');
    };
    expect(() => transport.deliver(makeRequest('OPTIONS', 'z9hG4bK-t'))).not.toThrow();
  });
});
