/**
 * Which SIP engine and media backend the end-to-end suite runs against. By default the embedded
 * ones; a real drachtio-server and/or FreeSWITCH when these are set (e.g. with the docker-compose
 * stack up):
 *   CALLPARK_TEST_DRACHTIO=host:port:secret
 *   CALLPARK_TEST_FREESWITCH=host:port:password
 * A secret or password may itself contain ':' (everything after the second ':' is kept).
 */
export type EngineTarget = { readonly kind: 'embedded' } | { readonly kind: 'drachtio-server'; readonly host: string; readonly port: number; readonly secret: string };

export type MediaTarget = { readonly kind: 'embedded' } | { readonly kind: 'freeswitch'; readonly host: string; readonly port: number; readonly password: string };

export interface TestBackends {
  readonly engine: EngineTarget;
  readonly media: MediaTarget;
}

export class BackendSpecError extends Error {
  override readonly name = 'BackendSpecError';
}

function parseSpec(variable: string, value: string): { host: string; port: number; secret: string } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5}):(.+)$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new BackendSpecError(`${variable} must be host:port:secret, got "${value}"`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port, secret: match[3]! };
}

export function testBackends(env: NodeJS.ProcessEnv = process.env): TestBackends {
  const drachtio = env.CALLPARK_TEST_DRACHTIO?.trim();
  const freeswitch = env.CALLPARK_TEST_FREESWITCH?.trim();
  let engine: EngineTarget = { kind: 'embedded' };
  let media: MediaTarget = { kind: 'embedded' };
  if (drachtio) engine = { kind: 'drachtio-server', ...parseSpec('CALLPARK_TEST_DRACHTIO', drachtio) };
  if (freeswitch) {
    const { host, port, secret } = parseSpec('CALLPARK_TEST_FREESWITCH', freeswitch);
    media = { kind: 'freeswitch', host, port, password: secret };
  }
  return { engine, media };
}

/**
 * Addresses the test side uses when a real stack is in play:
 *   CALLPARK_TEST_PEER_ADDRESS        what SIPp peers and RTP probes bind; the engine must reach it (default 127.0.0.1)
 *   CALLPARK_TEST_OTHER_PEER_ADDRESS  a second source address, for "not a trusted peer" checks (default 127.0.0.2)
 *   CALLPARK_TEST_LISTEN_ADDRESS      where callpark takes FreeSWITCH's per-call event sockets (default 127.0.0.1)
 * The defaults suit the embedded engine and a docker-compose stack on this host (host networking).
 */
export interface TestAddresses {
  readonly peer: string;
  readonly otherPeer: string;
  readonly listen: string;
}

export function testAddresses(env: NodeJS.ProcessEnv = process.env): TestAddresses {
  const pick = (value: string | undefined, fallback: string): string => (value?.trim() ? value.trim() : fallback);
  return {
    peer: pick(env.CALLPARK_TEST_PEER_ADDRESS, '127.0.0.1'),
    otherPeer: pick(env.CALLPARK_TEST_OTHER_PEER_ADDRESS, '127.0.0.2'),
    listen: pick(env.CALLPARK_TEST_LISTEN_ADDRESS, '127.0.0.1'),
  };
}
