/**
 * The park domain's contract (DESIGN §5): the only import path into src/park.
 * No SIP, RTP, sockets or HTTP here; callers pass identities as URIs and map errors themselves.
 */
export { FakeClock, SystemClock, type Clock, type TimerHandle } from './clock';
export {
  AlreadyRetrievingError,
  LotFullError,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOccupiedError,
  OrbitOutOfRangeError,
  ParkDrainingError,
  ParkError,
  ParkNotAllowedError,
  ParkStateError,
  ParkedCallNotFoundError,
  type RetrieveConflict,
} from './errors';
export {
  OrderedEmitter,
  TypedEmitter,
  type FallbackCause,
  type Listener,
  type OrbitLampState,
  type ParkEventName,
  type ParkEvents,
} from './events';
export { IdentityPattern, matchIdentity, normalizeIdentity } from './identity';
export { Lot, lotsContaining, parseOrbitCode } from './lot';
export { ParkedCall, type ParkedCallSnapshot, type ParkedPartyInfo, type ParkerInfo, type TransitionDetail } from './parked-call';
export { ALLOWED_EDGES, holdsOrbit, isAllowedEdge, type EndReason, type ParkedCallState } from './parked-call-state';
export {
  ParkService,
  type LotSummary,
  type ParkCounts,
  type ParkRequest,
  type ParkServiceOptions,
  type ParkedPartyRef,
  type ParkerRef,
  type RetrieveRequest,
  type RetrieveTicket,
} from './park-service';
export {
  POLICY_DEFAULTS,
  PolicyBook,
  PolicyConfigError,
  resolvePolicy,
  type FallbackAction,
  type FallbackInput,
  type OrbitAllocation,
  type ParkPolicy,
  type ParkPolicyInput,
  type PolicyHoldSound,
} from './policy';
export { InMemoryParkStore, type ParkStore } from './store';
export {
  DEFAULT_RETRIEVAL_LIMIT,
  RetrievalBlockedError,
  RetrievalGuard,
  isCountedRetrievalFailure,
  type RetrievalGuardOptions,
  type RetrievalGuardStats,
  type RetrievalLimit,
  type RetrievalSource,
} from './retrieval-guard';
