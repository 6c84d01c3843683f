import path from 'node:path';
import { runSipp, startSipp, type SippHandle, type SippOptions, type SippResult } from '../support/sipp';
import { PEER, SCENARIOS } from '../support/e2e-stack';

export interface ScenarioRun {
  scenario: string;
  target?: string;
  service?: string;
  keys?: Record<string, string>;
  /** -d: pause length, ms. */
  pauseMs?: number;
  totalCalls?: number;
  localPort?: number;
  /** -i: the address SIPp binds and sends from (default PEER: CALLPARK_TEST_PEER_ADDRESS or 127.0.0.1); loopback has all of 127/8. */
  localIp?: string;
  timeoutSeconds?: number;
}

function options(run: ScenarioRun): SippOptions {
  const extra = run.pauseMs === undefined ? [] : ['-d', String(run.pauseMs)];
  return {
    scenario: path.join(SCENARIOS, run.scenario),
    remote: run.target,
    service: run.service,
    keys: { from_user: 'carol', from_name: 'Carol', rtp_port: '9', ...run.keys },
    totalCalls: run.totalCalls ?? 1,
    localPort: run.localPort,
    localIp: run.localIp ?? PEER,
    timeoutSeconds: run.timeoutSeconds ?? 20,
    extraArgs: extra,
  };
}

export function scenario(run: ScenarioRun): Promise<SippResult> {
  return runSipp(options(run));
}

export function startScenario(run: ScenarioRun): Promise<SippHandle> {
  return startSipp(options(run));
}
