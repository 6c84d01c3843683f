import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';

/**
 * How a retrieved call's media flows:
 * - `direct` (default): the SIP app re-INVITEs the parked party with the retriever's offer and then
 *   releases the hold session; FreeSWITCH leaves the media path.
 * - `server`: the parked party stays on its FreeSWITCH endpoint; a second endpoint answers the
 *   retriever and the two are bridged inside FreeSWITCH (media anchored, no re-INVITE of the parked party).
 */
export type AnchorMode = 'direct' | 'server';

/** Where FreeSWITCH finds callpark's prompts. Paths are inside the FreeSWITCH container. */
export interface FreeswitchSounds {
  /** Directory holding parked-on.wav, beep.wav and digits/0.wav … digits/9.wav (callpark's sounds/). */
  readonly dir: string;
  /** Hold music: a `local_stream://NAME` class (see sip-profiles/autoload_configs) or a file played endlessly. */
  readonly music: string;
}

export const DEFAULT_PROFILE = 'drachtio_mrf';
export const DEFAULT_SOUNDS: FreeswitchSounds = { dir: '/usr/local/freeswitch/sounds/callpark', music: 'local_stream://moh' };

export interface FreeswitchTimeouts {
  /** One connection attempt (event socket login, profile check, fsmrf set-up). */
  readonly connectMs: number;
  /** Longest pause between two connection attempts (also caps drachtio-modesl's reconnect back-off). */
  readonly retryMaxMs: number;
  /** How long an announcement or beep may take before it is cut and the hold sound resumes. */
  readonly announceMs: number;
  /** How long to wait for FreeSWITCH's BYE after hanging an endpoint up before ending the SIP dialog ourselves. */
  readonly releaseMs: number;
  /** How long one event-socket command (uuid_break, uuid_bridge, the re-INVITE applying an answer) may take. */
  readonly commandMs: number;
}

export const DEFAULT_TIMEOUTS: FreeswitchTimeouts = { connectMs: 10_000, retryMaxMs: 5_000, announceMs: 30_000, releaseMs: 5_000, commandMs: 10_000 };

export interface FreeswitchMediaOptions {
  /** The drachtio-srf instance the SIP app uses: endpoints are SIP dialogs from it to FreeSWITCH. */
  readonly srf: Srf;
  /** FreeSWITCH event socket (inbound). */
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /**
   * Address callpark listens on for FreeSWITCH's per-endpoint (outbound) event-socket connections.
   * Default 127.0.0.1: right when callpark and FreeSWITCH share a host (docker-compose with host
   * networking). fsmrf's own default, the first non-loopback IPv4 address, would expose it.
   */
  readonly listenAddress?: string;
  readonly listenPort?: number;
  /** What FreeSWITCH is told to connect back to, when not listenAddress (NAT, container networks). */
  readonly advertisedAddress?: string;
  /** SIP profile name (default drachtio_mrf, as in sip-profiles/). */
  readonly profile?: string;
  readonly anchor?: AnchorMode;
  readonly sounds?: Partial<FreeswitchSounds>;
  /** Codecs FreeSWITCH may answer with, in order of preference (e.g. ['PCMU', 'PCMA']); default: its own. */
  readonly codecs?: readonly string[];
  readonly timeouts?: Partial<FreeswitchTimeouts>;
  readonly log: Logger;
}
