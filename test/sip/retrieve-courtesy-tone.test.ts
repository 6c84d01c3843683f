/** park.courtesyTone in service mode: the parked party hears a beep just before it is re-INVITEd to its retriever. */
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

function fakeDialog(): EventEmitter & { modify: jest.Mock; destroy: jest.Mock } {
  return Object.assign(new EventEmitter(), {
    modify: jest.fn().mockResolvedValue(SDP),
    request: jest.fn().mockResolvedValue({ status: 200 }),
    destroy: jest.fn().mockResolvedValue(undefined),
    local: { sdp: SDP },
    remote: { sdp: SDP },
    type: 'uas',
  });
}

async function retrieveWith(courtesyTone: boolean | undefined) {
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
    config: {
      sip: { trustedPeers: [], connectedLine: false },
      park: { extension: '700', notifyByMessage: false, ...(courtesyTone === undefined ? {} : { courtesyTone }) },
    },
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
    release: jest.fn().mockResolvedValue(undefined),
  };
  const holdRegistration = legCtx.teardown.add('media', 'music on hold', () => hold.release());
  const dialogRegistration = legCtx.teardown.add('dialog', 'parked party dialog', () => carol.destroy());
  const party = { aor: 'carol@example.com', user: 'carol', uri: 'sip:carol@example.com', source: 'from' as const };
  rt.legs.add(new ParkedLeg(parked.id, parked.orbit, legCtx, carol as unknown as Srf.Dialog, dialogRegistration, party, hold, holdRegistration));
  const req = Object.assign(new EventEmitter(), { body: SDP, source_address: '127.0.0.1', get: () => undefined });
  const call = {
    req: req as unknown as Srf.SrfRequest,
    res: {} as Srf.SrfResponse,
    ctx: new CallContext('bob-call', log, tally),
    caller: { aor: 'bob@example.com', user: 'bob', uri: 'sip:bob@example.com', source: 'from' },
    route: { flow: 'retrieve', orbit: parked.orbit },
    holdSound: 'music',
  } as InboundInvite;
  await retrieveParkedCall(rt, call, parked.orbit);
  await legCtx.teardown.run();
  park.stop();
  return { beep: hold.beep as jest.Mock, reinvite: carol.modify };
}

describe('service-mode retrieve and park.courtesyTone', () => {
  it('beeps the parked party once, before re-INVITEing it to the retriever, when courtesyTone is on', async () => {
    const { beep, reinvite } = await retrieveWith(true);
    expect(beep).toHaveBeenCalledTimes(1);
    expect(reinvite).toHaveBeenCalledTimes(1);
    expect(beep.mock.invocationCallOrder[0]!).toBeLessThan(reinvite.mock.invocationCallOrder[0]!);
  });

  it.each([false, undefined])('does not beep when courtesyTone is %s', async (courtesyTone) => {
    const { beep, reinvite } = await retrieveWith(courtesyTone);
    expect(beep).not.toHaveBeenCalled();
    expect(reinvite).toHaveBeenCalledTimes(1);
  });
});
