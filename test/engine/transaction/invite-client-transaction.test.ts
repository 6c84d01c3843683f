import { InviteClientTransaction } from '../../../src/engine/transaction/invite-client-transaction';
import { TransactionState } from '../../../src/engine/transaction/transaction-state';
import { TransportError } from '../../../src/engine/transport/types';
import {
  BRANCH, FakeSender, flushPromises, makeContext, makeRequest, makeResponse, RecordingUser, SOURCE, TCP_PEER, UDP_PEER,
} from './fixtures';

function setup(destination = UDP_PEER) {
  const sender = new FakeSender();
  const context = makeContext(sender);
  const tu = new RecordingUser();
  const invite = makeRequest('INVITE');
  const txn = new InviteClientTransaction(BRANCH, invite, destination, tu, context);
  txn.start();
  return { sender, context, tu, invite, txn };
}

describe('InviteClientTransaction', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the INVITE and retransmits with timer A doubling from T1 (uncapped) until timer B', () => {
    const { sender, tu, txn, context } = setup();
    expect(txn.state).toBe(TransactionState.Calling);
    expect(sender.requests('INVITE')).toHaveLength(1);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s.
    const expected: Array<[number, number]> = [[499, 1], [1, 2], [999, 2], [1, 3], [2000, 4], [4000, 5], [8000, 6], [16000, 7]];
    for (const [advance, count] of expected) {
      jest.advanceTimersByTime(advance);
      expect(sender.requests('INVITE')).toHaveLength(count);
    }
    expect(tu.timeouts).toBe(0);
    jest.advanceTimersByTime(500); // 32 s = 64*T1: timer B
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(tu.timeouts).toBe(1);
    expect(context.terminated).toBe(1);
    jest.advanceTimersByTime(60000);
    expect(sender.requests('INVITE')).toHaveLength(7);
  });

  it('Calling -> Proceeding on 1xx: stops A and B, passes every provisional to the TU', () => {
    const { sender, tu, txn, invite } = setup();
    txn.receiveResponse(makeResponse(invite, 100), SOURCE);
    expect(txn.state).toBe(TransactionState.Proceeding);
    txn.receiveResponse(makeResponse(invite, 180), SOURCE);
    expect(tu.responses.map((r) => r.status)).toEqual([100, 180]);
    jest.advanceTimersByTime(100000);
    expect(sender.requests('INVITE')).toHaveLength(1);
    expect(tu.timeouts).toBe(0);
    expect(txn.state).toBe(TransactionState.Proceeding);
    txn.dispose();
  });

  it('non-2xx: Completed, builds the §17.1.1.3 ACK, re-ACKs retransmissions without telling the TU, timer D', () => {
    const { sender, tu, txn, invite, context } = setup();
    txn.receiveResponse(makeResponse(invite, 180), SOURCE);
    const busy = makeResponse(invite, 486, 'busytag');
    txn.receiveResponse(busy, SOURCE);
    expect(txn.state).toBe(TransactionState.Completed);
    expect(txn.request).toBeUndefined(); // only the ACK's bytes are kept for timer D
    expect(tu.responses.map((r) => r.status)).toEqual([180, 486]);
    const [ack] = sender.requests('ACK');
    expect(ack.uri).toBe(invite.uri);
    expect(ack.getAll('via')).toEqual([invite.get('via')]);
    expect(ack.get('via')).toContain(`branch=${BRANCH}`);
    expect(ack.get('to')).toBe('<sip:bob@example.com>;tag=busytag');
    expect(ack.get('from')).toBe(invite.get('from'));
    expect(ack.callId).toBe(invite.callId);
    expect(ack.get('cseq')).toBe('1 ACK');
    expect(ack.getAll('route')).toEqual(invite.getAll('route'));

    txn.receiveResponse(makeResponse(invite, 486, 'busytag'), SOURCE);
    expect(sender.requests('ACK')).toHaveLength(2);
    expect(tu.responses).toHaveLength(2);

    jest.advanceTimersByTime(32000 - 1);
    expect(txn.state).toBe(TransactionState.Completed);
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('Calling -> Completed directly on a final without provisional', () => {
    const { sender, txn, invite } = setup();
    txn.receiveResponse(makeResponse(invite, 603), SOURCE);
    expect(txn.state).toBe(TransactionState.Completed);
    expect(sender.requests('ACK')).toHaveLength(1);
    jest.advanceTimersByTime(10000);
    expect(sender.requests('INVITE')).toHaveLength(1);
  });

  it('2xx: Accepted (RFC 6026), no ACK from the transaction, retransmitted 2xx reach the TU, timer M', () => {
    const { sender, tu, txn, invite, context } = setup();
    expect(txn.request).toBe(invite);
    txn.receiveResponse(makeResponse(invite, 200), SOURCE);
    expect(txn.state).toBe(TransactionState.Accepted);
    expect(txn.request).toBeUndefined();
    txn.receiveResponse(makeResponse(invite, 200), SOURCE);
    txn.receiveResponse(makeResponse(invite, 486), SOURCE);
    expect(tu.responses.map((r) => r.status)).toEqual([200, 200]);
    expect(sender.requests('ACK')).toHaveLength(0);
    jest.advanceTimersByTime(32000 - 1);
    expect(txn.state).toBe(TransactionState.Accepted);
    expect(sender.requests('INVITE')).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('Proceeding -> Accepted on 2xx', () => {
    const { txn, invite } = setup();
    txn.receiveResponse(makeResponse(invite, 183), SOURCE);
    txn.receiveResponse(makeResponse(invite, 200), SOURCE);
    expect(txn.state).toBe(TransactionState.Accepted);
    txn.dispose();
  });

  it('reliable transport: no timer A, timer D is zero, timer B still applies', () => {
    const { sender, txn, invite, tu } = setup(TCP_PEER);
    jest.advanceTimersByTime(31999);
    expect(sender.requests('INVITE')).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(tu.timeouts).toBe(1);

    const second = setup(TCP_PEER);
    second.txn.receiveResponse(makeResponse(second.invite, 500), SOURCE);
    expect(second.txn.state).toBe(TransactionState.Completed);
    jest.advanceTimersByTime(0);
    expect(second.txn.state).toBe(TransactionState.Terminated);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(invite.method).toBe('INVITE');
  });

  it('transport error: Terminated and tu.onTransportError', async () => {
    const sender = new FakeSender();
    sender.failNext = true;
    const context = makeContext(sender);
    const tu = new RecordingUser();
    const txn = new InviteClientTransaction(BRANCH, makeRequest('INVITE'), UDP_PEER, tu, context);
    txn.start();
    await flushPromises();
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(tu.transportErrors).toHaveLength(1);
    expect(tu.transportErrors[0]).toBeInstanceOf(TransportError);
    expect(context.terminated).toBe(1);
    jest.advanceTimersByTime(64000);
    expect(sender.requests('INVITE')).toHaveLength(1);
    expect(tu.timeouts).toBe(0);
  });

  it('dispose clears every timer and terminates once', () => {
    const { sender, txn, context, tu } = setup();
    txn.dispose();
    txn.dispose();
    jest.advanceTimersByTime(64000);
    expect(sender.requests('INVITE')).toHaveLength(1);
    expect(tu.timeouts).toBe(0);
    expect(context.terminated).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a throwing TU does not break the machine', () => {
    const { txn, invite, tu, sender } = setup();
    tu.onResponse = () => {
      throw new Error('TU bug');
    };
    expect(() => txn.receiveResponse(makeResponse(invite, 404), SOURCE)).not.toThrow();
    expect(txn.state).toBe(TransactionState.Completed);
    expect(sender.requests('ACK')).toHaveLength(1);
  });
});
