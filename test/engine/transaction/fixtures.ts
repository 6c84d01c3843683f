import pino from 'pino';
import { parseMessage } from '../../../src/engine/message/parser';
import { SipRequest, SipResponse, type AnySipMessage } from '../../../src/engine/message/sip-message';
import type { TransactionContext } from '../../../src/engine/transaction/transaction-context';
import type { ClientTransactionUser, TimerSettings } from '../../../src/engine/transaction/types';
import { TransportError, type Endpoint, type SentMessage, type Source } from '../../../src/engine/transport/types';

export const TIMERS: TimerSettings = { T1: 500, T2: 4000, T4: 5000 };
export const silentLog = pino({ level: 'silent' });

export const UDP_PEER: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: 5070 };
export const TCP_PEER: Endpoint = { protocol: 'tcp', address: '127.0.0.1', port: 5070 };
export const SOURCE: Source = { ...UDP_PEER, localAddress: '127.0.0.1', localPort: 5060 };

/** Records every send; `failNext` makes the next send reject with a TransportError. */
export class FakeSender {
  readonly sent: AnySipMessage[] = [];
  failNext = false;

  send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage> {
    this.sent.push(message);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new TransportError('connection refused'));
    }
    return Promise.resolve({ local: { ...destination, port: 5060 }, destination, bytes: 100 });
  }

  /** Kept bytes (a retransmission) are recorded parsed, like everything else. */
  sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage> {
    return this.send(parseMessage(data), destination);
  }

  requests(method: string): SipRequest[] {
    return this.sent.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  responses(status: number): SipResponse[] {
    return this.sent.filter((m): m is SipResponse => m.kind === 'response' && m.status === status);
  }
}

export function makeContext(sender: FakeSender): TransactionContext & { terminated: number } {
  const context = {
    sender,
    timers: TIMERS,
    log: silentLog,
    trace: (): void => undefined,
    terminated: 0,
    onTerminated(): void {
      context.terminated += 1;
    },
  };
  return context;
}

export class RecordingUser implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  timeouts = 0;
  transportErrors: Error[] = [];
  onResponse(response: SipResponse): void {
    this.responses.push(response);
  }
  onTimeout(): void {
    this.timeouts += 1;
  }
  onTransportError(error: Error): void {
    this.transportErrors.push(error);
  }
}

export const BRANCH = 'z9hG4bK-test-1';

export function makeRequest(method: string, branch = BRANCH, cseq = 1): SipRequest {
  const request = new SipRequest(method, 'sip:bob@127.0.0.1:5070');
  request.append('Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch};rport`);
  request.append('Route', '<sip:proxy.example.com;lr>');
  request.append('Max-Forwards', '70');
  request.append('From', '<sip:alice@example.com>;tag=from1');
  request.append('To', '<sip:bob@example.com>');
  request.append('Call-ID', 'call-1@example.com');
  request.append('CSeq', `${cseq} ${method}`);
  return request;
}

export function makeResponse(request: SipRequest, status: number, toTag = 'to1'): SipResponse {
  const response = new SipResponse(status, status === 200 ? 'OK' : 'Status');
  for (const via of request.getAll('via')) response.append('Via', via);
  response.append('From', request.get('from')!);
  response.append('To', status === 100 ? request.get('to')! : `${request.get('to')!};tag=${toTag}`);
  response.append('Call-ID', request.callId);
  response.append('CSeq', request.get('cseq')!);
  return response;
}

/** Let rejected sends reach their catch handlers. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
