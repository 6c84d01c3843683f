import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAllSpawned } from '../support/process';
import { spawnCli } from '../support/cli';

afterAll(killAllSpawned);

describe('callpark check-config (compiled CLI)', () => {
  it('prints "config OK" for the shipped example and exits 0', async () => {
    const cli = spawnCli(['check-config', 'examples/callpark.yaml']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toMatch(/^config OK: 1 policy/);
  });

  it('prints the errors and exits 1 for a bad file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-cli-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'policies:\n  - { name: a, members: [x], pickupRangeStart: 701, pickupRangeEnd: "7x9" }\n');
    try {
      const cli = spawnCli(['check-config', file]);
      expect((await cli.exited).code).toBe(1);
      expect(cli.stderr()).toContain('policies[0].pickupRangeEnd: expected a number >= pickupRangeStart, got "7x9"');
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('answers --version and --help', async () => {
    const version = spawnCli(['--version']);
    expect((await version.exited).code).toBe(0);
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = spawnCli(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toContain('Usage: callpark COMMAND');
  });
});
