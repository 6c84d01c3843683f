import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCli } from '../support/cli';
import { freePort, freePortRange } from '../support/ports';
import { killAllSpawned } from '../support/process';
import { probeOptions } from '../support/sip-options';
import { killAllSipp, runSipp } from '../support/sipp';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-start-'));
});

afterAll(async () => {
  await killAllSpawned();
  await killAllSipp();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ADMIN_TOKEN = 'start-test-admin-token-0123';

async function writeConfig(name: string, sipExtra: string[] = []): Promise<{ file: string; sipPort: number; adminPort: number }> {
  const sipPort = await freePort('both');
  const enginePort = await freePort('tcp');
  const adminPort = await freePort('tcp');
  const rtpStart = await freePortRange(20, 'udp');
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    [
      'sip:',
      `  listen: [udp/127.0.0.1:${sipPort}, tcp/127.0.0.1:${sipPort}]`,
      ...sipExtra,
      `engine: { port: ${enginePort} }`,
      `admin: { listen: "127.0.0.1:${adminPort}", token: ${ADMIN_TOKEN} }`,
      `media: { rtpPorts: ${rtpStart}-${rtpStart + 19} }`,
      'policies:',
      // SIPp's built-in uac calls from sip:sipp@…
      '  - { name: reception, allowCallPark: true, members: ["sip:1*@*", "sip:sipp@*"], pickupRangeStart: 701, pickupRangeEnd: 799 }',
      '',
    ].join('\n'),
  );
  return { file, sipPort, adminPort };
}

describe('callpark start (compiled CLI)', () => {
  it('answers OPTIONS over UDP and TCP, and exits 0 on SIGTERM', async () => {
    const { file, sipPort } = await writeConfig('ok.yaml');
    const server = spawnCli(['start', '--config', file]);
    await server.waitForOutput(/callpark ready/, 20000);
    expect(server.stdout()).toContain(`SIP listening on udp/127.0.0.1:${sipPort}`);

    expect(await probeOptions({ protocol: 'udp', host: '127.0.0.1', port: sipPort })).toBe('SIP/2.0 200 OK');
    expect(await probeOptions({ protocol: 'tcp', host: '127.0.0.1', port: sipPort })).toBe('SIP/2.0 200 OK');

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('callpark stopped');
  });

  it('runs the park app: a call to 700 reserves an orbit for attended park, and one to an unknown target is refused', async () => {
    const { file, sipPort } = await writeConfig('invite.yaml');
    const server = spawnCli(['start', '--config', file]);
    await server.waitForOutput(/callpark ready: park extension 700, 1 policy/, 20000);

    const park = await runSipp({ scenario: 'uac', service: '700', remote: `127.0.0.1:${sipPort}`, totalCalls: 1, timeoutSeconds: 15 });
    expect(park.outcome).toBe('ok');
    await server.waitForOutput(/"orbit":701,"policy":"reception","msg":"orbit reserved"/, 5000);

    const other = await runSipp({ scenario: 'uac', service: 'nobody', remote: `127.0.0.1:${sipPort}`, totalCalls: 1, timeoutSeconds: 15 });
    expect(other.outcome).toBe('call-failed');
    expect(other.messagesLog()).toMatch(/SIP\/2\.0 4\d\d /);
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });

  it('answers an INVITE from outside sip.allowedSources 403 Source not allowed, before the park app sees it', async () => {
    const { file, sipPort } = await writeConfig('allowed.yaml', ['  allowedSources: [127.0.0.2/32]']);
    const server = spawnCli(['start', '--config', file]);
    await server.waitForOutput(/callpark ready/, 20000);

    const outsider = await runSipp({ scenario: 'uac', service: '700', remote: `127.0.0.1:${sipPort}`, totalCalls: 1, timeoutSeconds: 15 });
    expect(outsider.outcome).toBe('call-failed');
    expect(outsider.messagesLog()).toMatch(/SIP\/2\.0 403 Source not allowed/);
    await server.waitForOutput(/INVITE from 127\.0\.0\.1 refused: not in sip\.allowedSources/, 5000);
    expect(server.stdout()).not.toContain('orbit reserved');

    const allowed = await runSipp({ scenario: 'uac', service: '700', remote: `127.0.0.1:${sipPort}`, localIp: '127.0.0.2', totalCalls: 1, timeoutSeconds: 15 });
    expect(allowed.outcome).toBe('ok');
    await server.waitForOutput(/"msg":"orbit reserved"/, 5000);
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });

  it('refuses to start with an invalid config, naming the key', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'log: { level: loud }\n');
    const server = spawnCli(['start', '--config', file]);
    expect((await server.exited).code).toBe(1);
    expect(server.stderr()).toContain('log.level: expected one of');
  });

  it('exits 1 when its SIP port is taken', async () => {
    const first = await writeConfig('first.yaml');
    const holder = spawnCli(['start', '--config', first.file]);
    await holder.waitForOutput(/callpark ready/, 20000);
    const clashing = path.join(dir, 'clash.yaml');
    fs.writeFileSync(clashing, fs.readFileSync(first.file, 'utf8').replace(/engine: \{ port: \d+ \}/, `engine: { port: ${await freePort('tcp')} }`));
    const second = spawnCli(['start', '--config', clashing]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain('callpark start:');
    expect((await holder.stop('SIGTERM')).code).toBe(0);
  });
});

describe('callpark start: admin API and callpark status (compiled CLI)', () => {
  it('serves the admin API last, answers callpark status, and drains on SIGTERM', async () => {
    const { file, adminPort } = await writeConfig('admin.yaml');
    const server = spawnCli(['start', '--config', file]);
    await server.waitForOutput(/callpark ready/, 20000);
    const url = `http://127.0.0.1:${adminPort}`;
    expect(server.stdout()).toContain(`admin API on ${url}\n`);

    const status = spawnCli(['status', '--config', file]);
    expect((await status.exited).code).toBe(0);
    expect(status.stdout()).toContain(`callpark at ${url}: ok, 0 parked calls`);
    expect(status.stdout()).toMatch(/^reception +701-799 +0$/m);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toMatch(/^callpark_parked_calls\{lot="reception"\} 0$/m);
    expect(metrics).toMatch(/^callpark_engine_app_connections 1$/m);
    expect(metrics).toMatch(/^callpark_media_sessions 0$/m);
    expect(metrics).toMatch(/^callpark_sip_calls 0$/m);
    expect((await fetch(`${url}/api/calls`)).status).toBe(401);

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('drained: no calls left');
    const after = spawnCli(['status', '--admin', url, '--token', ADMIN_TOKEN]);
    expect((await after.exited).code).toBe(1);
    expect(after.stderr()).toContain(`cannot reach the admin API at ${url} (ECONNREFUSED)`);
  });

  it('callpark status exits 1 on a wrong token', async () => {
    const { file, adminPort } = await writeConfig('admin-token.yaml');
    const server = spawnCli(['start', '--config', file]);
    await server.waitForOutput(/callpark ready/, 20000);
    const status = spawnCli(['status', '--admin', `127.0.0.1:${adminPort}`], { env: { CALLPARK_ADMIN_TOKEN: 'not-the-token-at-all' } });
    expect((await status.exited).code).toBe(1);
    expect(status.stderr()).toContain('refused the token (401)');
    expect((await server.stop('SIGTERM')).code).toBe(0);
  });
});
