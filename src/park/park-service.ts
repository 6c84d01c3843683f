/**
 * The park facade the SIP app and the admin API call. Transport-agnostic: parties are URIs,
 * results are snapshots, refusals are ParkError classes, and every fact leaves as a ParkEvents
 * event. Every operation is synchronous, so no await can split a state check from its write.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CallTimers } from './call-timers';
import { SystemClock, type Clock } from './clock';
import {
  AlreadyRetrievingError,
  LotFullError,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOutOfRangeError,
  ParkDrainingError,
  ParkNotAllowedError,
  ParkStateError,
  ParkedCallNotFoundError,
} from './errors';
import { OrderedEmitter, type FallbackCause, type Listener, type OrbitLampState, type ParkEvents } from './events';
import { normalizeIdentity } from './identity';
import { Lot, lotsContaining } from './lot';
import { ParkedCall, type ParkedCallSnapshot } from './parked-call';
import type { EndReason } from './parked-call-state';
import { PolicyBook, type FallbackAction, type ParkPolicy, type ParkPolicyInput } from './policy';
import { InMemoryParkStore, type ParkStore } from './store';

export interface ParkServiceOptions {
  policies: PolicyBook | readonly ParkPolicyInput[];
  log: Logger;
  store?: ParkStore;
  clock?: Clock;
  /** Id generator for parked calls (default: random UUIDs). */
  newId?: () => string;
  /** Seconds an attended-park reservation may wait for its transfer (default 120). */
  reservationTimeout?: number;
}

export interface ParkerRef {
  /** The parker's identity URI (any name-addr/URI form; normalised here). */
  identity: string;
  /** The parker's Contact, preferred for ring back. */
  contact?: string;
}

export interface ParkedPartyRef {
  identity: string;
  displayName?: string;
}

export interface ParkRequest {
  parker: ParkerRef;
  parked: ParkedPartyRef;
  /** Directed park to this orbit; omitted: allocate by the policy. */
  orbit?: number;
}

export interface RetrieveRequest {
  orbit: number;
  retriever: string;
}

/** A retrieval in progress. The app must call exactly one of complete() or fail(). */
export interface RetrieveTicket {
  readonly call: ParkedCallSnapshot;
  readonly retriever: string;
  /** The retriever is bridged: the call ends as `retrieved`. Throws ParkStateError if the call ended meanwhile. */
  complete(): ParkedCallSnapshot;
  /** The retrieval failed: the call is parked again. False when the call had ended meanwhile. */
  fail(cause?: string): boolean;
}

export interface ParkCounts {
  reserved: number;
  parked: number;
  retrieving: number;
  ringingBack: number;
  /** Armed timers (reservation, park and ring-back timeouts). */
  timers: number;
  /** Snapshots and orbit claims in the store. */
  storedCalls: number;
  heldOrbits: number;
}

export interface LotSummary {
  readonly name: string;
  readonly rangeStart: number;
  readonly rangeEnd: number;
  readonly occupied: number[];
}

const DEFAULT_RESERVATION_TIMEOUT_S = 120;

export class ParkService {
  readonly policies: PolicyBook;
  private readonly log: Logger;
  private readonly store: ParkStore;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly reservationTimeoutMs: number;
  private readonly events: OrderedEmitter<ParkEvents>;
  private readonly timers: CallTimers;
  private readonly lotsByName = new Map<string, Lot>();
  private readonly calls = new Map<string, ParkedCall>();
  private readonly lamps = new Map<string, OrbitLampState>();
  private readonly tickets = new Map<string, symbol>();
  private readonly idleWaiters: Array<() => void> = [];
  private mode: 'open' | 'draining' | 'stopped' = 'open';

  constructor(options: ParkServiceOptions) {
    this.policies = options.policies instanceof PolicyBook ? options.policies : new PolicyBook(options.policies);
    this.log = options.log;
    this.store = options.store ?? new InMemoryParkStore();
    this.clock = options.clock ?? new SystemClock();
    this.newId = options.newId ?? randomUUID;
    this.reservationTimeoutMs = (options.reservationTimeout ?? DEFAULT_RESERVATION_TIMEOUT_S) * 1000;
    this.events = new OrderedEmitter<ParkEvents>(this.log);
    this.timers = new CallTimers(this.clock, this.log);
    for (const policy of this.policies.policies) this.lotsByName.set(policy.name, new Lot(policy, this.store));
  }

  on<K extends keyof ParkEvents>(name: K, listener: Listener<ParkEvents[K]>): () => void {
    return this.events.on(name, listener);
  }

  off<K extends keyof ParkEvents>(name: K, listener: Listener<ParkEvents[K]>): void {
    this.events.off(name, listener);
  }

  // ── parking ────────────────────────────────────────────────────────────────────────────────

  /** Attended park, step 1: reserve an orbit in the parker's lot while the parker hears its number. */
  reserve(request: { parker: ParkerRef }): ParkedCallSnapshot {
    return this.events.batch(() => {
      this.assertOpen();
      const { identity, policy, lot } = this.authorizeParker(request.parker.identity);
      const id = this.newId();
      const orbit = this.allocate(lot, id);
      const call = new ParkedCall({
        id,
        orbit,
        lot: lot.name,
        parker: parkerInfo(identity, request.parker.contact),
        now: this.clock.now(),
        initialState: 'reserved',
      });
      this.calls.set(id, call);
      this.timers.arm(id, this.reservationTimeoutMs, 'reservation', () => this.events.batch(() => this.end(call, 'reservationExpired')));
      this.save(call);
      this.log.info({ callId: id, orbit, policy: policy.name }, 'orbit reserved');
      this.events.emit('reserved', { call: call.snapshot() });
      return call.snapshot();
    });
  }

  /** Attended park, step 2: the parked party arrived (INVITE with Replaces) and takes the reserved orbit. */
  completeReservation(reservationId: string, parked: ParkedPartyRef): ParkedCallSnapshot {
    return this.events.batch(() => {
      const call = this.mustGet(reservationId);
      call.fillReservation(partyInfo(parked));
      call.transition('parked', this.clock.now());
      this.enterParked(call);
      this.events.emit('parked', { call: call.snapshot() });
      return call.snapshot();
    });
  }

  /** The parker left without completing the transfer. False when there was no open reservation. */
  releaseReservation(reservationId: string): boolean {
    return this.events.batch(() => {
      const call = this.calls.get(reservationId);
      if (call === undefined || call.state !== 'reserved') return false;
      this.end(call, 'parkerAbandoned');
      return true;
    });
  }

  /** Blind park (no orbit: allocate) or directed park (orbit given: that one or a refusal). */
  park(request: ParkRequest): ParkedCallSnapshot {
    return this.events.batch(() => {
      this.assertOpen();
      const { identity, lot } = this.authorizeParker(request.parker.identity);
      const id = this.newId();
      let orbit: number;
      if (request.orbit === undefined) {
        orbit = this.allocate(lot, id);
      } else {
        lot.claim(request.orbit, id);
        orbit = request.orbit;
      }
      const call = new ParkedCall({
        id,
        orbit,
        lot: lot.name,
        parker: parkerInfo(identity, request.parker.contact),
        parked: partyInfo(request.parked),
        now: this.clock.now(),
        initialState: 'parked',
      });
      this.calls.set(id, call);
      this.enterParked(call);
      this.events.emit('parked', { call: call.snapshot() });
      return call.snapshot();
    });
  }

  /**
   * The parked party was replaced in its orbit (an attended transfer that arrived after the parker
   * had been parked itself): only who is parked changes; orbit, parker, ring-back target and timers
   * stay. Throws ParkedCallNotFoundError, or ParkStateError unless the call is `parked`.
   */
  replaceParkedParty(callId: string, party: ParkedPartyRef): ParkedCallSnapshot {
    return this.events.batch(() => {
      const call = this.mustGet(callId);
      const previous = call.replaceParty(partyInfo(party));
      this.save(call);
      const snapshot = call.snapshot();
      this.log.info(
        { callId: call.id, orbit: call.orbit, policy: call.lot, parked: snapshot.parked?.identity, previous: previous.identity },
        'parked party replaced',
      );
      this.events.emit('partyReplaced', { call: snapshot, previous });
      return snapshot;
    });
  }

  // ── retrieval ──────────────────────────────────────────────────────────────────────────────

  /** Start connecting `retriever` to the call at `orbit` in the retriever's own lot. */
  beginRetrieve(request: RetrieveRequest): RetrieveTicket {
    return this.events.batch(() => {
      const { call, retriever } = this.findForRetrieval(request.orbit, request.retriever);
      if (call.state === 'retrieving') throw new AlreadyRetrievingError(call.orbit, call.lot, 'retrieving');
      if (call.state === 'ringingBack') throw new AlreadyRetrievingError(call.orbit, call.lot, 'ringingBack');
      call.transition('retrieving', this.clock.now());
      this.timers.clear(call.id);
      const token = Symbol(call.id);
      this.tickets.set(call.id, token);
      this.save(call);
      this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, retriever }, 'retrieval started');
      this.events.emit('retrieving', { call: call.snapshot(), retriever });
      return {
        call: call.snapshot(),
        retriever,
        complete: () => this.events.batch(() => this.completeRetrieval(call, token, retriever)),
        fail: (cause?: string) => this.events.batch(() => this.failRetrieval(call, token, retriever, cause)),
      };
    });
  }

  private completeRetrieval(call: ParkedCall, token: symbol, retriever: string): ParkedCallSnapshot {
    if (this.tickets.get(call.id) !== token) throw new ParkStateError(call.id, call.state, 'complete a stale retrieval');
    call.transition('bridged', this.clock.now());
    this.events.emit('retrieved', { call: call.snapshot(), retriever });
    this.end(call, 'retrieved');
    return call.snapshot();
  }

  private failRetrieval(call: ParkedCall, token: symbol, retriever: string, cause: string | undefined): boolean {
    if (this.tickets.get(call.id) !== token) return false;
    this.tickets.delete(call.id);
    call.transition('parked', this.clock.now());
    this.armParkTimer(call, Math.max(0, (call.ringbackDueAt ?? this.clock.now()) - this.clock.now()));
    this.save(call);
    this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, retriever, cause }, 'retrieval failed, call stays parked');
    this.events.emit('retrieveFailed', { call: call.snapshot(), retriever, cause });
    return true;
  }

  // ── ring back ──────────────────────────────────────────────────────────────────────────────

  /** The parker answered ring back and is bridged: the call ends as `ringbackAnswered`. */
  ringbackAnswered(callId: string): ParkedCallSnapshot {
    return this.events.batch(() => {
      const call = this.mustGet(callId);
      if (call.state !== 'ringingBack') throw new ParkStateError(call.id, call.state, 'answer a ring back');
      call.transition('bridged', this.clock.now());
      this.end(call, 'ringbackAnswered');
      return call.snapshot();
    });
  }

  /** Ring back failed before its timeout (busy, declined, unreachable): run the fallback now. */
  ringbackFailed(callId: string): ParkedCallSnapshot {
    return this.events.batch(() => {
      const call = this.mustGet(callId);
      if (call.state !== 'ringingBack') throw new ParkStateError(call.id, call.state, 'fail a ring back');
      this.runFallback(call, 'ringbackFailed');
      return call.snapshot();
    });
  }

  /**
   * An operator rings the parker back now instead of waiting for parkTimeout: the same ring back,
   * ring-back timeout and fallback as a timeout, without the `timeout` event.
   * Throws ParkedCallNotFoundError, or ParkStateError unless the call is `parked`.
   */
  forceRingback(callId: string): ParkedCallSnapshot {
    return this.events.batch(() => {
      const call = this.mustGet(callId);
      if (call.state !== 'parked') throw new ParkStateError(call.id, call.state, 'ring back');
      this.timers.clear(call.id);
      this.startRingback(call, 'forced');
      return call.snapshot();
    });
  }

  private startRingback(call: ParkedCall, cause: 'timeout' | 'forced' = 'timeout'): void {
    if (call.state !== 'parked') return;
    const policy = this.policyOf(call);
    call.transition('ringingBack', this.clock.now());
    call.ringbackDueAt = undefined;
    this.timers.arm(call.id, policy.ringbackTimeout * 1000, 'ringback', () =>
      this.events.batch(() => this.runFallback(call, 'ringbackTimeout')),
    );
    this.save(call);
    this.log.info(
      { callId: call.id, orbit: call.orbit, policy: call.lot, attempt: call.ringbackAttempts },
      cause === 'forced' ? 'ring back forced by an operator' : 'park timeout, ringing back',
    );
    if (cause === 'timeout') this.events.emit('timeout', { call: call.snapshot() });
    this.events.emit('ringback', { call: call.snapshot(), target: call.ringbackTarget, attempt: call.ringbackAttempts });
    this.setLamp(call, 'ringingBack');
  }

  private runFallback(call: ParkedCall, cause: FallbackCause): void {
    if (call.state !== 'ringingBack') return;
    const action = this.effectiveFallback(call);
    this.timers.clear(call.id);
    if (action.action === 'repark') {
      call.transition('parked', this.clock.now());
      this.armParkTimer(call, this.policyOf(call).parkTimeout * 1000);
      this.save(call);
      this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, cause, reparks: call.reparks }, 'ring back unanswered, re-parked');
      this.events.emit('fallback', { call: call.snapshot(), action, cause });
      this.setLamp(call, 'parked');
      return;
    }
    call.transition('fallback', this.clock.now());
    this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, cause, action: action.action }, 'ring back unanswered, fallback');
    this.events.emit('fallback', { call: call.snapshot(), action, cause });
    this.end(call, action.action === 'forward' ? 'forwarded' : 'fallbackHangup');
  }

  /** The policy's fallback, with re-parks beyond maxTimes (or during drain) turned into hangup. */
  private effectiveFallback(call: ParkedCall): FallbackAction {
    const fallback = this.policyOf(call).fallback;
    if (fallback.action !== 'repark') return fallback;
    if (this.mode !== 'open' || call.reparks >= fallback.maxTimes) return { action: 'hangup' };
    return fallback;
  }

  // ── ending ─────────────────────────────────────────────────────────────────────────────────

  /**
   * End a call at any moment (the parked party hung up, an operator, an error). Frees the orbit
   * and clears its timer. False when the call is unknown or already ended.
   */
  hangup(callId: string, reason: Extract<EndReason, 'parkedPartyHungUp' | 'adminHangup' | 'error'> = 'parkedPartyHungUp'): boolean {
    return this.events.batch(() => {
      const call = this.calls.get(callId);
      if (call === undefined) return false;
      this.end(call, reason);
      return true;
    });
  }

  private end(call: ParkedCall, reason: EndReason): void {
    call.transition('ended', this.clock.now(), { reason });
    this.timers.clear(call.id);
    this.tickets.delete(call.id);
    this.lotOf(call).release(call.orbit, call.id);
    this.calls.delete(call.id);
    this.store.deleteCall(call.id);
    this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, reason }, 'parked call ended');
    this.setLamp(call, 'free');
    this.lamps.delete(call.id);
    this.events.emit('ended', { call: call.snapshot(), reason });
    if (this.calls.size === 0) this.notifyIdle();
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────────────────────

  /**
   * Refuse new parks and reservations, ring back every parked call now, and resolve once no call
   * is left (reservations still complete or lapse). Bound it with your own deadline, then stop().
   */
  drain(): Promise<void> {
    return this.events.batch(() => {
      if (this.mode === 'open') this.mode = 'draining';
      for (const call of [...this.calls.values()]) {
        if (call.state === 'parked') this.armParkTimer(call, 0);
      }
      return this.whenIdle();
    });
  }

  /** Resolves when no call is held (immediately if none). */
  whenIdle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** End every remaining call as `shutdown`, clear all timers, refuse everything new. Idempotent. */
  stop(): void {
    this.events.batch(() => {
      this.mode = 'stopped';
      for (const call of [...this.calls.values()]) {
        if (call.state !== 'ended') this.end(call, 'shutdown');
      }
      this.timers.clearAll();
      this.notifyIdle();
    });
  }

  // ── queries ────────────────────────────────────────────────────────────────────────────────

  list(): ParkedCallSnapshot[] {
    return [...this.calls.values()]
      .map((call) => call.snapshot())
      .sort((a, b) => (a.lot === b.lot ? a.orbit - b.orbit : a.lot < b.lot ? -1 : 1));
  }

  /** The call holding `orbit` in the lot of `policy` (a policy name). */
  get(orbit: number, policy: string): ParkedCallSnapshot | undefined {
    const id = this.lotsByName.get(policy)?.occupant(orbit);
    return id === undefined ? undefined : this.calls.get(id)?.snapshot();
  }

  getById(callId: string): ParkedCallSnapshot | undefined {
    return this.calls.get(callId)?.snapshot();
  }

  counts(): ParkCounts {
    const counts: ParkCounts = { reserved: 0, parked: 0, retrieving: 0, ringingBack: 0, timers: this.timers.size, storedCalls: 0, heldOrbits: 0 };
    for (const call of this.calls.values()) {
      if (call.state === 'reserved' || call.state === 'parked' || call.state === 'retrieving' || call.state === 'ringingBack') {
        counts[call.state]++;
      }
    }
    const stored = this.store.stats();
    counts.storedCalls = stored.calls;
    counts.heldOrbits = stored.orbits;
    return counts;
  }

  /** Is `code` an orbit of any lot (so a dial of it is a retrieve or directed park)? */
  isOrbitCode(code: string | number): boolean {
    return this.policiesForCode(code).length > 0;
  }

  /** The names of the policies whose lots contain `code`. */
  policiesForCode(code: string | number): string[] {
    return lotsContaining(this.lotsByName.values(), code).map((lot) => lot.name);
  }

  lots(): LotSummary[] {
    return [...this.lotsByName.values()].map((lot) => ({
      name: lot.name,
      rangeStart: lot.policy.pickupRangeStart,
      rangeEnd: lot.policy.pickupRangeEnd,
      occupied: lot.occupiedOrbits(),
    }));
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private assertOpen(): void {
    if (this.mode !== 'open') throw new ParkDrainingError();
  }

  private authorizeParker(raw: string): { identity: string; policy: ParkPolicy; lot: Lot } {
    const identity = normalizeIdentity(raw);
    const policy = identity === undefined ? undefined : this.policies.resolve(identity);
    if (identity === undefined || policy === undefined || !policy.allowCallPark) {
      throw new ParkNotAllowedError(identity ?? raw, policy?.name);
    }
    return { identity, policy, lot: this.lotFor(policy) };
  }

  private findForRetrieval(orbit: number, raw: string): { call: ParkedCall; retriever: string } {
    const identity = normalizeIdentity(raw);
    const retriever = identity ?? raw;
    const policy = identity === undefined ? undefined : this.policies.resolve(identity);
    if (policy !== undefined && policy.allowCallPark) {
      const lot = this.lotFor(policy);
      if (lot.contains(orbit)) {
        const id = lot.occupant(orbit);
        const call = id === undefined ? undefined : this.calls.get(id);
        if (call === undefined || call.state === 'reserved') throw new OrbitEmptyError(orbit, policy.name);
        return { call, retriever };
      }
    }
    const heldElsewhere = lotsContaining(this.lotsByName.values(), orbit).some((lot) => lot.occupant(orbit) !== undefined);
    if (heldElsewhere) throw new NotInParkGroupError(retriever, orbit);
    if (policy === undefined || !policy.allowCallPark) throw new ParkNotAllowedError(retriever, policy?.name);
    throw new OrbitOutOfRangeError(orbit, policy.name, policy.pickupRangeStart, policy.pickupRangeEnd);
  }

  private allocate(lot: Lot, callId: string): number {
    const orbit = lot.allocate(callId);
    if (orbit === undefined) throw new LotFullError(lot.name, this.retryAfterSeconds(lot));
    return orbit;
  }

  /** Seconds until the lot's earliest ring back is due: the soonest an orbit may free up. */
  private retryAfterSeconds(lot: Lot): number {
    const now = this.clock.now();
    let soonest: number | undefined;
    for (const call of this.calls.values()) {
      if (call.lot !== lot.name || call.ringbackDueAt === undefined) continue;
      soonest = soonest === undefined ? call.ringbackDueAt : Math.min(soonest, call.ringbackDueAt);
    }
    if (soonest === undefined) return lot.policy.ringbackTimeout;
    return Math.max(1, Math.ceil((soonest - now) / 1000));
  }

  /** Common to every way into `parked` from outside: arm parkTimeout, store, light the lamp. */
  private enterParked(call: ParkedCall): void {
    this.armParkTimer(call, this.policyOf(call).parkTimeout * 1000);
    this.save(call);
    this.log.info({ callId: call.id, orbit: call.orbit, policy: call.lot, parker: call.parker.identity }, 'call parked');
    this.setLamp(call, 'parked');
  }

  /** While draining, every parked call rings back at once. */
  private armParkTimer(call: ParkedCall, requestedMs: number): void {
    const ms = this.mode === 'open' ? requestedMs : 0;
    call.ringbackDueAt = this.clock.now() + ms;
    this.timers.arm(call.id, ms, 'park', () => this.events.batch(() => this.startRingback(call)));
  }

  private setLamp(call: ParkedCall, state: OrbitLampState): void {
    const previous = this.lamps.get(call.id) ?? 'free';
    if (previous === state) return;
    this.lamps.set(call.id, state);
    this.events.emit('orbitChanged', { lot: call.lot, orbit: call.orbit, state });
  }

  private save(call: ParkedCall): void {
    this.store.saveCall(call.snapshot());
  }

  private mustGet(callId: string): ParkedCall {
    const call = this.calls.get(callId);
    if (call === undefined) throw new ParkedCallNotFoundError(callId);
    return call;
  }

  private lotFor(policy: ParkPolicy): Lot {
    const lot = this.lotsByName.get(policy.name);
    if (lot === undefined) throw new Error(`no lot for policy ${policy.name}`);
    return lot;
  }

  private lotOf(call: ParkedCall): Lot {
    const lot = this.lotsByName.get(call.lot);
    if (lot === undefined) throw new Error(`no lot ${call.lot}`);
    return lot;
  }

  private policyOf(call: ParkedCall): ParkPolicy {
    return this.lotOf(call).policy;
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function parkerInfo(identity: string, contact: string | undefined): { identity: string; contact?: string } {
  return contact === undefined ? { identity } : { identity, contact };
}

function partyInfo(party: ParkedPartyRef): { identity: string; displayName?: string } {
  const identity = normalizeIdentity(party.identity) ?? party.identity;
  return party.displayName === undefined ? { identity } : { identity, displayName: party.displayName };
}
