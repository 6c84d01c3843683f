/**
 * Graceful drain over SIP: a ring back answered during the drain is a call handed to its parker;
 * the drain must wait for it (ParkApp.whenIdle) instead of letting shutdown hang it up.
 */
import pino from 'pino';
import { drainParkedCalls } from '../../src/commands/drain';
import { PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { startScenario } from './sipp-run';

jest.setTimeout(60000);

const POLICIES = [{ name: 'answer', allowCallPark: true, members: ['sip:ann@*'], pickupRangeStart: 701, pickupRangeEnd: 709, parkTimeout: 60, ringbackTimeout: 10 }];
const TALK_MS = 1500;

describe('graceful drain with the park app', () => {
  let stack: ParkStack;

  afterEach(async () => {
    await stack.stop();
  });

  it('waits for a ring back answered during the drain until its call ends; nobody gets a BYE from callpark', async () => {
    stack = await startParkStack({ policies: POLICIES });
    const parker = await startScenario({ scenario: 'parker-answers.xml', pauseMs: TALK_MS });
    const parked = await startScenario({
      scenario: 'park-until-connected.xml',
      target: stack.target,
      service: '700',
      keys: { referred_by: `sip:ann@${PEER}:${parker.port}` },
    });
    // Parked in the domain and answered on the SIP side (the leg is listed once its 200 went out).
    await waitFor(() => stack.app.counts(), (counts) => counts.parkedLegs === 1);

    const startedAt = Date.now();
    const outcome = await drainParkedCalls({ park: stack.park, app: stack.app, deadlineMs: 30_000, log: pino({ level: 'silent' }) });
    expect(outcome).toBe('idle');
    // Answered, talked TALK_MS, then the parker hung up: only then is the app idle.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(TALK_MS);
    expect(stack.app.counts().calls).toBe(0);
    expect(stack.logs.some((line) => line.msg === 'ring back answered; parker connected')).toBe(true);

    await stack.app.stop();
    // The parker sent the BYE and the parked party received it: both scenarios ran to the end.
    expect((await parker.result).summary).toMatch(/: ok /);
    expect((await parked.result).summary).toMatch(/: ok /);
  });
});
