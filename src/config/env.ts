/**
 * Environment overrides for ports and secrets, applied to the parsed YAML before validation,
 * so a bad value is reported like a bad key (naming the variable it came from).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

interface Override {
  variable: string;
  path: readonly string[];
  convert: (text: string) => unknown;
}

const asIs = (text: string): unknown => text;
/** Digits become a number; anything else stays a string so validation can show it. */
const asNumber = (text: string): unknown => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);
const asList = (text: string): unknown =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

/** Documented in docs/configuration.md ("Environment overrides"). */
export const ENV_OVERRIDES: readonly Override[] = [
  { variable: 'CALLPARK_SIP_LISTEN', path: ['sip', 'listen'], convert: asList },
  { variable: 'CALLPARK_ENGINE_HOST', path: ['engine', 'host'], convert: asIs },
  { variable: 'CALLPARK_ENGINE_PORT', path: ['engine', 'port'], convert: asNumber },
  { variable: 'CALLPARK_ENGINE_SECRET', path: ['engine', 'secret'], convert: asIs },
  { variable: 'CALLPARK_RTP_PORTS', path: ['media', 'rtpPorts'], convert: asIs },
  { variable: 'CALLPARK_MEDIA_ADDRESS', path: ['media', 'address'], convert: asIs },
  { variable: 'CALLPARK_FREESWITCH_PASSWORD', path: ['media', 'freeswitch', 'password'], convert: asIs },
  { variable: 'CALLPARK_ADMIN_LISTEN', path: ['admin', 'listen'], convert: asIs },
  { variable: 'CALLPARK_ADMIN_TOKEN', path: ['admin', 'token'], convert: asIs },
  { variable: 'CALLPARK_LOG_LEVEL', path: ['log', 'level'], convert: asIs },
];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface OverrideResult {
  document: unknown;
  /** Key path (as formatted in messages) → the variable that set it. */
  origins: Map<string, string>;
}

/**
 * Returns a copy of `document` with overrides applied. Only non-empty variables count.
 * An engine section without `embedded` is pinned to what the file meant (external when it names
 * a host) before CALLPARK_ENGINE_HOST can change that.
 */
export function applyEnvOverrides(document: unknown, env: Environment): OverrideResult {
  const origins = new Map<string, string>();
  if (!isMapping(document)) return { document, origins };
  const copy: Record<string, unknown> = structuredClone(document);
  if (isMapping(copy.engine) && copy.engine.embedded === undefined) {
    copy.engine.embedded = copy.engine.host === undefined;
  }
  for (const override of ENV_OVERRIDES) {
    const text = env[override.variable];
    if (text === undefined || text.trim() === '') continue;
    let target: Record<string, unknown> = copy;
    for (const key of override.path.slice(0, -1)) {
      if (target[key] === undefined) target[key] = {};
      const next = target[key];
      if (!isMapping(next)) break;
      target = next;
    }
    target[override.path[override.path.length - 1]!] = override.convert(text);
    origins.set(override.path.join('.'), override.variable);
  }
  return { document: copy, origins };
}
