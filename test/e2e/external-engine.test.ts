/**
 * The park e2e suite against a SIP engine in another process, as against a real drachtio-server:
 * `callpark engine` (the compiled CLI, a drachtio-server stand-in from the app's point of view) is
 * started on its own, and every other test file of this directory runs again, unchanged, in a
 * nested jest with CALLPARK_TEST_DRACHTIO pointing at it. The stack then reaches the engine only
 * over the admin socket and learns where SIPp must send from srf's 'connect' hostports.
 *
 * The nested run is serial (--runInBand): one engine hands each request to one of its connected
 * apps, so two stacks on it at once would take each other's calls.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCli, REPO_ROOT } from '../support/cli';
import { spawnBounded, type BoundedProcess } from '../support/process';

const SECRET = 'external-engine-secret';
const NESTED_RUN_SECONDS = 540;

jest.setTimeout((NESTED_RUN_SECONDS + 30) * 1000);

interface JestJsonReport {
  numTotalTestSuites: number;
  numFailedTestSuites: number;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults?: Array<{
    name: string;
    status: string;
    message: string;
    assertionResults?: Array<{ fullName: string; status: string; failureMessages?: string[] }>;
  }>;
}

function parkSuiteFiles(): string[] {
  const self = path.basename(__filename);
  return fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.ts') && name !== self)
    .sort()
    .map((name) => path.join(__dirname, name));
}

describe('the park e2e suite against a separately started engine process (CALLPARK_TEST_DRACHTIO)', () => {
  let engine: BoundedProcess | undefined;
  let nested: BoundedProcess | undefined;
  let workDir: string;

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-external-e2e-'));
  });

  afterAll(async () => {
    await nested?.stop('SIGTERM', 5000);
    await engine?.stop('SIGTERM', 5000);
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('passes every park e2e test file, each stack served by the external engine', async () => {
    engine = spawnCli(['engine', '--sip', 'udp/127.0.0.1:0', '--admin', '127.0.0.1:0', '--secret', SECRET, '--log-level', 'info'], {
      timeoutSeconds: NESTED_RUN_SECONDS + 20,
    });
    const admin = await engine.waitForOutput(/drachtio admin socket on 127\.0\.0\.1:(\d+)/, 10000);
    const files = parkSuiteFiles();
    expect(files.length).toBeGreaterThanOrEqual(5);

    const report = path.join(workDir, 'report.json');
    const env: NodeJS.ProcessEnv = { ...process.env, CALLPARK_TEST_DRACHTIO: `127.0.0.1:${admin[1]}:${SECRET}` };
    delete env.JEST_WORKER_ID;
    nested = spawnBounded(process.execPath, [require.resolve('jest/bin/jest'), '--ci', '--runInBand', '--json', '--outputFile', report, ...files], {
      timeoutSeconds: NESTED_RUN_SECONDS,
      cwd: REPO_ROOT,
      env,
    });
    const exit = await nested.exited;
    const output = nested.stderr().slice(-6000);
    const result = (fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : {}) as JestJsonReport;
    // On failure, name the inner tests that failed and why, not only the exit code.
    const failures = (result.testResults ?? []).flatMap((file) =>
      (file.assertionResults ?? [])
        .filter((test) => test.status === 'failed')
        .map((test) => `${path.basename(file.name)}: ${test.fullName}: ${(test.failureMessages ?? []).join(' ').slice(0, 1500)}`),
    );
    expect({ exit, failures, output: failures.length === 0 && exit.code !== 0 ? output : '' }).toMatchObject({ exit: { code: 0 }, failures: [] });

    expect(result).toMatchObject({ numTotalTestSuites: files.length, numFailedTestSuites: 0, numFailedTests: 0, numPendingTests: 0 });
    expect(result.numPassedTests).toBe(result.numTotalTests);
    expect(result.numTotalTests).toBeGreaterThan(20);
    // Every stack authenticated to the external engine (at least one per file).
    const authenticated = engine.stdout().split('\n').filter((line) => line.includes('app authenticated')).length;
    expect(authenticated).toBeGreaterThanOrEqual(files.length);
  });
});
