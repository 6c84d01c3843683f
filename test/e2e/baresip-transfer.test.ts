/**
 * The acceptance test with real softphones: baresip A and C in a peer-to-peer call, A
 * blind-transfers C to the park extension, baresip B dials the orbit and talks to C.
 * baresip sends neither Referred-By in its REFER nor in the transferee's INVITE, so C's INVITE
 * to 700 looks like an attended parker's: callpark parks C itself once no transfer follows.
 */
import path from 'node:path';
import { Baresip, type BaresipEvent } from '../support/baresip';
import { assertEngineIdle, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';

const MUSIC = path.join(__dirname, '..', '..', 'sounds', 'music.wav');
const POLICIES = [{ name: 'office', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 }];

jest.setTimeout(60000);

function rtcpPacketCount(event: BaresipEvent): number {
  const stats = event.rtcp_stats as { tx?: { sent?: unknown }; rx?: { sent?: unknown } } | undefined;
  const tx = typeof stats?.tx?.sent === 'number' ? stats.tx.sent : 0;
  const rx = typeof stats?.rx?.sent === 'number' ? stats.rx.sent : 0;
  return tx + rx;
}

describe('baresip phones: a real blind transfer to the park extension, retrieved by another phone', () => {
  let stack: ParkStack;
  const phones: Baresip[] = [];

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES, unreferredParkDelayMs: 1000 });
  });

  afterAll(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    await stack?.stop();
  });

  it('parks C at 701 with music, connects B to C with RTP both ways, and leaves nothing behind', async () => {
    const [alice, bob, carol] = await Promise.all([
      Baresip.start({ user: '101', displayName: 'Alice', audioFile: MUSIC }),
      Baresip.start({ user: '102', displayName: 'Bob', audioFile: MUSIC }),
      Baresip.start({ user: '103', displayName: 'Carol', audioFile: MUSIC }),
    ]);
    phones.push(alice, bob, carol);

    // C calls A directly; then A transfers C to the park extension.
    await carol.dial(alice.uri);
    await alice.waitForEvent('CALL_ESTABLISHED');
    const beforeTransfer = carol.events.length;
    expect((await alice.transfer(`sip:700@${stack.target}`)).ok).toBe(true);
    expect((await alice.waitForEvent('CALL_CLOSED')).param).toMatch(/transfer/i);

    // C INVITEs 700 (no Referred-By: baresip leaves it out), hears the orbit, then music.
    await carol.waitForEvent('CALL_ESTABLISHED', { since: beforeTransfer, match: (e) => /^sip:700@/.test(e.peeruri ?? '') });
    await carol.waitForEvent('CALL_RTPESTAB', { since: beforeTransfer });
    const parked = await waitFor(() => stack.park.list(), (calls) => calls.some((call) => call.state === 'parked'));
    expect(parked).toEqual([expect.objectContaining({ orbit: 701, state: 'parked', parked: expect.objectContaining({ identity: 'sip:103@127.0.0.1', displayName: 'Carol' }) })]);
    expect(carol.output()).toMatch(/X-Callpark-Orbit: 701/);
    expect(carol.output()).not.toMatch(/^Referred-By:/im);
    expect(stack.logs.some((line) => line.orbit === 701 && /Carol parked at 701 \(INVITE without Referred-By\)/.test(String(line.msg)))).toBe(true);
    const musicSession = stack.media.activeSessions();
    expect(musicSession).toBe(1);

    // B dials the orbit: C is re-INVITEd with B's offer, the music is released.
    const beforeRetrieve = carol.events.length;
    await bob.dial(`sip:701@${stack.target}`);
    await bob.waitForEvent('CALL_ESTABLISHED');
    await carol.waitForEvent('CALL_REMOTE_SDP', { since: beforeRetrieve, match: (e) => e.param === 'offer' });
    await waitFor(() => stack.media.activeSessions(), (n) => n === 0);
    expect(stack.media.activeSessions()).toBe(0);
    // RTP from C reaches B; RTCP reports (which callpark's media never sends) reach C from B and B from C.
    await bob.waitForEvent('CALL_RTPESTAB');
    await carol.waitForEvent('CALL_RTCP', { since: beforeRetrieve, timeoutMs: 20000, match: (e) => rtcpPacketCount(e) > 0 });
    await bob.waitForEvent('CALL_RTCP', { timeoutMs: 20000, match: (e) => rtcpPacketCount(e) > 0 });
    expect(stack.logs.some((line) => line.orbit === 701 && /retrieved by 102@127.0.0.1/.test(String(line.msg)))).toBe(true);

    // B hangs up: C gets the BYE, and nothing is left anywhere.
    const beforeHangup = carol.events.length;
    await bob.hangup();
    await carol.waitForEvent('CALL_CLOSED', { since: beforeHangup });
    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, timer: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
    await assertEngineIdle(stack);
    expect(stack.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, timers: 0, heldOrbits: 0 });
  });
});
