import { ConfigError, formatHostPort, loadConfig, parseHostPort, AddressSyntaxError } from '../config';
import type { LotSummary, ParkedCallSnapshot } from '../park';
import { parseArgv, stringFlag, UsageError } from './argv';
import { EXIT_FAILURE, EXIT_OK, type Command, type CommandIo } from './io';
import { formatDuration, formatTable, printable } from './table';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8080';
const REQUEST_TIMEOUT_MS = 5000;

/** The admin API could not be asked, or refused; the message is for the operator. */
export class AdminUnavailableError extends Error {
  override readonly name = 'AdminUnavailableError';
}

interface Target {
  url: string;
  token: string | undefined;
}

/** `http://host:port`, `host:port` or `[v6]:port` → a base URL without a trailing slash. */
export function adminBaseUrl(text: string): string {
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--admin: not a URL: ${text}`);
    }
    return url.origin;
  }
  try {
    return `http://${formatHostPort(parseHostPort(text))}`;
  } catch (error) {
    if (error instanceof AddressSyntaxError) throw new UsageError(`--admin: ${error.message}`);
    throw error;
  }
}

function resolveTarget(admin: string | undefined, token: string | undefined, configFile: string | undefined, io: CommandIo): Target {
  let fromConfig: Target | undefined;
  if (configFile !== undefined) {
    const config = loadConfig(configFile, { env: io.env });
    fromConfig = {
      url: `http://${formatHostPort({ host: config.admin.host, port: config.admin.port })}`,
      token: config.admin.tokenGenerated ? undefined : config.admin.token,
    };
  }
  const envListen = io.env.CALLPARK_ADMIN_LISTEN || undefined;
  return {
    url: admin !== undefined ? adminBaseUrl(admin) : (fromConfig?.url ?? (envListen !== undefined ? adminBaseUrl(envListen) : DEFAULT_ADMIN_URL)),
    token: token ?? (io.env.CALLPARK_ADMIN_TOKEN || undefined) ?? fromConfig?.token,
  };
}

/** A property of a thrown value; fetch's errors may come from another realm, so no instanceof here. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function describeFetchError(error: unknown): string {
  const name = field(error, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const code = field(field(error, 'cause'), 'code');
  if (typeof code === 'string') return code;
  const message = field(error, 'message');
  return typeof message === 'string' ? message : String(error);
}

async function getJson<T>(target: Target, path: string, authenticated = true): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      headers: authenticated && target.token !== undefined ? { Authorization: `Bearer ${target.token}` } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new AdminUnavailableError(`cannot reach the admin API at ${target.url} (${describeFetchError(error)})`);
  }
  if (res.status === 401) {
    throw new AdminUnavailableError(`the admin API at ${target.url} refused the token (401): pass --token or set CALLPARK_ADMIN_TOKEN`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new AdminUnavailableError(`${target.url}${path} did not answer JSON (HTTP ${res.status}): is this callpark's admin API?`);
  }
  return { status: res.status, body: body as T };
}

function partyText(call: ParkedCallSnapshot): string {
  if (call.parked === undefined) return '(reserved)';
  const name = call.parked.displayName === undefined ? '' : `"${call.parked.displayName}" `;
  return printable(`${name}${call.parked.identity}`);
}

export function renderStatus(url: string, health: string, lots: readonly LotSummary[], calls: readonly ParkedCallSnapshot[], now: number): string {
  const parked = calls.filter((call) => call.state !== 'reserved').length;
  const lines = [`callpark at ${url}: ${health}, ${parked} parked ${parked === 1 ? 'call' : 'calls'}`, ''];
  const perLot = new Map<string, number>();
  for (const call of calls) if (call.state !== 'reserved') perLot.set(call.lot, (perLot.get(call.lot) ?? 0) + 1);
  lines.push(
    lots.length === 0
      ? 'No lots: no policy is configured, so nobody may park.'
      : formatTable(
          ['LOT', 'ORBITS', 'PARKED'],
          lots.map((lot) => [printable(lot.name), `${lot.rangeStart}-${lot.rangeEnd}`, String(perLot.get(lot.name) ?? 0)]),
        ),
  );
  lines.push('');
  if (calls.length === 0) {
    lines.push('No parked calls.');
  } else {
    lines.push(
      formatTable(
        ['ORBIT', 'LOT', 'STATE', 'PARKED PARTY', 'PARKED BY', 'FOR', 'ID'],
        calls.map((call) => [
          String(call.orbit),
          printable(call.lot),
          call.state,
          partyText(call),
          printable(call.parker.identity),
          formatDuration(now - (call.parkedAt ?? call.createdAt)),
          printable(call.id),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show lots and parked calls of a running callpark (asks its admin API)',
  usage: `Usage: callpark status [--admin URL] [--token TOKEN] [--config FILE]

  --admin URL      the admin API: http://HOST:PORT or HOST:PORT (default: admin.listen of --config,
                   else $CALLPARK_ADMIN_LISTEN, else ${DEFAULT_ADMIN_URL})
  --token TOKEN    bearer token (default: $CALLPARK_ADMIN_TOKEN, else admin.token of --config)
  --config FILE    read admin.listen and admin.token from callpark's configuration

Prints the lots and the parked calls as tables. Exit 0, or 1 when the API is unreachable or
refuses the token.`,
  async run(args, io) {
    const parsed = parseArgv(args, { admin: 'string', token: 'string', config: 'string' });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    let target: Target;
    try {
      target = resolveTarget(stringFlag(parsed, 'admin'), stringFlag(parsed, 'token'), stringFlag(parsed, 'config'), io);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
    if (target.token === undefined) {
      io.err('callpark status: no admin token: pass --token, set CALLPARK_ADMIN_TOKEN, or --config a file with admin.token');
      return EXIT_FAILURE;
    }
    try {
      const health = await getJson<{ status?: string }>(target, '/healthz', false);
      const lots = await getJson<{ lots?: LotSummary[]; error?: string }>(target, '/api/lots');
      const calls = await getJson<{ calls?: ParkedCallSnapshot[]; error?: string }>(target, '/api/calls');
      for (const reply of [lots, calls]) {
        if (reply.status !== 200) throw new AdminUnavailableError(`the admin API answered HTTP ${reply.status}: ${reply.body.error ?? 'no reason given'}`);
      }
      io.out(renderStatus(target.url, health.body.status ?? `HTTP ${health.status}`, lots.body.lots ?? [], calls.body.calls ?? [], Date.now()));
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof AdminUnavailableError)) throw error;
      io.err(`callpark status: ${error.message}`);
      return EXIT_FAILURE;
    }
  },
};
