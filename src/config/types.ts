import type { LogLevel } from '../logger';
import type { HostPort, ListenAddress } from './addresses';

/** How a policy picks an orbit: the lowest free one, or the next free one after the last used. */
export type OrbitAllocation = 'first' | 'next';

export type FallbackConfig =
  | { readonly action: 'hangup' }
  | { readonly action: 'forward'; readonly uri: string }
  | { readonly action: 'repark'; readonly maxTimes: number };

export interface PolicyConfig {
  readonly name: string;
  readonly allowCallPark: boolean;
  /** Identity patterns (`sip:1*@*`); `*` matches any run of characters. */
  readonly members: readonly string[];
  readonly pickupRangeStart: number;
  readonly pickupRangeEnd: number;
  /** Seconds a call stays parked before ring back. */
  readonly parkTimeout: number;
  /** Seconds the parker's phone rings before the fallback. */
  readonly ringbackTimeout: number;
  readonly fallback: FallbackConfig;
  readonly holdSound: 'music' | 'ringback';
  /** The policy's own setting, else `park.allocation`. */
  readonly allocation: OrbitAllocation;
}

export interface EngineConfig {
  /** true: the SIP engine runs in-process; false: connect to a drachtio-server at host:port. */
  readonly embedded: boolean;
  /** Admin (control) socket: where the embedded engine listens, or where drachtio-server is. */
  readonly host: string;
  readonly port: number;
  readonly secret: string;
  /** True when no secret was configured and a random one was made (embedded only). */
  readonly secretGenerated: boolean;
}

export interface FreeswitchConfig {
  /** Event socket (inbound). */
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** Where callpark listens for FreeSWITCH's per-call (outbound) event-socket connections. */
  readonly listenAddress: string;
  /** Port for those connections; absent: any free port. */
  readonly listenPort?: number;
  /** What FreeSWITCH connects back to, when not listenAddress (NAT, container networks). */
  readonly advertisedAddress?: string;
  /** FreeSWITCH SIP profile the endpoints are created on. */
  readonly profile: string;
  /** Directory (inside FreeSWITCH) with parked-on.wav, beep.wav and digits/. */
  readonly soundsDir: string;
  /** Hold music: a local_stream:// class or a file. */
  readonly music: string;
}

/** How a retrieved call's media flows: re-INVITEd end to end, or bridged inside FreeSWITCH. */
export type AnchorMode = 'direct' | 'server';

export interface SoundsConfig {
  readonly music?: string;
  readonly parkedOn?: string;
  readonly digitsDir?: string;
  readonly beep?: string;
}

export interface MediaConfig {
  readonly backend: 'embedded' | 'freeswitch';
  readonly anchor: AnchorMode;
  readonly rtpPorts: { readonly start: number; readonly end: number };
  /** Address the embedded RTP engine binds and advertises in SDP. */
  readonly address: string;
  readonly sounds: SoundsConfig;
  /** Embedded backend: send RTP from a worker thread (schema default) or from the main thread. */
  readonly rtpThread?: 'worker' | 'main';
  /** Present when backend is freeswitch. */
  readonly freeswitch?: FreeswitchConfig;
}

export interface AdminConfig extends HostPort {
  readonly token: string;
  /** True when no token was configured and a random one was made. */
  readonly tokenGenerated: boolean;
}

export interface SecurityConfig {
  /** Failed retrievals (unknown orbit, other park group) allowed per identity and per address in a sliding window. */
  readonly retrievalLimit: {
    readonly maxFailures: number;
    readonly maxFailuresPerAddress: number;
    readonly windowSeconds: number;
  };
}

export interface BlfConfig {
  /** Shorter non-zero SUBSCRIBE Expires get 423 Interval Too Brief. */
  readonly minExpires: number;
  /** Longer ones are granted this. */
  readonly maxExpires: number;
}

export interface B2buaConfig {
  /** Speak the orbit to a parker still on the line after its park REFER. */
  readonly announceToParker: boolean;
}

export interface ShutdownConfig {
  /** How long SIGTERM waits for parked calls to be rung back or forwarded before ending the rest. */
  readonly drainSeconds: number;
}

/** The validated, frozen configuration; the only way settings reach the rest of callpark. */
export interface Config {
  /** File name (or label) the configuration came from, for messages. */
  readonly source: string;
  readonly mode: 'service' | 'b2bua';
  /** Where calls are bridged in b2bua mode (required there). */
  readonly upstream?: string;
  readonly sip: {
    readonly listen: readonly ListenAddress[];
    readonly trustedPeers: readonly string[];
    /**
     * Sources (IPs, CIDR ranges) whose INVITEs and SUBSCRIBEs are served at all; anyone else gets
     * 403. Default: the loopback ranges plus trustedPeers.
     */
    readonly allowedSources: readonly string[];
    readonly outboundProxy?: string;
    /** Public address advertised instead of the bound one (NAT). */
    readonly externalAddress?: string;
    /** Update the phones' display (UPDATE or re-INVITE with P-Asserted-Identity) when a call is retrieved or rung back. */
    readonly connectedLine: boolean;
    /** Load shedding: beyond these, new INVITEs get 503 with Retry-After (src/sip/admission.ts). */
    readonly admission: {
      readonly maxCallsInSetup: number;
      readonly maxEventLoopDelayMs: number;
      /** Embedded engine: new INVITEs get 503 while the SIP UDP receive queues hold more than this (0: off). */
      readonly maxReceiveQueueBytes: number;
      readonly retryAfterSeconds: number;
    };
  };
  readonly engine: EngineConfig;
  readonly media: MediaConfig;
  readonly park: {
    readonly extension: string;
    readonly allocation: OrbitAllocation;
    readonly notifyByMessage: boolean;
    /** Beep to the parked party when it is retrieved. */
    readonly courtesyTone: boolean;
    /**
     * A caller that dialled the park extension without Referred-By and has not transferred after the
     * orbit announcement plus this delay is parked itself (transferees such as baresip send no Referred-By).
     */
    readonly unreferredParkDelaySeconds: number;
  };
  readonly blf: BlfConfig;
  readonly b2bua: B2buaConfig;
  readonly admin: AdminConfig;
  readonly security: SecurityConfig;
  readonly shutdown: ShutdownConfig;
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  readonly policies: readonly PolicyConfig[];
}
