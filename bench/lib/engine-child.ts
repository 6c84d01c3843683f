import { freePort } from '../../test/support/ports';
import { spawnChild, type BenchChild } from './children';
import { CLI_JS, GC_PROBE_JS } from './paths';

export interface EngineChild {
  child: BenchChild;
  sipPort: number;
  admin: { host: string; port: number };
  secret: string;
  /** The exact command line, for the docs. */
  command: string[];
}

export interface EngineChildOptions {
  maxLifetimeMs: number;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  cwd?: string;
  logFile?: string;
}

/** `callpark engine` alone in its own process, so its CPU and memory can be read from /proc. */
export async function startEngineChild(options: EngineChildOptions): Promise<EngineChild> {
  const sipPort = await freePort('udp');
  const adminPort = await freePort('tcp');
  const secret = 'bench-secret';
  const command = [
    'node',
    ...(options.nodeFlags ?? []),
    // A full GC and heap figures on SIGUSR2 (see gc-probe.ts); nothing else changes.
    '--expose-gc',
    '-r',
    GC_PROBE_JS,
    CLI_JS,
    'engine',
    '--sip',
    `udp/127.0.0.1:${sipPort}`,
    '--admin',
    `127.0.0.1:${adminPort}`,
    '--secret',
    secret,
    '--log-level',
    'warn',
  ];
  const child = spawnChild({
    name: 'engine',
    command: process.execPath,
    args: command.slice(1),
    maxLifetimeMs: options.maxLifetimeMs,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
  });
  await child.waitFor(/drachtio admin socket on/, 15000);
  return { child, sipPort, admin: { host: '127.0.0.1', port: adminPort }, secret, command };
}
