import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/commands';
import type { CommandIo } from '../../src/commands/io';
import { adminBaseUrl, renderStatus } from '../../src/commands/status';
import { formatDuration, formatTable, printable } from '../../src/commands/table';
import { CALLER, SALES_A } from '../park/park-harness';
import { startHarness, TOKEN, type AdminHarness } from '../admin/admin-harness';
import { freePort } from '../support/ports';

function capture(env: Record<string, string> = {}): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line), env };
}

let h: AdminHarness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.admin.close();
  h.park.stop();
});

describe('callpark status (in-process, against a real admin server)', () => {
  it('prints lots and parked calls as tables, with the token from --token', async () => {
    const call = h.park.park({ parker: { identity: SALES_A }, parked: CALLER });
    h.clock.advance(65_000); // the FakeClock stamps parkedAt; the CLI measures against its own clock
    const io = capture();
    expect(await runCli(['status', '--admin', h.admin.url, '--token', TOKEN], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toContain(`callpark at ${h.admin.url}: ok, 1 parked call`);
    expect(text).toMatch(/^LOT +ORBITS +PARKED$/m);
    expect(text).toMatch(/^sales +701-703 +1$/m);
    expect(text).toMatch(/^ORBIT +LOT +STATE +PARKED PARTY +PARKED BY +FOR +ID$/m);
    expect(text).toMatch(new RegExp(`^701 +sales +ringingBack +"Customer" sip:\\+15550100@trunk\\.example\\.net +sip:1001@pbx\\.example\\.com +\\S+ +${call.id}$`, 'm'));
    h.park.hangup(call.id, 'adminHangup');
  });

  it('takes the token from CALLPARK_ADMIN_TOKEN and the address as HOST:PORT', async () => {
    const io = capture({ CALLPARK_ADMIN_TOKEN: TOKEN });
    expect(await runCli(['status', '--admin', `127.0.0.1:${h.admin.port}`], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('No parked calls.');
  });

  it('reads admin.listen and admin.token from --config', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-status-'));
    const file = path.join(dir, 'callpark.yaml');
    fs.writeFileSync(file, `admin: { listen: "127.0.0.1:${h.admin.port}", token: ${TOKEN} }\n`);
    try {
      const io = capture();
      expect(await runCli(['status', '--config', file], io)).toBe(0);
      expect(io.stdout.join('\n')).toContain(`callpark at http://127.0.0.1:${h.admin.port}: ok`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a clear message on a wrong token', async () => {
    const io = capture();
    expect(await runCli(['status', '--admin', h.admin.url, '--token', 'wrong-token-wrong-token'], io)).toBe(1);
    expect(io.stderr.join('\n')).toBe(`callpark status: the admin API at ${h.admin.url} refused the token (401): pass --token or set CALLPARK_ADMIN_TOKEN`);
  });

  it('exits 1 when nothing listens there', async () => {
    const port = await freePort('tcp');
    const io = capture();
    expect(await runCli(['status', '--admin', `127.0.0.1:${port}`, '--token', TOKEN], io)).toBe(1);
    expect(io.stderr.join('\n')).toBe(`callpark status: cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('exits 1 without any token, before asking', async () => {
    const io = capture();
    expect(await runCli(['status', '--admin', h.admin.url], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('no admin token');
  });

  it('rejects a bad --admin as a usage error', async () => {
    const io = capture();
    expect(await runCli(['status', '--admin', 'nowhere', '--token', TOKEN], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--admin: expected host:port');
  });
});

describe('status formatting', () => {
  it('normalises admin addresses', () => {
    expect(adminBaseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(adminBaseUrl('[::1]:8081')).toBe('http://[::1]:8081');
  });

  it('lays out columns, durations, and neutralises terminal escapes from SIP data', () => {
    expect(formatTable(['A', 'BB'], [['xyz', '1'], ['', '22']])).toBe('A    BB\nxyz  1\n     22');
    expect([formatDuration(999), formatDuration(65_000), formatDuration(7_380_000)]).toEqual(['0s', '1m05s', '2h03m']);
    expect(printable('Eve\u001b[2J\u0007')).toBe('Eve?[2J?');
    const text = renderStatus('http://x', 'draining', [], [], 0);
    expect(text).toContain('callpark at http://x: draining, 0 parked calls');
    expect(text).toContain('No lots: no policy is configured');
  });
});
