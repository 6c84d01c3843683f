/**
 * Real phones behind callpark in B2BUA mode: baresip Alice and Bob know nothing but callpark as
 * their outbound proxy; a third baresip, Carol, stands in for the upstream PBX (callpark's
 * `upstream` is her SIP port), so Alice's call to 1003 is bridged by callpark to a real phone.
 * Alice presses Transfer and types 700: callpark takes the REFER, Carol hears music, Alice hears
 * the orbit and sees `200 Parked at 701` in the NOTIFY, a busy lamp on 701 lights, Bob dials 701
 * and talks to Carol, and every count returns to 0.
 */
import path from 'node:path';
import { Baresip, type BaresipEvent } from '../support/baresip';
import { headerOf, receivedRequests, referProgress, sentRequests, sipTrace, startPhoneBehindCallpark } from '../support/baresip-b2bua';
import { runSipp, killAllSipp, type SippResult } from '../support/sipp';
import { IDLE, waitForIdle } from '../engine/conformance/harness';
import { BLF_SCENARIOS, startB2buaStack, until, type B2buaStack } from './b2bua-stack';

const MUSIC = path.join(__dirname, '..', '..', 'sounds', 'music.wav');

jest.setTimeout(90_000);

function rtcpPacketCount(event: BaresipEvent): number {
  const stats = event.rtcp_stats as { tx?: { sent?: unknown }; rx?: { sent?: unknown } } | undefined;
  const tx = typeof stats?.tx?.sent === 'number' ? stats.tx.sent : 0;
  const rx = typeof stats?.rx?.sent === 'number' ? stats.rx.sent : 0;
  return tx + rx;
}

function expectOk(result: SippResult): void {
  expect({ outcome: result.outcome, summary: result.summary }).toEqual({ outcome: 'ok', summary: result.summary });
}

/** `version substate state` of every NOTIFY the lamp logged. */
function lampStates(result: SippResult): string[] {
  return result
    .actionLog()
    .split('\n')
    .flatMap((line) => /^lamp \S+ (\d+) (\S+) (\S+)/.exec(line.trim())?.slice(1, 4).join(' ') ?? []);
}

describe('baresip desk phones behind callpark (B2BUA mode): park by REFER, lamps, retrieval', () => {
  let stack: B2buaStack | undefined;
  const phones: Baresip[] = [];

  afterAll(async () => {
    await killAllSipp();
    await Promise.all(phones.map((phone) => phone.stop()));
    await stack?.stop();
  });

  it('Alice transfers Carol to 700, the NOTIFY and the lamp show 701, Bob dials 701 and talks to Carol', async () => {
    const carol = await Baresip.start({ user: '1003', displayName: 'Carol', audioFile: MUSIC, timeoutSeconds: 80 });
    phones.push(carol);
    const running = await startB2buaStack({ pbxPort: carol.sipPort });
    stack = running;
    const [alice, bob] = await Promise.all([
      startPhoneBehindCallpark(running.target, { user: '101', displayName: 'Alice', audioFile: MUSIC, timeoutSeconds: 80 }),
      startPhoneBehindCallpark(running.target, { user: '102', displayName: 'Bob', audioFile: MUSIC, timeoutSeconds: 80 }),
    ]);
    phones.push(alice, bob);

    const lamp = runSipp({
      scenario: path.join(BLF_SCENARIOS, 'blf-watch.xml'),
      remote: running.target,
      service: '701',
      injection: { order: 'SEQUENTIAL', rows: [['104']] },
      keys: { expires: '600' },
      totalCalls: 1,
      timeoutSeconds: 80,
    });
    await until(() => running.blf.counts().subscriptions === 1, 'the lamp subscription');
    await running.blf.idle();

    // Alice dials 1003 at "any" host: the outbound proxy carries it to callpark, which bridges it upstream.
    await alice.dial('sip:1003@127.0.0.1');
    await alice.waitForEvent('CALL_ESTABLISHED');
    await carol.waitForEvent('CALL_ESTABLISHED');
    expect(headerOf(sentRequests(alice, 'INVITE')[0]!, 'Route')).toBe(`<sip:${running.target};lr>`);
    expect(receivedRequests(carol, 'INVITE')[0]?.startLine).toBe(`INVITE sip:1003@127.0.0.1:${carol.sipPort} SIP/2.0`);

    // Transfer, typed as on a phone's keypad: callpark answers the REFER itself.
    const beforeTransfer = carol.events.length;
    expect((await alice.transfer('700')).ok).toBe(true);
    expect((await alice.waitForEvent('CALL_CLOSED', { timeoutMs: 20000 })).param).toMatch(/transfer/i);
    const refer = sentRequests(alice, 'REFER')[0]!;
    // baresip's quirks: a bare Refer-To URI completed with the phone's own host and port, no Referred-By.
    expect(headerOf(refer, 'Refer-To')).toBe(`sip:700@127.0.0.1:${alice.sipPort}`);
    expect(headerOf(refer, 'Referred-By')).toBeUndefined();
    expect(referProgress(alice)).toEqual([
      { subscriptionState: expect.stringMatching(/^active/), sipfrag: 'SIP/2.0 100 Trying' },
      { subscriptionState: expect.stringMatching(/^terminated/), sipfrag: 'SIP/2.0 200 Parked at 701' },
    ]);
    // The orbit was spoken to Alice on a re-INVITE before the final NOTIFY.
    expect(receivedRequests(alice, 'INVITE')).toHaveLength(1);

    // Carol was moved to callpark's music by a re-INVITE, and waits at 701.
    await carol.waitForEvent('CALL_REMOTE_SDP', { since: beforeTransfer, match: (e) => e.param === 'offer' });
    expect(receivedRequests(carol, 'INVITE')).toHaveLength(2);
    expect(running.park.list()).toEqual([
      expect.objectContaining({ orbit: 701, state: 'parked', parker: expect.objectContaining({ identity: 'sip:101@127.0.0.1' }), parked: expect.objectContaining({ identity: 'sip:1003@127.0.0.1' }) }),
    ]);
    await until(() => running.media.activeSessions() === 1, 'only the music on hold to remain');

    // Bob dials 701: callpark re-INVITEs Carol with Bob's offer and bridges them.
    const beforeRetrieve = carol.events.length;
    await bob.dial('sip:701@127.0.0.1');
    await bob.waitForEvent('CALL_ESTABLISHED');
    const answer = sipTrace(bob.output()).find((message) => message.destination.endsWith(`:${bob.sipPort}`) && message.startLine === 'SIP/2.0 200 OK' && /INVITE/.test(headerOf(message, 'CSeq') ?? ''));
    expect(answer && headerOf(answer, 'X-Callpark-Orbit')).toBe('701');
    expect(answer && headerOf(answer, 'P-Asserted-Identity')).toContain('sip:1003@127.0.0.1');
    await carol.waitForEvent('CALL_REMOTE_SDP', { since: beforeRetrieve, match: (e) => e.param === 'offer' });
    await until(() => running.media.activeSessions() === 0, 'the music to be released');
    await bob.waitForEvent('CALL_RTPESTAB');
    await carol.waitForEvent('CALL_RTCP', { since: beforeRetrieve, timeoutMs: 20000, match: (e) => rtcpPacketCount(e) > 0 });
    await bob.waitForEvent('CALL_RTCP', { timeoutMs: 20000, match: (e) => rtcpPacketCount(e) > 0 });
    expect(running.ended.map(({ orbit, reason }) => `${orbit} ${reason}`)).toEqual(['701 retrieved']);

    // Bob hangs up: Carol gets the BYE and nothing is left.
    const beforeHangup = carol.events.length;
    await bob.hangup();
    await carol.waitForEvent('CALL_CLOSED', { since: beforeHangup });
    await until(() => running.b2bua.counts().calls === 0 && running.app.counts().calls === 0, 'every call to end');
    expect(running.app.counts()).toMatchObject({ calls: 0, dialog: 0, media: 0, timer: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
    expect(running.b2bua.counts()).toMatchObject({ calls: 0, parkedLegs: 0 });
    expect(running.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, timers: 0, heldOrbits: 0 });
    expect(running.media.activeSessions()).toBe(0);

    // The lamp on 701: free, parked, free again, then callpark's final NOTIFY.
    await running.blf.idle();
    await running.blf.stop();
    const lampRun = await lamp;
    expectOk(lampRun);
    expect(lampStates(lampRun)).toEqual(['0 active terminated', '1 active confirmed', '2 active terminated', '3 terminated terminated']);
    expect(await waitForIdle(running.engine)).toEqual(IDLE);
  });
});
