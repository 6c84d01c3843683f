import { InviteServerTransaction } from '../../../src/engine/transaction/invite-server-transaction';
import { TransactionState, TransactionStateError } from '../../../src/engine/transaction/transaction-state';
import type { ServerTransactionOptions } from '../../../src/engine/transaction/types';
import { TransportError } from '../../../src/engine/transport/types';
import { BRANCH, FakeSender, flushPromises, makeContext, makeRequest, makeResponse, SOURCE, TCP_PEER, UDP_PEER } from './fixtures';

function setup(options: ServerTransactionOptions = {}, destination = UDP_PEER) {
  const sender = new FakeSender();
  const context = makeContext(sender);
  const invite = makeRequest('INVITE');
  const txn = new InviteServerTransaction(BRANCH, invite, SOURCE, destination, context, options);
  return { sender, context, invite, txn };
}

function ackFor(invite: ReturnType<typeof makeRequest>) {
  const ack = makeRequest('ACK');
  ack.set('CSeq', `1 ACK`);
  expect(ack.callId).toBe(invite.callId);
  return ack;
}

describe('InviteServerTransaction', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('autoTrying: sends 100 Trying after 200 ms when the TU has not responded', () => {
    const { sender, txn } = setup({ autoTrying: true });
    expect(txn.state).toBe(TransactionState.Proceeding);
    jest.advanceTimersByTime(199);
    expect(sender.sent).toHaveLength(0);
    jest.advanceTimersByTime(1);
    const [trying] = sender.responses(100);
    expect(trying.get('to')).toBe('<sip:bob@example.com>');
    expect(trying.get('via')).toContain(BRANCH);
    txn.dispose();
  });

  it('autoTrying: no 100 when the TU answered within 200 ms; off by default', async () => {
    const { sender, txn, invite } = setup({ autoTrying: true });
    await txn.respond(makeResponse(invite, 180));
    jest.advanceTimersByTime(1000);
    expect(sender.responses(100)).toHaveLength(0);
    txn.dispose();
    const plain = setup();
    jest.advanceTimersByTime(1000);
    expect(plain.sender.sent).toHaveLength(0);
    plain.txn.dispose();
  });

  it('Proceeding: retransmitted INVITE gets the last provisional, or a 100 when there is none', async () => {
    const { sender, txn, invite } = setup();
    expect(txn.receiveRequest(invite)).toBe(false);
    expect(sender.responses(100)).toHaveLength(1);
    await txn.respond(makeResponse(invite, 180));
    txn.receiveRequest(invite);
    expect(sender.responses(180)).toHaveLength(2);
    expect(txn.state).toBe(TransactionState.Proceeding);
    txn.dispose();
  });

  it('non-2xx: Completed, timer G doubles up to T2, timer H times out and calls onTimeout', async () => {
    const onTimeout = jest.fn();
    const { sender, txn, invite, context } = setup({ onTimeout });
    await txn.respond(makeResponse(invite, 486));
    expect(txn.state).toBe(TransactionState.Completed);
    const times: number[] = [];
    for (let t = 50; t < 32000; t += 50) {
      const before = sender.responses(486).length;
      jest.advanceTimersByTime(50);
      if (sender.responses(486).length > before) times.push(t);
    }
    expect(times.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
    expect(onTimeout).not.toHaveBeenCalled();
    jest.advanceTimersByTime(50);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(onTimeout).toHaveBeenCalledTimes(1);
    expect(context.terminated).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('Completed: retransmitted INVITE gets the final again; ACK -> Confirmed, absorbs ACKs, timer I = T4', async () => {
    const { sender, txn, invite, context } = setup();
    await txn.respond(makeResponse(invite, 404));
    expect(txn.request).toBeUndefined(); // the final is kept as bytes, the INVITE dropped
    txn.receiveRequest(invite);
    expect(sender.responses(404)).toHaveLength(2);
    expect(txn.receiveRequest(ackFor(invite))).toBe(false);
    expect(txn.state).toBe(TransactionState.Confirmed);
    expect(txn.receiveRequest(ackFor(invite))).toBe(false);
    txn.receiveRequest(invite);
    jest.advanceTimersByTime(4999);
    expect(sender.responses(404)).toHaveLength(2); // G and retransmissions stopped
    expect(txn.state).toBe(TransactionState.Confirmed);
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('2xx: Accepted (RFC 6026), INVITE retransmissions absorbed, ACK passed to the TU, TU re-sends 2xx, timer L', async () => {
    const { sender, txn, invite, context } = setup();
    await txn.respond(makeResponse(invite, 180));
    expect(txn.request).toBe(invite);
    await txn.respond(makeResponse(invite, 200));
    expect(txn.state).toBe(TransactionState.Accepted);
    expect(txn.request).toBeUndefined();
    expect(txn.receiveRequest(invite)).toBe(false);
    expect(sender.sent).toHaveLength(2);
    await txn.respond(makeResponse(invite, 200));
    expect(sender.responses(200)).toHaveLength(2);
    expect(txn.receiveRequest(ackFor(invite))).toBe(true);
    await expect(txn.respond(makeResponse(invite, 180))).rejects.toBeInstanceOf(TransactionStateError);
    jest.advanceTimersByTime(31999);
    expect(txn.state).toBe(TransactionState.Accepted);
    expect(sender.responses(200)).toHaveLength(2); // the transaction never retransmits a 2xx itself
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('rejects a second final and responses after Terminated', async () => {
    const { txn, invite } = setup();
    await txn.respond(makeResponse(invite, 500));
    await expect(txn.respond(makeResponse(invite, 200))).rejects.toBeInstanceOf(TransactionStateError);
    await expect(txn.respond(makeResponse(invite, 503))).rejects.toBeInstanceOf(TransactionStateError);
    txn.dispose();
    await expect(txn.respond(makeResponse(invite, 180))).rejects.toBeInstanceOf(TransactionStateError);
  });

  it('reliable transport: no timer G, timer I is zero, timer H still applies', async () => {
    const onTimeout = jest.fn();
    const { sender, txn, invite } = setup({ onTimeout }, TCP_PEER);
    await txn.respond(makeResponse(invite, 486));
    jest.advanceTimersByTime(31999);
    expect(sender.responses(486)).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(onTimeout).toHaveBeenCalledTimes(1);

    const second = setup({}, TCP_PEER);
    await second.txn.respond(makeResponse(second.invite, 486));
    second.txn.receiveRequest(ackFor(second.invite));
    expect(second.txn.state).toBe(TransactionState.Confirmed);
    jest.advanceTimersByTime(0);
    expect(second.txn.state).toBe(TransactionState.Terminated);
  });

  it('transport error: respond rejects with TransportError; a failed retransmission calls onTransportError', async () => {
    const first = setup();
    first.sender.failNext = true;
    await expect(first.txn.respond(makeResponse(first.invite, 200))).rejects.toBeInstanceOf(TransportError);
    expect(first.txn.state).toBe(TransactionState.Terminated);

    const onTransportError = jest.fn();
    const second = setup({ onTransportError });
    await second.txn.respond(makeResponse(second.invite, 486));
    second.sender.failNext = true;
    jest.advanceTimersByTime(500);
    await flushPromises();
    expect(second.txn.state).toBe(TransactionState.Terminated);
    expect(onTransportError).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
