/**
 * Park policies (Teams-style): park is off until a policy allows it, users sharing a policy park
 * and retrieve among themselves, and each policy owns one lot of orbit codes. The first policy
 * whose member patterns match an identity applies.
 */
import { IdentityPattern } from './identity';

export type OrbitAllocation = 'first' | 'next';
export type PolicyHoldSound = 'music' | 'ringback';

/** What happens when ring back to the parker is not answered. */
export type FallbackAction =
  | { readonly action: 'hangup' }
  | { readonly action: 'forward'; readonly uri: string }
  | { readonly action: 'repark'; readonly maxTimes: number };

export type FallbackInput =
  | { action: 'hangup' }
  | { action: 'forward'; uri: string }
  | { action: 'repark'; maxTimes?: number };

/** A policy as configured; omitted fields take the defaults below. */
export interface ParkPolicyInput {
  name: string;
  allowCallPark?: boolean;
  members?: readonly string[];
  pickupRangeStart: number;
  pickupRangeEnd: number;
  /** Seconds parked before ring back. */
  parkTimeout?: number;
  /** Seconds the parker's phone rings before the fallback. */
  ringbackTimeout?: number;
  fallback?: FallbackInput;
  allocation?: OrbitAllocation;
  holdSound?: PolicyHoldSound;
}

/** A policy with every default applied. */
export interface ParkPolicy {
  readonly name: string;
  readonly allowCallPark: boolean;
  readonly members: readonly string[];
  readonly pickupRangeStart: number;
  readonly pickupRangeEnd: number;
  readonly parkTimeout: number;
  readonly ringbackTimeout: number;
  readonly fallback: FallbackAction;
  readonly allocation: OrbitAllocation;
  readonly holdSound: PolicyHoldSound;
}

export const POLICY_DEFAULTS = {
  allowCallPark: false,
  parkTimeout: 300,
  ringbackTimeout: 30,
  fallback: { action: 'hangup' } as FallbackAction,
  reparkMaxTimes: 1,
  allocation: 'first' as OrbitAllocation,
  holdSound: 'music' as PolicyHoldSound,
} as const;

/** A policy that cannot be used; `field` names the offending key. */
export class PolicyConfigError extends Error {
  override readonly name = 'PolicyConfigError';
  constructor(
    readonly policy: string,
    readonly field: string,
    problem: string,
  ) {
    super(`policy ${JSON.stringify(policy)}: ${field} ${problem}`);
  }
}

export function resolvePolicy(input: ParkPolicyInput): ParkPolicy {
  const name = input.name;
  if (name.trim() === '') throw new PolicyConfigError(name, 'name', 'must not be empty');
  const fail = (field: string, problem: string): never => {
    throw new PolicyConfigError(name, field, problem);
  };
  const { pickupRangeStart, pickupRangeEnd } = input;
  if (!Number.isSafeInteger(pickupRangeStart) || pickupRangeStart < 0) fail('pickupRangeStart', 'must be a whole number >= 0');
  if (!Number.isSafeInteger(pickupRangeEnd) || pickupRangeEnd < pickupRangeStart) {
    fail('pickupRangeEnd', 'must be a whole number >= pickupRangeStart');
  }
  const parkTimeout = input.parkTimeout ?? POLICY_DEFAULTS.parkTimeout;
  if (!(parkTimeout > 0) || !Number.isFinite(parkTimeout)) fail('parkTimeout', 'must be a number of seconds > 0');
  const ringbackTimeout = input.ringbackTimeout ?? POLICY_DEFAULTS.ringbackTimeout;
  if (!(ringbackTimeout > 0) || !Number.isFinite(ringbackTimeout)) fail('ringbackTimeout', 'must be a number of seconds > 0');
  return Object.freeze({
    name,
    allowCallPark: input.allowCallPark ?? POLICY_DEFAULTS.allowCallPark,
    members: Object.freeze([...(input.members ?? [])]),
    pickupRangeStart,
    pickupRangeEnd,
    parkTimeout,
    ringbackTimeout,
    fallback: resolveFallback(input.fallback, fail),
    allocation: input.allocation ?? POLICY_DEFAULTS.allocation,
    holdSound: input.holdSound ?? POLICY_DEFAULTS.holdSound,
  });
}

function resolveFallback(input: FallbackInput | undefined, fail: (field: string, problem: string) => never): FallbackAction {
  if (input === undefined) return POLICY_DEFAULTS.fallback;
  switch (input.action) {
    case 'hangup':
      return Object.freeze({ action: 'hangup' });
    case 'forward':
      if (input.uri.trim() === '') fail('fallback.uri', 'must not be empty');
      return Object.freeze({ action: 'forward', uri: input.uri });
    case 'repark': {
      const maxTimes = input.maxTimes ?? POLICY_DEFAULTS.reparkMaxTimes;
      if (!Number.isSafeInteger(maxTimes) || maxTimes < 1) fail('fallback.maxTimes', 'must be a whole number >= 1');
      return Object.freeze({ action: 'repark', maxTimes });
    }
  }
}

interface CompiledPolicy {
  readonly policy: ParkPolicy;
  readonly patterns: readonly IdentityPattern[];
}

/** The ordered policy list; answers "which policy applies to this identity". */
export class PolicyBook {
  readonly policies: readonly ParkPolicy[];
  private readonly compiled: readonly CompiledPolicy[];

  constructor(policies: readonly ParkPolicyInput[]) {
    const resolved = policies.map(resolvePolicy);
    const seen = new Set<string>();
    for (const policy of resolved) {
      if (seen.has(policy.name)) throw new PolicyConfigError(policy.name, 'name', 'is used by two policies');
      seen.add(policy.name);
    }
    this.policies = Object.freeze(resolved);
    this.compiled = resolved.map((policy) => ({ policy, patterns: policy.members.map((m) => new IdentityPattern(m)) }));
  }

  /** The first policy with a member pattern matching the identity, whether or not it allows park. */
  resolve(identity: string): ParkPolicy | undefined {
    return this.compiled.find(({ patterns }) => patterns.some((p) => p.matches(identity)))?.policy;
  }

  byName(name: string): ParkPolicy | undefined {
    return this.policies.find((p) => p.name === name);
  }

  canPark(identity: string): boolean {
    return this.resolve(identity)?.allowCallPark === true;
  }

  /** Both identities fall under the same policy and that policy allows park. */
  sameGroup(a: string, b: string): boolean {
    const policy = this.resolve(a);
    return policy !== undefined && policy.allowCallPark && this.resolve(b) === policy;
  }
}
