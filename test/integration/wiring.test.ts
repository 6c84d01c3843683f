/**
 * The composition root over real SIP: the compiled CLI (`callpark start`) with busy lamps, the
 * B2BUA and an external engine wired in, driven by SIPp phones, each run ending with SIGTERM.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnCli } from '../support/cli';
import { freePort } from '../support/ports';
import { killAllSpawned, type BoundedProcess } from '../support/process';
import { probeOptions } from '../support/sip-options';
import { EslStandIn } from '../support/esl-stand-in';
import { killAllSipp, runSipp, startSipp, type SippResult } from '../support/sipp';
import { ADMIN_TOKEN, adminApi, freeCallparkPorts, readIfThere, SIPP_DIR, startCallpark, until, writeConfig } from './harness';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-integration-'));
});

afterAll(async () => {
  await killAllSipp();
  await killAllSpawned();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** SIPp carol, transferred to 700 by 101 (Referred-By), parked for `pauseMs`, then hangs up. */
function blindPark(sipPort: number, pauseMs: number): Promise<SippResult> {
  return runSipp({
    scenario: path.join(SIPP_DIR, 'park-blind.xml'),
    remote: `127.0.0.1:${sipPort}`,
    service: '700',
    keys: { from_user: 'carol', from_name: 'Carol', rtp_port: '9', referred_by: 'sip:101@127.0.0.1' },
    totalCalls: 1,
    timeoutSeconds: 20,
    extraArgs: ['-d', String(pauseMs)],
  });
}

/** SIGTERM: callpark (or callpark engine) stops and exits 0 on its own (its log is shown if not). */
async function expectCleanExit(server: BoundedProcess): Promise<void> {
  const exit = await server.stop('SIGTERM', 15000);
  expect({ exit, log: exit.code === 0 ? '' : `${server.stdout()}${server.stderr()}` }).toEqual({ exit: { code: 0, signal: null }, log: '' });
}

/** `<version> <subscription-state> <dialog state>` of each NOTIFY the blf-watch scenario logged. */
function lamps(result: SippResult): string[] {
  return result
    .actionLog()
    .split('\n')
    .map((line) => /^lamp \S+ (\d+) (\S+) (\S+)/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, version, substate, state]) => `${version} ${substate} ${state}`);
}

describe('callpark start: busy lamps (service mode, embedded engine)', () => {
  it('NOTIFYs a phone watching orbit 701 when a blind park lands there and when it ends; SIGTERM ends the subscription', async () => {
    const ports = await freeCallparkPorts();
    const server = await startCallpark(writeConfig(dir, 'blf.yaml', ports, ['blf: { minExpires: 30 }']));

    const watcher = await startSipp({
      scenario: path.join(SIPP_DIR, 'blf', 'blf-watch.xml'),
      remote: `127.0.0.1:${ports.sip}`,
      service: '701',
      injection: { order: 'SEQUENTIAL', rows: [['102']] },
      keys: { expires: '600' },
      totalCalls: 1,
      timeoutSeconds: 50,
    });
    // The first NOTIFY (orbit idle) before the park, so the lamp must change afterwards.
    await until(() => readIfThere(watcher.files.messages).includes('NOTIFY sip:102@'), 'the initial NOTIFY');

    const parked = await blindPark(ports.sip, 1000);
    expect(parked.outcome).toBe('ok');
    expect(parked.actionLog()).toMatch(/orbit=701 /);

    await expectCleanExit(server);
    const watched = await watcher.result;
    expect(watched.outcome).toBe('ok');
    const seen = lamps(watched);
    expect(seen[0]).toBe('0 active terminated');
    const confirmed = seen.findIndex((lamp) => lamp.endsWith(' active confirmed'));
    expect(confirmed).toBeGreaterThan(0);
    expect(seen.slice(confirmed + 1)).toContainEqual(expect.stringMatching(/ active terminated$/));
    expect(seen[seen.length - 1]).toMatch(/^\d+ terminated terminated$/);
  });
});

describe('callpark start: failed-retrieval limit', () => {
  it('refuses retrievals with 403 once security.retrievalLimit is reached', async () => {
    const ports = await freeCallparkPorts();
    const server = await startCallpark(writeConfig(dir, 'guard.yaml', ports, ['security: { retrievalLimit: { maxFailures: 1 } }']));
    const probe = (): Promise<SippResult> =>
      runSipp({
        scenario: path.join(SIPP_DIR, 'retrieve.xml'),
        remote: `127.0.0.1:${ports.sip}`,
        service: '755',
        keys: { from_user: '102', from_name: 'Bob', rtp_port: '9' },
        totalCalls: 1,
        timeoutSeconds: 15,
      });
    const first = await probe();
    expect(first.outcome).toBe('call-failed');
    expect(first.messagesLog()).not.toContain('Too many failed retrievals');
    const second = await probe();
    expect(second.outcome).toBe('call-failed');
    expect(second.messagesLog()).toMatch(/SIP\/2\.0 403 Too many failed retrievals/);
    await expectCleanExit(server);
  });
});

describe('callpark start: a failure half way', () => {
  it('stops the engine, media, lamps and SIP app it had started when the admin port is taken, and exits 1', async () => {
    const ports = await freeCallparkPorts();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(ports.admin, '127.0.0.1', resolve));
    try {
      const server = spawnCli(['start', '--config', writeConfig(dir, 'admin-taken.yaml', ports)], { timeoutSeconds: 30 });
      const exit = await server.exited;
      expect({ exit, out: server.stdout() }).toEqual({ exit: { code: 1, signal: null }, out: expect.stringContaining(`SIP listening on udp/127.0.0.1:${ports.sip}`) });
      expect(server.stderr()).toMatch(/^callpark start: .*EADDRINUSE/m);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('callpark start: mode b2bua', () => {
  it('bridges a phone\'s call to the upstream PBX, parks it by REFER, and hangs it up from the admin API', async () => {
    const pbx = await startSipp({ scenario: path.join(SIPP_DIR, 'b2bua', 'pbx-answer-hold.xml'), totalCalls: 1, timeoutSeconds: 50 });
    const ports = await freeCallparkPorts();
    const file = writeConfig(dir, 'b2bua.yaml', ports, ['mode: b2bua', `upstream: "sip:127.0.0.1:${pbx.port}"`]);
    const server = await startCallpark(file);

    const phone = await runSipp({
      scenario: path.join(SIPP_DIR, 'b2bua', 'phone-park-refer.xml'),
      remote: `127.0.0.1:${ports.sip}`,
      service: '1001',
      keys: { parkto: '700' },
      totalCalls: 1,
      timeoutSeconds: 30,
    });
    expect(phone.outcome).toBe('ok');
    expect(phone.actionLog()).toContain('sipfrag SIP/2.0 200 Parked at 701');
    // Handed to the park app, so that retrieval and ring back find it.
    await server.waitForOutput(/parked leg at 701 adopted by the park app/, 5000);

    const listed = await adminApi(ports.admin, 'GET', '/api/calls');
    expect(listed.status).toBe(200);
    const calls = (listed.body as { calls: Array<{ id: string; orbit: number; state: string }> }).calls;
    expect(calls).toEqual([expect.objectContaining({ orbit: 701, state: 'parked' })]);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.admin}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toMatch(/^callpark_sip_calls [1-9]\d*$/m);

    expect((await adminApi(ports.admin, 'DELETE', `/api/calls/${calls[0]!.id}`)).status).toBe(200);
    const upstream = await pbx.result;
    expect(upstream.outcome).toBe('ok');
    expect(upstream.actionLog()).toMatch(/hold-offer /);

    await expectCleanExit(server);
  });
});

describe('callpark start against an external engine (engine: {host, port, secret})', () => {
  it('connects to a separately started `callpark engine`, parks a call through it, and exits 0 on SIGTERM', async () => {
    const ports = await freeCallparkPorts();
    const secret = 'integration-engine-secret';
    const engine = spawnCli(
      ['engine', '--sip', `udp/127.0.0.1:${ports.sip},tcp/127.0.0.1:${ports.sip}`, '--admin', `127.0.0.1:${ports.engine}`, '--secret', secret],
      { timeoutSeconds: 60 },
    );
    await engine.waitForOutput(/drachtio admin socket on/, 15000);

    const unusedSipPort = await freePort('both');
    const file = writeConfig(dir, 'external.yaml', { ...ports, sip: unusedSipPort }, [`engine: { host: 127.0.0.1, port: ${ports.engine}, secret: ${secret} }`]);
    const server = await startCallpark(file);
    expect(server.stdout()).toContain(`using drachtio-server at 127.0.0.1:${ports.engine}`);
    expect(server.stdout()).not.toContain('SIP listening on');

    expect(await probeOptions({ protocol: 'udp', host: '127.0.0.1', port: ports.sip })).toBe('SIP/2.0 200 OK');
    const parked = await blindPark(ports.sip, 500);
    expect(parked.outcome).toBe('ok');
    expect(parked.actionLog()).toMatch(/orbit=701 /);

    await expectCleanExit(server);
    expect(server.stdout()).toContain('callpark stopped');
    await expectCleanExit(engine);
  });

  it('exits 1 with a clear message when the drachtio-server cannot be reached', async () => {
    const ports = await freeCallparkPorts();
    const file = writeConfig(dir, 'unreachable.yaml', ports, [`engine: { host: 127.0.0.1, port: ${ports.engine}, secret: nobody-listens }`]);
    const server = spawnCli(['start', '--config', file], { timeoutSeconds: 40 });
    expect((await server.exited).code).toBe(1);
    expect(server.stderr()).toContain(`callpark start: no connection to the engine at 127.0.0.1:${ports.engine}`);
  });
});

describe('callpark start with media.backend freeswitch', () => {
  const freeswitchMedia = (port: number, settings: string): string[] => [
    'media:',
    '  backend: freeswitch',
    `  freeswitch: { host: 127.0.0.1, port: ${port}, ${settings} }`,
  ];

  it('starts without FreeSWITCH, refuses parks with 503 meanwhile, and exits 0 on SIGTERM', async () => {
    const ports = await freeCallparkPorts();
    const nobody = await freePort('tcp');
    const server = await startCallpark(writeConfig(dir, 'fs-down.yaml', ports, freeswitchMedia(nobody, 'password: ClueCon')));
    expect(server.stdout()).toContain('waiting for FreeSWITCH: parks get 503 until it is connected');

    const refused = await blindPark(ports.sip, 100);
    expect(refused.outcome).toBe('call-failed');
    expect(refused.messagesLog()).toMatch(/SIP\/2\.0 503 /);
    await expectCleanExit(server);
  });

  it('connects to the event socket with the configured password and profile', async () => {
    const standIn = await EslStandIn.start({ password: 'integration-esl', profile: 'callpark_mrf' });
    try {
      const ports = await freeCallparkPorts();
      const media = [...freeswitchMedia(standIn.port, 'password: integration-esl, profile: callpark_mrf'), '  anchor: server'];
      const server = await startCallpark(writeConfig(dir, 'fs-up.yaml', ports, media));
      await server.waitForOutput(/FreeSWITCH connected: parks are accepted/, 15000);
      expect(standIn.logins).toBeGreaterThan(0);
      await expectCleanExit(server);
    } finally {
      await standIn.stop();
    }
  });
});
