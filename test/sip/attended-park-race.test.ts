/**
 * Attended park: the parker's "park the caller itself" timer must not fire into a reservation a
 * transfer (Replaces) has already claimed while the transferee's media is still being set up.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import type { HoldSession } from '../../src/media/types';
import { ParkService } from '../../src/park';
import { AttendedParks, SelfParkedCallers } from '../../src/sip/attended-registry';
import { CallContext } from '../../src/sip/call-context';
import { completeAttendedPark, reserveForAttendedPark } from '../../src/sip/handlers/attended-park';
import { TrustedPeers, type SipIdentity } from '../../src/sip/identity';
import type { InboundInvite, InviteRoute } from '../../src/sip/invite-middleware';
import { ParkedLegs } from '../../src/sip/parked-leg';
import type { ParkRuntime } from '../../src/sip/runtime';
import { ResourceTally } from '../../src/sip/teardown';

const log = pino({ level: 'silent' });
const SDP = 'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const UNREFERRED_PARK_DELAY_MS = 30;

function fakeDialog(id: string, localTag: string, remoteTag: string): EventEmitter {
  return Object.assign(new EventEmitter(), {
    id,
    sip: { callId: id.split(';')[0], localTag, remoteTag },
    destroy: jest.fn().mockResolvedValue(undefined),
    local: { sdp: SDP },
    remote: { sdp: SDP },
    type: 'uas',
  });
}

function holdSession(id: string): HoldSession {
  return {
    id,
    localSdp: SDP,
    acceptAnswer: jest.fn(),
    play: jest.fn(),
    announce: jest.fn().mockResolvedValue(undefined),
    beep: jest.fn().mockResolvedValue(undefined),
    release: jest.fn().mockResolvedValue(undefined),
  };
}

function identity(user: string): SipIdentity {
  return { aor: `${user}@example.com`, user, uri: `sip:${user}@example.com`, source: 'from' };
}

function invite(tally: ResourceTally, callId: string, caller: SipIdentity, route: InviteRoute): InboundInvite {
  const req = Object.assign(new EventEmitter(), { body: SDP, source_address: '127.0.0.1', has: () => false, get: () => undefined });
  return {
    req: req as unknown as Srf.SrfRequest,
    res: {} as Srf.SrfResponse,
    ctx: new CallContext(callId, log, tally),
    caller,
    route,
    holdSound: 'music',
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('attended park: transfer arriving while the parker waits', () => {
  it('parks the transferee even when the self-park timer would fire during its media set-up', async () => {
    const tally = new ResourceTally();
    const park = new ParkService({
      policies: [{ name: 'sales', allowCallPark: true, members: ['sip:*@example.com'], pickupRangeStart: 701, pickupRangeEnd: 709 }],
      log,
    });
    const parkerDialog = fakeDialog('parker-call;from-tag=ft', 'tt', 'ft');
    const transfereeDialog = fakeDialog('transferee-call;from-tag=x', 'y', 'x');
    let releaseTransfereeHold: (hold: HoldSession) => void = () => undefined;
    const media = {
      name: 'embedded' as const,
      hold: jest
        .fn()
        .mockResolvedValueOnce(holdSession('parker-hold'))
        .mockImplementationOnce(() => new Promise<HoldSession>((resolve) => (releaseTransfereeHold = resolve))),
      activeSessions: () => 0,
      stop: jest.fn(),
    };
    const srf = {
      createUAS: jest.fn().mockResolvedValueOnce(parkerDialog).mockResolvedValueOnce(transfereeDialog),
      findDialogByCallIDAndFromTag: (callId: string, tag: string) => (callId === 'parker-call' && tag === 'ft' ? parkerDialog : undefined),
    };
    const rt: ParkRuntime = {
      srf: srf as unknown as Srf,
      park,
      media,
      log,
      config: { sip: { trustedPeers: [], connectedLine: false }, park: { extension: '700', notifyByMessage: false } },
      trusted: new TrustedPeers([]),
      tally,
      legs: new ParkedLegs(),
      attended: new AttendedParks(),
      selfParked: new SelfParkedCallers(),
      ringbackAlertInfo: '',
      unreferredParkDelayMs: UNREFERRED_PARK_DELAY_MS,
      newContext: (callId) => new CallContext(callId, log, tally),
    };

    const parker = invite(tally, 'parker-call', identity('1001'), { flow: 'attended-park' });
    await reserveForAttendedPark(rt, parker);
    await sleep(5); // the announcement finished: the self-park timer is armed

    const replaces = { callId: 'parker-call', toTag: 'tt', fromTag: 'ft', earlyOnly: false };
    const transferee = invite(tally, 'transferee-call', identity('carol'), { flow: 'attended-complete', replaces });
    const completing = completeAttendedPark(rt, transferee, replaces);
    await sleep(UNREFERRED_PARK_DELAY_MS * 4); // past the parker's timer, media still being set up
    releaseTransfereeHold(holdSession('transferee-hold'));
    await completing;

    const parked = park.list();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ orbit: 701, state: 'parked', parked: { identity: 'sip:carol@example.com' } });
    expect(parker.ctx.teardown.done).toBe(true);
    expect(rt.attended.size).toBe(0);
    await transferee.ctx.teardown.run();
    park.stop();
  });
});
