import path from 'node:path';
import { freePort } from '../support/ports';
import { buildSippArgs, killAllSipp, liveSippCount, parseSippStats, runSipp, sippOutcome, startSipp } from '../support/sipp';

afterAll(async () => {
  await killAllSipp();
});

describe('runSipp / startSipp against each other', () => {
  it('completes 10 calls between the built-in uac and uas over UDP', async () => {
    const uas = await startSipp({ scenario: 'uas', totalCalls: 10, timeoutSeconds: 30 });
    const uac = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${uas.port}`, totalCalls: 10, callRate: 20, timeoutSeconds: 30 });
    expect(uac.outcome).toBe('ok');
    expect(uac.exitCode).toBe(0);
    expect(uac.stats?.successful).toBe(10);
    expect(uac.stats?.failed).toBe(0);
    expect(uac.stats?.callRate).toBeGreaterThan(0);
    expect(uac.messagesLog()).toContain('INVITE sip:service@127.0.0.1');
    const uasResult = await uas.result;
    expect(uasResult.outcome).toBe('ok');
    expect(uasResult.stats?.successful).toBe(10);
  });

  it('completes calls over TCP', async () => {
    // No -m on the UAS: when the UAC exits it closes the connection, and a UAS still in its last
    // call counts that call as FailedTcpClosed. Stop it ourselves instead.
    const uas = await startSipp({ scenario: 'uas', transport: 't1', timeoutSeconds: 30 });
    const uac = await runSipp({ scenario: 'uac', transport: 't1', remote: `127.0.0.1:${uas.port}`, totalCalls: 3, timeoutSeconds: 30 });
    expect(uac.outcome).toBe('ok');
    expect(uac.stats?.successful).toBe(3);
    const uasResult = await uas.kill();
    expect(uasResult.stats?.raw['IncomingCall(C)']).toBe('3');
  });

  it('reports failed calls when nothing answers', async () => {
    const silentPort = await freePort('udp');
    const uac = await runSipp({
      scenario: 'uac',
      remote: `127.0.0.1:${silentPort}`,
      totalCalls: 1,
      timeoutSeconds: 3,
      extraArgs: ['-recv_timeout', '1000'],
    });
    expect(uac.outcome).toBe('call-failed');
    expect(uac.exitCode).toBe(1);
    expect(uac.stats?.successful).toBe(0);
    expect(uac.stats?.failed).toBe(1);
    expect(uac.summary).toContain('at least one call failed');
    expect(uac.summary).toContain(uac.files.dir);
  });

  it('passes injection rows, -key and -set into XML scenarios and collects <log> output', async () => {
    const fixtures = path.join(__dirname, 'fixtures');
    const uas = await startSipp({ scenario: path.join(fixtures, 'options-uas.xml'), totalCalls: 2, variables: { label: 'L1' }, timeoutSeconds: 20 });
    const uac = await runSipp({
      scenario: path.join(fixtures, 'options-uac.xml'),
      remote: `127.0.0.1:${uas.port}`,
      totalCalls: 2,
      injection: { order: 'SEQUENTIAL', rows: [['alice', '101'], ['bob', '102']] },
      keys: { greeting: 'hello' },
      timeoutSeconds: 20,
    });
    expect(uac.outcome).toBe('ok');
    expect(uac.messagesLog()).toContain('From: <sip:alice@127.0.0.1>');
    expect(uac.messagesLog()).toContain('OPTIONS sip:102@127.0.0.1');
    expect(uac.messagesLog()).not.toMatch(/Via: SIP\/2\.0\/UDP 127\.0\.0\.1:5060;/);
    const uasResult = await uas.result;
    expect(uasResult.outcome).toBe('ok');
    expect(uasResult.actionLog().trim().split('\n')).toEqual(['L1 got subject Subject: hello', 'L1 got subject Subject: hello']);
  });

  it('maps a port already in use to bind-failed', async () => {
    const uas = await startSipp({ scenario: 'uas', timeoutSeconds: 20 });
    const second = await runSipp({ scenario: 'uas', localPort: uas.port, timeoutSeconds: 5 });
    expect(second.outcome).toBe('bind-failed');
    const stopped = await uas.kill();
    expect(stopped.exitCode).not.toBeNull();
    expect(liveSippCount()).toBe(0);
  });
});

describe('sipp helpers', () => {
  it('maps exit codes to outcomes', () => {
    expect(sippOutcome(0)).toBe('ok');
    expect(sippOutcome(1)).toBe('call-failed');
    expect(sippOutcome(97)).toBe('timeout');
    expect(sippOutcome(124)).toBe('hard-timeout');
    expect(sippOutcome(254)).toBe('bind-failed');
    expect(sippOutcome(255)).toBe('fatal');
    expect(sippOutcome(null, 'SIGKILL')).toBe('killed');
    expect(sippOutcome(42)).toBe('unknown');
  });

  it('parses the last row of a stats CSV by column name', () => {
    const header = 'StartTime;CallRate(C);TotalCallCreated;SuccessfulCall(C);FailedCall(C);Retransmissions(C);';
    const csv = `${header}\n1;2;3;1;0;0;\n1;9.5;10;8;2;4;\n`;
    expect(parseSippStats(csv)).toMatchObject({ successful: 8, failed: 2, retransmissions: 4, callRate: 9.5, totalCallsCreated: 10 });
    expect(parseSippStats(header)).toBeNull();
  });

  it('builds the command line from options', () => {
    const files = { dir: '/d', stdout: '/d/o', stats: '/d/s', messages: '/d/m', errors: '/d/e', logs: '/d/l', screen: '/d/c' };
    const args = buildSippArgs(
      {
        scenario: 'test/sipp/park.xml',
        remote: '[::1]:5060',
        transport: 'tn',
        localIp: '::1',
        lostPercent: 10,
        keys: { orbit: '701' },
        variables: { v: '1' },
        media: { port: 6000, rtpEcho: true },
        cwd: '/repo',
      },
      files,
      '/d/in.csv',
    );
    expect(args.slice(0, 3)).toEqual(['[::1]:5060', '-sf', '/repo/test/sipp/park.xml']);
    const joined = args.join(' ');
    for (const part of ['-t tn', '-i ::1', '-lost 10', '-key orbit 701', '-set v 1', '-mp 6000', '-rtp_echo', '-nostdin', '-inf /d/in.csv', '-stf /d/s']) {
      expect(joined).toContain(part);
    }
    expect(args).not.toContain('-bg');
  });
});
