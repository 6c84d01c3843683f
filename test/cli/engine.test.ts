import { execFileSync } from 'node:child_process';
import { connectSrf, disconnectSrf } from '../support/srf-apps/connect';
import { spawnCli } from '../support/cli';
import { freePort } from '../support/ports';
import { killAllSpawned } from '../support/process';
import { probeOptions } from '../support/sip-options';

afterAll(killAllSpawned);

/** SIGTERM to `pid` unless it has exited already (a loaded machine may be that slow). */
function signalIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

describe('callpark engine (compiled CLI)', () => {
  it('listens where told, accepts a drachtio-srf app with the secret, and exits 0 on SIGTERM', async () => {
    const sipPort = await freePort('both');
    const adminPort = await freePort('tcp');
    const engine = spawnCli([
      'engine',
      '--sip',
      `udp/127.0.0.1:${sipPort},tcp/127.0.0.1:${sipPort}`,
      '--admin',
      `127.0.0.1:${adminPort}`,
      '--secret',
      'test-secret',
      '--max-receive-queue',
      '1048576',
    ]);
    await engine.waitForOutput(/drachtio admin socket on 127\.0\.0\.1:\d+/, 15000);
    expect(engine.stdout()).toContain(`SIP listening on udp/127.0.0.1:${sipPort}`);
    expect(engine.stdout()).toContain(`SIP listening on tcp/127.0.0.1:${sipPort}`);
    expect(engine.stdout()).toContain(`drachtio admin socket on 127.0.0.1:${adminPort}`);

    const srf = await connectSrf({ host: '127.0.0.1', port: adminPort }, 'test-secret');
    await disconnectSrf(srf);

    expect(await engine.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(engine.stdout()).toContain('engine stopped');
  });

  it('still exits 0 when a copy of the SIGTERM arrives while it is exiting (timeout and npm deliver one twice)', async () => {
    for (let run = 0; run < 5; run++) {
      const engine = spawnCli(['engine', '--sip', 'udp/127.0.0.1:0', '--admin', '127.0.0.1:0', '--secret', 'test-secret']);
      await engine.waitForOutput(/drachtio admin socket on/, 15000);
      // The node process itself (the handle's pid is coreutils timeout's), so nothing delays the copies.
      const node = Number(execFileSync('pgrep', ['-P', String(engine.pid)], { encoding: 'utf8' }).trim());
      process.kill(node, 'SIGTERM');
      await engine.waitForOutput(/shutting down/, 10000);
      signalIfAlive(node);
      await engine.waitForOutput(/engine stopped/, 10000);
      signalIfAlive(node);
      expect(await engine.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('takes the secret from CALLPARK_ENGINE_SECRET, and answers 503 to requests while no app is connected', async () => {
    const sipPort = await freePort('udp');
    const adminPort = await freePort('tcp');
    const engine = spawnCli(['engine', '--sip', `udp/127.0.0.1:${sipPort}`, '--admin', `127.0.0.1:${adminPort}`], {
      env: { CALLPARK_ENGINE_SECRET: 'env-secret' },
    });
    await engine.waitForOutput(/drachtio admin socket on/, 15000);
    expect(engine.stdout()).not.toContain('cymru');
    expect(await probeOptions({ protocol: 'udp', host: '127.0.0.1', port: sipPort })).toMatch(/^SIP\/2\.0 503/);
    const srf = await connectSrf({ host: '127.0.0.1', port: adminPort }, 'env-secret');
    await disconnectSrf(srf);
    expect((await engine.stop('SIGINT')).code).toBe(0);
  });

  it('warns when it falls back to the default secret', async () => {
    const engine = spawnCli(['engine', '--sip', 'udp/127.0.0.1:0', '--admin', '127.0.0.1:0'], { env: { CALLPARK_ENGINE_SECRET: '' } });
    await engine.waitForOutput(/drachtio admin socket on/, 15000);
    expect(engine.stdout()).toMatch(/"level":40.*default \\"cymru\\"/);
    expect((await engine.stop()).code).toBe(0);
  });

  it('refuses the default secret on a non-loopback admin address, and bad flags, with exit 2', async () => {
    const noSecret = spawnCli(['engine', '--admin', '0.0.0.0:0'], { env: { CALLPARK_ENGINE_SECRET: '' } });
    expect((await noSecret.exited).code).toBe(2);
    expect(noSecret.stderr()).toContain('--secret (or CALLPARK_ENGINE_SECRET) is required');
    const badSip = spawnCli(['engine', '--sip', 'sctp/127.0.0.1:5060']);
    expect((await badSip.exited).code).toBe(2);
    expect(badSip.stderr()).toContain('--sip:');
    const badQueue = spawnCli(['engine', '--max-receive-queue', '1MB']);
    expect((await badQueue.exited).code).toBe(2);
    expect(badQueue.stderr()).toContain('--max-receive-queue must be a whole number of bytes, got "1MB"');
  });
});
