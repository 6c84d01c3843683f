/**
 * Integration harness: writes a config for the compiled CLI on free loopback ports and starts
 * `callpark start` (or `callpark engine`) under a hard timeout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnCli } from '../support/cli';
import { freePort, freePortRange } from '../support/ports';
import type { BoundedProcess } from '../support/process';

export const ADMIN_TOKEN = 'integration-admin-token-0123';
export const SIPP_DIR = path.join(__dirname, '..', 'sipp');

export interface CallparkPorts {
  sip: number;
  engine: number;
  admin: number;
  rtpStart: number;
}

export async function freeCallparkPorts(): Promise<CallparkPorts> {
  return {
    sip: await freePort('both'),
    engine: await freePort('tcp'),
    admin: await freePort('tcp'),
    rtpStart: await freePortRange(20, 'udp'),
  };
}

/**
 * A config with SIP, admin socket, admin API and RTP on the given ports, one policy for users
 * 1xx (phones and parkers), and `extra` YAML lines appended (an `engine:` or `media:` line there
 * replaces the default one).
 */
export function writeConfig(dir: string, name: string, ports: CallparkPorts, extra: string[] = []): string {
  const file = path.join(dir, name);
  const replaces = (key: string): boolean => extra.some((line) => line.startsWith(`${key}:`));
  fs.writeFileSync(
    file,
    [
      'sip:',
      `  listen: [udp/127.0.0.1:${ports.sip}, tcp/127.0.0.1:${ports.sip}]`,
      ...(replaces('engine') ? [] : [`engine: { port: ${ports.engine} }`]),
      `admin: { listen: "127.0.0.1:${ports.admin}", token: ${ADMIN_TOKEN} }`,
      ...(replaces('media') ? [] : [`media: { rtpPorts: ${ports.rtpStart}-${ports.rtpStart + 19} }`]),
      'policies:',
      '  - { name: reception, allowCallPark: true, members: ["sip:1*@*"], pickupRangeStart: 701, pickupRangeEnd: 799 }',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

/** `callpark start --config file`, resolved once it printed "callpark ready". */
export async function startCallpark(file: string, timeoutSeconds = 60): Promise<BoundedProcess> {
  const server = spawnCli(['start', '--config', file], { timeoutSeconds });
  await server.waitForOutput(/callpark ready/, 20000);
  return server;
}

/** An authenticated admin API request; returns status and parsed JSON body. */
export async function adminApi(port: number, method: string, route: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Polls `probe` every 50 ms until it is true. */
export async function until(probe: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A file's text, or '' while it does not exist. */
export function readIfThere(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
