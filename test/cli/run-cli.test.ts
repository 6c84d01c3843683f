import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/commands';
import type { Command, CommandIo } from '../../src/commands/io';

function capture(env: Record<string, string> = {}): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line), env };
}

const example = path.join(__dirname, '../../examples/callpark.yaml');

describe('runCli', () => {
  it('prints help listing the commands', async () => {
    const io = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('check-config');
  });

  it('exits 2 with help when no command is given, and for an unknown command', async () => {
    expect(await runCli([], capture())).toBe(2);
    const io = capture();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('unknown command "frobnicate"');
  });

  it('prints the package version', async () => {
    const io = capture();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.stdout).toEqual([JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version]);
  });

  it('turns a usage error into exit 2 with the command usage', async () => {
    const io = capture();
    expect(await runCli(['check-config'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/check-config needs a FILE[\s\S]*Usage: callpark check-config FILE/);
  });

  it('shows a command usage for COMMAND --help', async () => {
    const io = capture();
    expect(await runCli(['check-config', '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('Usage: callpark check-config FILE');
  });

  it('check-config reports a valid file', async () => {
    const io = capture();
    expect(await runCli(['check-config', example], io)).toBe(0);
    expect(io.stdout).toEqual([`config OK: 1 policy (${example})`]);
  });

  it('check-config reports every problem and exits 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-cli-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'mode: b2bua\nparkk: {}\n');
    try {
      const io = capture();
      expect(await runCli(['check-config', file], io)).toBe(1);
      expect(io.stderr.join('\n')).toContain('parkk: unknown key (did you mean park?)');
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('check-config applies environment overrides from the io', async () => {
    const io = capture({ CALLPARK_ENGINE_PORT: 'x' });
    expect(await runCli(['check-config', example], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('engine.port: expected a number, got "x" (from CALLPARK_ENGINE_PORT)');
  });

  it('dispatches to the named command with the remaining arguments', async () => {
    const seen: string[][] = [];
    const fake: Command = { name: 'fake', summary: 's', usage: 'u', run: async (args) => (seen.push([...args]), 7) };
    expect(await runCli(['fake', 'a', '--b'], capture(), [fake])).toBe(7);
    expect(seen).toEqual([['a', '--b']]);
  });
});
