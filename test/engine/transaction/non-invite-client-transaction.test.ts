import { NonInviteClientTransaction } from '../../../src/engine/transaction/non-invite-client-transaction';
import { TransactionState } from '../../../src/engine/transaction/transaction-state';
import {
  BRANCH, FakeSender, flushPromises, makeContext, makeRequest, makeResponse, RecordingUser, SOURCE, TCP_PEER, UDP_PEER,
} from './fixtures';

function setup(destination = UDP_PEER) {
  const sender = new FakeSender();
  const context = makeContext(sender);
  const tu = new RecordingUser();
  const request = makeRequest('OPTIONS');
  const txn = new NonInviteClientTransaction(BRANCH, request, destination, tu, context);
  txn.start();
  return { sender, context, tu, request, txn };
}

/** Advance the clock step by step and record when the sender saw each new copy of the request. */
function retransmissionTimes(sender: { requests(m: string): unknown[] }, method: string, until: number, step = 50): number[] {
  const times: number[] = [];
  let seen = sender.requests(method).length;
  for (let t = step; t <= until; t += step) {
    jest.advanceTimersByTime(step);
    const now = sender.requests(method).length;
    for (; seen < now; seen++) times.push(t);
  }
  return times;
}

describe('NonInviteClientTransaction', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('Trying: timer E doubles from T1 up to T2, then timer F times out at 64*T1', () => {
    const { sender, tu, txn, context } = setup();
    expect(txn.state).toBe(TransactionState.Trying);
    const times = retransmissionTimes(sender, 'OPTIONS', 31950);
    // Intervals 0.5, 1, 2, 4, 4, 4 ... s.
    expect(times.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
    expect(times).toHaveLength(10); // ..., 19.5, 23.5, 27.5, 31.5
    expect(tu.timeouts).toBe(0);
    jest.advanceTimersByTime(50); // 32 s: timer F
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(tu.timeouts).toBe(1);
    expect(context.terminated).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('Trying -> Proceeding on 1xx: E continues at T2 and F still times out', () => {
    const { sender, tu, txn, request } = setup();
    jest.advanceTimersByTime(600); // one retransmission at 0.5 s, E now 1 s (fires at 1.5 s)
    txn.receiveResponse(makeResponse(request, 100), SOURCE);
    expect(txn.state).toBe(TransactionState.Proceeding);
    expect(tu.responses.map((r) => r.status)).toEqual([100]);
    const times = retransmissionTimes(sender, 'OPTIONS', 10000 - 600);
    // Next at 1.5 s (already scheduled), then reset to T2: 5.5, 9.5 s.
    expect(times.map((t) => t + 600)).toEqual([1500, 5500, 9500]);
    jest.advanceTimersByTime(32000 - 10000);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(tu.timeouts).toBe(1);
  });

  it('final response: Completed, absorbs retransmissions, timer K = T4 then Terminated', () => {
    const { sender, tu, txn, request, context } = setup();
    txn.receiveResponse(makeResponse(request, 180), SOURCE);
    txn.receiveResponse(makeResponse(request, 200), SOURCE);
    expect(txn.state).toBe(TransactionState.Completed);
    txn.receiveResponse(makeResponse(request, 200), SOURCE);
    expect(tu.responses.map((r) => r.status)).toEqual([180, 200]);
    jest.advanceTimersByTime(4999);
    expect(txn.state).toBe(TransactionState.Completed);
    expect(sender.requests('OPTIONS')).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(context.terminated).toBe(1);
  });

  it('Trying -> Completed directly on a final (error responses too)', () => {
    const { txn, request, tu } = setup();
    txn.receiveResponse(makeResponse(request, 404), SOURCE);
    expect(txn.state).toBe(TransactionState.Completed);
    expect(tu.responses).toHaveLength(1);
    txn.dispose();
  });

  it('reliable transport: no timer E, timer K is zero', () => {
    const { sender, txn, request } = setup(TCP_PEER);
    jest.advanceTimersByTime(10000);
    expect(sender.requests('OPTIONS')).toHaveLength(1);
    txn.receiveResponse(makeResponse(request, 200), SOURCE);
    expect(txn.state).toBe(TransactionState.Completed);
    jest.advanceTimersByTime(0);
    expect(txn.state).toBe(TransactionState.Terminated);
  });

  it('transport error on a retransmission: Terminated and tu.onTransportError', async () => {
    const { sender, tu, txn } = setup();
    sender.failNext = true;
    jest.advanceTimersByTime(500);
    await flushPromises();
    expect(txn.state).toBe(TransactionState.Terminated);
    expect(tu.transportErrors).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
