import pino from 'pino';
import { newBranch, newTag, SipRequest, SipResponse, type AnySipMessage } from '../../../src/engine/message';
import { TransactionLayer } from '../../../src/engine/transaction/transaction-layer';
import type { ServerTransaction, TimerSettings, TransactionLayerUser } from '../../../src/engine/transaction/types';
import { createTransportLayer } from '../../../src/engine/transport/transport-layer';
import type { Endpoint, ListenSpec, ReceivedMessage, SentMessage, Source, TransportLayer } from '../../../src/engine/transport/types';

const log = pino({ level: 'silent' });
/** Short but not tight: a loaded two-core machine still answers within 64*T1 = 3.2 s. */
const TIMERS: TimerSettings = { T1: 50, T2: 400, T4: 250 };

/** Deterministic PRNG so that a failure can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Drops a share of outgoing messages as if the network lost them. */
class LossyTransport implements TransportLayer {
  dropped = 0;
  constructor(
    private readonly inner: TransportLayer,
    private readonly random: () => number,
    private readonly loss: number,
  ) {}
  listening(): ListenSpec[] {
    return this.inner.listening();
  }
  send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage> {
    if (this.random() < this.loss) {
      this.dropped += 1;
      return Promise.resolve({ local: this.inner.localFor(destination), destination, bytes: 0 });
    }
    return this.inner.send(message, destination);
  }
  sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage> {
    if (this.random() < this.loss) {
      this.dropped += 1;
      return Promise.resolve({ local: this.inner.localFor(destination), destination, bytes: 0 });
    }
    return this.inner.sendRaw(data, destination);
  }
  localFor(destination: Endpoint): Endpoint {
    return this.inner.localFor(destination);
  }
  onMessage(handler: (received: ReceivedMessage) => void): void {
    this.inner.onMessage(handler);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function copyDialogHeaders(from: SipRequest, to: SipResponse, toTag: string | undefined): void {
  for (const via of from.getAll('via')) to.append('Via', via);
  to.append('From', from.get('from')!);
  const toValue = from.get('to')!;
  to.append('To', toTag === undefined || toValue.includes('tag=') ? toValue : `${toValue};tag=${toTag}`);
  to.append('Call-ID', from.callId);
  to.append('CSeq', from.get('cseq')!);
}

/** A minimal UAS core: answers INVITEs (200 or 486), retransmits 2xx until ACK (§13.3.1.4), answers the rest with 200. */
class UasCore implements TransactionLayerUser {
  layer!: TransactionLayer;
  readonly acked = new Set<string>();
  readonly pending2xx = new Map<string, NodeJS.Timeout>();

  onRequest(request: SipRequest, source: Source): void {
    if (request.method === 'ACK') {
      this.acked.add(request.callId);
      clearTimeout(this.pending2xx.get(request.callId));
      this.pending2xx.delete(request.callId);
      return;
    }
    const txn = this.layer.createServerTransaction(request, source, { autoTrying: true });
    if (request.method === 'INVITE') this.answerInvite(request, txn);
    else void this.reply(txn, request, 200, 'OK');
  }

  onStrayResponse(): void {}

  private answerInvite(invite: SipRequest, txn: ServerTransaction): void {
    const tag = newTag();
    const reject = invite.callId.startsWith('reject');
    setTimeout(() => {
      void this.reply(txn, invite, 180, 'Ringing', tag);
      if (reject) {
        void this.reply(txn, invite, 486, 'Busy Here', tag);
        return;
      }
      const ok = new SipResponse(200, 'OK');
      copyDialogHeaders(invite, ok, tag);
      ok.append('Contact', '<sip:uas@127.0.0.1>');
      void txn.respond(ok).catch(() => undefined);
      this.retransmit2xx(invite.callId, ok, txn.source, TIMERS.T1);
    }, 20).unref();
  }

  private retransmit2xx(callId: string, ok: SipResponse, source: Source, interval: number): void {
    const timer = setTimeout(() => {
      if (this.acked.has(callId)) return;
      void this.layer.sendStateless(ok, { protocol: source.protocol, address: source.address, port: source.port }).catch(() => undefined);
      this.retransmit2xx(callId, ok, source, Math.min(2 * interval, TIMERS.T2));
    }, interval);
    timer.unref();
    this.pending2xx.set(callId, timer);
  }

  private async reply(txn: ServerTransaction, request: SipRequest, status: number, reason: string, tag = newTag()): Promise<void> {
    const response = new SipResponse(status, reason);
    copyDialogHeaders(request, response, status === 100 ? undefined : tag);
    await txn.respond(response).catch(() => undefined);
  }

  close(): void {
    for (const timer of this.pending2xx.values()) clearTimeout(timer);
  }
}

class UacCore implements TransactionLayerUser {
  onRequest(): void {}
  onStrayResponse(): void {}
}

describe.each([
  ['udp' as const, 0.1],
  ['tcp' as const, 0],
])('TransactionLayer over real %s with loss %p', (protocol, loss) => {
  let uacTransport: LossyTransport;
  let uasTransport: LossyTransport;
  let uac: TransactionLayer;
  let uas: TransactionLayer;
  let uasCore: UasCore;

  beforeAll(async () => {
    const random = mulberry32(20240611);
    const listen: ListenSpec[] = [{ protocol, host: '127.0.0.1', port: 0 }];
    uacTransport = new LossyTransport(await createTransportLayer(listen, log), random, loss);
    uasTransport = new LossyTransport(await createTransportLayer(listen, log), random, loss);
    uasCore = new UasCore();
    uas = new TransactionLayer(uasTransport, TIMERS, uasCore, log);
    uasCore.layer = uas;
    uac = new TransactionLayer(uacTransport, TIMERS, new UacCore(), log);
  });

  afterAll(async () => {
    uasCore.close();
    uac.close();
    uas.close();
    await uacTransport.close();
    await uasTransport.close();
  });

  function newRequest(method: string, callId: string, cseq: number, toTag?: string): SipRequest {
    const local = uacTransport.localFor({ protocol, address: '127.0.0.1', port: 0 });
    const request = new SipRequest(method, `sip:uas@127.0.0.1:${uasTransport.listening()[0].port}`);
    request.append('Via', `SIP/2.0/${protocol.toUpperCase()} ${local.address}:${local.port};branch=${newBranch()};rport`);
    request.append('Max-Forwards', '70');
    request.append('From', `<sip:uac@127.0.0.1>;tag=${callId}-from`);
    request.append('To', toTag === undefined ? '<sip:uas@127.0.0.1>' : `<sip:uas@127.0.0.1>;tag=${toTag}`);
    request.append('Call-ID', callId);
    request.append('CSeq', `${cseq} ${method}`);
    return request;
  }

  /** Runs a client transaction to its final response; for a 2xx to INVITE the TU ACKs every copy. */
  function transact(request: SipRequest): Promise<SipResponse> {
    const destination: Endpoint = { protocol, address: '127.0.0.1', port: uasTransport.listening()[0].port };
    return new Promise((resolve, reject) => {
      let final: SipResponse | undefined;
      uac.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status < 200) return;
          if (request.method === 'INVITE' && response.status < 300) {
            // RFC 3261 §13.2.2.4: the UAC core ACKs every 2xx (retransmissions included), new branch.
            const ack = newRequest('ACK', request.callId, 1, /tag=([^;>\s]+)/.exec(response.get('to')!)![1]);
            ack.uri = request.uri;
            void uac.sendStateless(ack, destination).catch(() => undefined);
          }
          if (final === undefined) {
            final = response;
            resolve(response);
          }
        },
        onTimeout: () => reject(new Error(`${request.method} ${request.callId} timed out`)),
        onTransportError: (error) => reject(error),
      });
    });
  }

  it('INVITE/200/ACK, INVITE/486/ACK, BYE and OPTIONS all complete; both layers end with no transactions', async () => {
    const calls = Array.from({ length: 25 }, async (_, i) => {
      const callId = `call-${i}`;
      const ok = await transact(newRequest('INVITE', callId, 1));
      expect(ok.status).toBe(200);
      const toTag = /tag=([^;>\s]+)/.exec(ok.get('to')!)![1];
      const bye = await transact(newRequest('BYE', callId, 2, toTag));
      expect(bye.status).toBe(200);
    });
    const rejects = Array.from({ length: 10 }, async (_, i) => {
      const busy = await transact(newRequest('INVITE', `reject-${i}`, 1));
      expect(busy.status).toBe(486);
    });
    const options = Array.from({ length: 10 }, async (_, i) => {
      const response = await transact(newRequest('OPTIONS', `options-${i}`, 1));
      expect(response.status).toBe(200);
    });
    await Promise.all([...calls, ...rejects, ...options]);

    // On UDP, loss really happened in both directions, so retransmissions were exercised.
    if (loss > 0) {
      expect(uacTransport.dropped).toBeGreaterThan(0);
      expect(uasTransport.dropped).toBeGreaterThan(0);
    }

    // Every 2xx was ACKed eventually (the UAS core retransmits the 2xx until then).
    const deadline = Date.now() + 15000;
    while (uasCore.acked.size < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(uasCore.acked.size).toBe(25);

    // Timers D, K, I, J, L, M run out: no transaction is left behind.
    while ((uac.counts().client > 0 || uas.counts().server > 0) && Date.now() < deadline + 10000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(uac.counts()).toEqual({ client: 0, server: 0 });
    expect(uas.counts()).toEqual({ client: 0, server: 0 });
  });
});
