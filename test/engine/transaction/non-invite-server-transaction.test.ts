import { serializeMessage } from '../../../src/engine/message/serializer';
import { NonInviteServerTransaction } from '../../../src/engine/transaction/non-invite-server-transaction';
import { TransactionState, TransactionStateError } from '../../../src/engine/transaction/transaction-state';
import { BRANCH, FakeSender, makeContext, makeRequest, makeResponse, SOURCE, TCP_PEER, UDP_PEER } from './fixtures';

function setup(destination = UDP_PEER) {
  const sender = new FakeSender();
  const context = makeContext(sender);
  const request = makeRequest('BYE');
  const txn = new NonInviteServerTransaction(BRANCH, request, SOURCE, destination, context);
  return { sender, context, request, txn };
}

describe('NonInviteServerTransaction', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('Trying absorbs retransmissions without answering', () => {
    const { sender, txn, request } = setup();
    expect(txn.state).toBe(TransactionState.Trying);
    expect(txn.receiveRequest(request)).toBe(false);
    expect(sender.sent).toHaveLength(0);
    txn.dispose();
  });

  it('Trying -> Proceeding on 1xx; retransmissions get the last provisional', async () => {
    const { sender, txn, request } = setup();
    await txn.respond(makeResponse(request, 100));
    expect(txn.state).toBe(TransactionState.Proceeding);
    await txn.respond(makeResponse(request, 180));
    txn.receiveRequest(request);
    expect(sender.sent.map((m) => (m.kind === 'response' ? m.status : 0))).toEqual([100, 180, 180]);
    txn.dispose();
  });

  it('Completed keeps the final as bytes only: the request is dropped, a retransmission gets the same response', async () => {
    const { sender, txn, request } = setup();
    const final = makeResponse(request, 486);
    final.body = Buffer.from([0xc3, 0x28, 0xff, 0x00]); // not UTF-8: must come back byte for byte
    final.append('Content-Type', 'application/octet-stream');
    await txn.respond(final);
    expect(txn.request).toBeUndefined();
    txn.receiveRequest(request);
    const [first, again] = sender.responses(486);
    expect(again).not.toBe(first);
    expect(serializeMessage(again!)).toEqual(serializeMessage(first!));
    txn.dispose();
  });

  it('final: Completed, retransmissions get the final, timer J = 64*T1, no second final', async () => {
    const { sender, txn, request, context } = setup();
    await txn.respond(makeResponse(request, 100));
    await txn.respond(makeResponse(request, 200));
    expect(txn.state).toBe(TransactionState.Completed);
    txn.receiveRequest(request);
    expect(sender.responses(200)).toHaveLength(2);
    await expect(txn.respond(makeResponse(request, 500))).rejects.toBeInstanceOf(TransactionStateError);
    jest.advanceTimersByTime(31999);
    expect(txn.state).toBe(TransactionState.Completed);
    expect(sender.responses(200)).toHaveLength(2); // no retransmission timer for non-INVITE servers
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('Trying -> Completed directly; reliable transport: timer J is zero', async () => {
    const { txn, request } = setup(TCP_PEER);
    await txn.respond(makeResponse(request, 481));
    expect(txn.state).toBe(TransactionState.Completed);
    jest.advanceTimersByTime(0);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(jest.getTimerCount()).toBe(0);
  });
});
