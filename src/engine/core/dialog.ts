/**
 * Dialog state (RFC 3261 §12) as the engine keeps it for one app connection (wire protocol §6.3,
 * §10 "Engine state model"). Timers belonging to a dialog are owned here and cleared by dispose().
 */
import type { AppConnection } from '../control/types';
import type { SipRequest } from '../message/sip-message';
import type { Endpoint, TransportProtocol } from '../transport/types';

export type DialogRole = 'uas' | 'uac';
export type DialogKind = 'invite' | 'subscribe';
export type DialogState = 'early' | 'confirmed';

/** A 2xx to an INVITE the engine answered for the app, re-sent until the ACK comes (§13.3.1.4). */
export interface AwaitingAck {
  cseq: number;
  /** Retransmission timer (timer G style) and give-up timer (timer H style). */
  retransmit?: NodeJS.Timeout;
  giveUp: NodeJS.Timeout;
}

/** An ACK the engine sent for a 2xx, re-sent when that 2xx is retransmitted (§13.2.2.4). */
export interface SentAck {
  cseq: number;
  request: SipRequest;
  destination: Endpoint;
}

export interface DialogInit {
  id: string;
  role: DialogRole;
  kind: DialogKind;
  state: DialogState;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From/To values without tag params as they appear on our side / the peer's side. */
  localUri: string;
  remoteUri: string;
  localContact: string;
  remoteTarget: string;
  routeSet: string[];
  localCSeq: number;
  remoteCSeq?: number;
  owner: AppConnection;
  protocol: TransportProtocol;
  /** Where the peer's messages came from: used as next hop over TCP (connection reuse). */
  peer: Endpoint;
}

export class Dialog {
  readonly id: string;
  readonly role: DialogRole;
  readonly kind: DialogKind;
  state: DialogState;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  localContact: string;
  remoteTarget: string;
  routeSet: string[];
  localCSeq: number;
  remoteCSeq: number | undefined;
  readonly owner: AppConnection;
  readonly protocol: TransportProtocol;
  peer: Endpoint;
  /** CSeq of the last INVITE we sent in this dialog (initial or re-INVITE), and whether it got a 2xx. */
  lastSentInvite: { cseq: number; succeeded: boolean } | undefined;
  awaitingAck: AwaitingAck | undefined;
  sentAck: SentAck | undefined;
  /** The app cancelled the INVITE but a 2xx won the race: BYE after the app's ACK (§5.3). */
  byeAfterAck = false;
  /** RSeq of the last reliable provisional we sent (RFC 3262 §3). */
  rseq = 0;
  private readonly ownedTimers = new Set<NodeJS.Timeout>();

  constructor(init: DialogInit) {
    this.id = init.id;
    this.role = init.role;
    this.kind = init.kind;
    this.state = init.state;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localContact = init.localContact;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localCSeq = init.localCSeq;
    this.remoteCSeq = init.remoteCSeq;
    this.owner = init.owner;
    this.protocol = init.protocol;
    this.peer = init.peer;
  }

  /** Key of the dialog for matching messages: Call-ID + local tag + remote tag (§12). */
  get matchKey(): string {
    return dialogMatchKey(this.callId, this.localTag, this.remoteTag);
  }

  nextLocalCSeq(): number {
    this.localCSeq += 1;
    return this.localCSeq;
  }

  /** Registers a timer so dispose() clears it. */
  own(timer: NodeJS.Timeout): NodeJS.Timeout {
    this.ownedTimers.add(timer);
    return timer;
  }

  release(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.ownedTimers.delete(timer);
  }

  stopAwaitingAck(): void {
    if (this.awaitingAck === undefined) return;
    this.release(this.awaitingAck.retransmit);
    this.release(this.awaitingAck.giveUp);
    this.awaitingAck = undefined;
  }

  dispose(): void {
    for (const timer of this.ownedTimers) clearTimeout(timer);
    this.ownedTimers.clear();
    this.awaitingAck = undefined;
  }
}

export function dialogMatchKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}
