/**
 * The retrieve race found by the park benchmark: a retriever that hangs up right after its ACK
 * sends a BYE while the app is still releasing the parked party's music. The bridge must
 * already listen to the retriever's dialog then, so the parked party gets the BYE too.
 */
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import type { HoldSession } from '../../src/media/types';
import { ParkService } from '../../src/park';
import { AttendedParks, SelfParkedCallers } from '../../src/sip/attended-registry';
import { CallContext } from '../../src/sip/call-context';
import { retrieveParkedCall } from '../../src/sip/handlers/retrieve';
import { TrustedPeers } from '../../src/sip/identity';
import type { InboundInvite } from '../../src/sip/invite-middleware';
import { ParkedLeg, ParkedLegs } from '../../src/sip/parked-leg';
import type { ParkRuntime } from '../../src/sip/runtime';
import { ResourceTally } from '../../src/sip/teardown';

const log = pino({ level: 'silent' });
const SDP = 'v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

type FakeDialog = EventEmitter & { destroy: jest.Mock; modify: jest.Mock; request: jest.Mock };

function fakeDialog(): FakeDialog {
  return Object.assign(new EventEmitter(), {
    modify: jest.fn().mockResolvedValue(SDP),
    request: jest.fn().mockResolvedValue({ status: 200 }),
    destroy: jest.fn().mockResolvedValue(undefined),
    local: { sdp: SDP },
    remote: { sdp: SDP },
    type: 'uas',
  });
}

interface Scenario {
  /** What the hold session does when the retrieval releases it. */
  onHoldRelease(retriever: FakeDialog): Promise<void>;
}

async function retrieveWithHangup(scenario: Scenario) {
  const tally = new ResourceTally();
  const park = new ParkService({
    policies: [{ name: 'sales', allowCallPark: true, members: ['sip:*@example.com'], pickupRangeStart: 701, pickupRangeEnd: 709 }],
    log,
  });
  const retriever = fakeDialog();
  const carol = fakeDialog();
  const rt: ParkRuntime = {
    srf: { createUAS: jest.fn().mockResolvedValue(retriever) } as unknown as Srf,
    park,
    media: { name: 'embedded', hold: jest.fn(), activeSessions: () => 0, stop: jest.fn() },
    log,
    config: { sip: { trustedPeers: [], connectedLine: false }, park: { extension: '700', notifyByMessage: false } },
    trusted: new TrustedPeers([]),
    tally,
    legs: new ParkedLegs(),
    attended: new AttendedParks(),
    selfParked: new SelfParkedCallers(),
    ringbackAlertInfo: '',
    unreferredParkDelayMs: 5000,
    newContext: (callId) => new CallContext(callId, log, tally),
  };
  const parked = park.park({ parker: { identity: 'sip:alice@example.com' }, parked: { identity: 'sip:carol@example.com' } });
  const legCtx = new CallContext('carol-call', log, tally);
  const hold: HoldSession = {
    id: 'hold-1',
    localSdp: SDP,
    acceptAnswer: jest.fn(),
    play: jest.fn(),
    announce: jest.fn().mockResolvedValue(undefined),
    beep: jest.fn().mockResolvedValue(undefined),
    release: jest.fn(() => scenario.onHoldRelease(retriever)),
  };
  const holdRegistration = legCtx.teardown.add('media', 'music on hold', () => hold.release());
  const dialogRegistration = legCtx.teardown.add('dialog', 'parked party dialog', () => carol.destroy());
  const party = { aor: 'carol@example.com', user: 'carol', uri: 'sip:carol@example.com', source: 'from' as const };
  rt.legs.add(new ParkedLeg(parked.id, parked.orbit, legCtx, carol as unknown as Srf.Dialog, dialogRegistration, party, hold, holdRegistration));

  const req = Object.assign(new EventEmitter(), { body: SDP, source_address: '192.0.2.10', get: () => undefined });
  const call = {
    req: req as unknown as Srf.SrfRequest,
    res: {} as Srf.SrfResponse,
    ctx: new CallContext('bob-call', log, tally),
    caller: { aor: 'bob@example.com', user: 'bob', uri: 'sip:bob@example.com', source: 'from' },
    route: { flow: 'retrieve', orbit: parked.orbit },
    holdSound: 'music',
  } as InboundInvite;
  const retrieval = retrieveParkedCall(rt, call, parked.orbit);
  return { park, tally, carol, retriever, legCtx, retrieval };
}

/** srf emits 'destroy' on a dialog when its peer's BYE arrives. */
function byeFrom(dialog: FakeDialog): void {
  dialog.emit('destroy', { method: 'BYE' });
}

describe('retriever hanging up right after its ACK', () => {
  it('a BYE that arrives while the music is being released is relayed to the parked party', async () => {
    let finishRelease: (() => void) | undefined;
    const { park, tally, carol, retriever, legCtx, retrieval } = await retrieveWithHangup({
      onHoldRelease: (dialog) =>
        new Promise<void>((resolve) => {
          finishRelease = resolve;
          byeFrom(dialog);
        }),
    });
    // The music is being released (its stop is still under way) when the BYE came.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(finishRelease).toBeDefined();
    finishRelease?.();
    await retrieval;
    await legCtx.teardown.run();
    expect(carol.destroy).toHaveBeenCalledTimes(1);
    // The retriever's dialog is gone already (it sent the BYE): no BYE of ours goes to it.
    expect(retriever.destroy).not.toHaveBeenCalled();
    expect(park.list()).toEqual([]);
    expect(tally.snapshot()).toEqual({ dialog: 0, media: 0, timer: 0, listener: 0, park: 0 });
    park.stop();
  });

  it('once bridged, a BYE from the retriever ends the parked party and every resource', async () => {
    const { park, tally, carol, retriever, legCtx, retrieval } = await retrieveWithHangup({ onHoldRelease: () => Promise.resolve() });
    await retrieval;
    byeFrom(retriever);
    await legCtx.teardown.run();
    expect(carol.destroy).toHaveBeenCalledTimes(1);
    expect(tally.snapshot()).toEqual({ dialog: 0, media: 0, timer: 0, listener: 0, park: 0 });
    park.stop();
  });
});
