/**
 * media.anchor: server. With a hold session that can anchor (FreeSWITCH), a retrieval answers the
 * retriever with the media server's SDP and never re-INVITEs the parked party; with `direct` (or
 * a session without anchor()) the parked party is re-INVITEd as usual.
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
const OFFER_B = 'v=0\r\no=retriever 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const HOLD_SDP = 'v=0\r\no=hold 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
const ANCHOR_SDP = 'v=0\r\no=freeswitch 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';
const C_ANSWER = 'v=0\r\no=carol 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';

function fakeDialog(localSdp: string): { dialog: Srf.Dialog; modify: jest.Mock; request: jest.Mock; destroy: jest.Mock } {
  const modify = jest.fn().mockResolvedValue(C_ANSWER);
  const request = jest.fn().mockResolvedValue({ status: 200 });
  const destroy = jest.fn().mockResolvedValue(undefined);
  const dialog = Object.assign(new EventEmitter(), { modify, request, destroy, local: { sdp: localSdp }, remote: { sdp: '' }, type: 'uas' });
  return { dialog: dialog as unknown as Srf.Dialog, modify, request, destroy };
}

function fakeHold(withAnchor: boolean): HoldSession & { anchor?: jest.Mock } {
  const hold = {
    id: 'hold-1',
    localSdp: HOLD_SDP,
    acceptAnswer: jest.fn(),
    play: jest.fn(),
    announce: jest.fn().mockResolvedValue(undefined),
    beep: jest.fn().mockResolvedValue(undefined),
    release: jest.fn().mockResolvedValue(undefined),
  };
  return withAnchor ? { ...hold, anchor: jest.fn().mockResolvedValue({ localSdp: ANCHOR_SDP }) } : hold;
}

async function retrieveWith(anchorMode: 'direct' | 'server', withAnchor: boolean) {
  const park = new ParkService({
    policies: [{ name: 'sales', allowCallPark: true, members: ['sip:*@example.com'], pickupRangeStart: 701, pickupRangeEnd: 709 }],
    log,
  });
  const retrieverSide = fakeDialog(ANCHOR_SDP);
  const createUAS = jest.fn().mockResolvedValue(retrieverSide.dialog);
  const rt: ParkRuntime = {
    srf: { createUAS } as unknown as Srf,
    park,
    media: { name: 'freeswitch', hold: jest.fn(), activeSessions: () => 0, stop: jest.fn() },
    log,
    config: { sip: { trustedPeers: [], connectedLine: true }, media: { anchor: anchorMode }, park: { extension: '700', notifyByMessage: false } },
    trusted: new TrustedPeers([]),
    tally: new ResourceTally(),
    legs: new ParkedLegs(),
    attended: new AttendedParks(),
    selfParked: new SelfParkedCallers(),
    ringbackAlertInfo: '',
    unreferredParkDelayMs: 5000,
    newContext: (callId) => new CallContext(callId, log),
  };
  const parked = park.park({ parker: { identity: 'sip:alice@example.com' }, parked: { identity: 'sip:carol@example.com', displayName: 'Carol' } });
  const legCtx = new CallContext('carol-call', log);
  const carol = fakeDialog(HOLD_SDP);
  const hold = fakeHold(withAnchor);
  const holdRegistration = legCtx.teardown.add('media', 'music on hold', () => hold.release());
  const dialogRegistration = legCtx.teardown.add('dialog', 'parked party dialog', () => carol.destroy());
  const party = { aor: 'carol@example.com', user: 'carol', uri: 'sip:carol@example.com', displayName: 'Carol', source: 'from' as const };
  rt.legs.add(new ParkedLeg(parked.id, parked.orbit, legCtx, carol.dialog, dialogRegistration, party, hold, holdRegistration));

  const req = Object.assign(new EventEmitter(), {
    body: OFFER_B,
    source_address: '192.0.2.10',
    get: (name: string) => (name === 'Allow' ? 'INVITE, ACK, BYE, UPDATE' : undefined),
  });
  const call = {
    req: req as unknown as Srf.SrfRequest,
    res: {} as Srf.SrfResponse,
    ctx: new CallContext('bob-call', log),
    caller: { aor: 'bob@example.com', user: 'bob', uri: 'sip:bob@example.com', source: 'from' },
    route: { flow: 'retrieve', orbit: parked.orbit },
    holdSound: 'music',
  } as InboundInvite;
  await retrieveParkedCall(rt, call, parked.orbit);
  return { park, createUAS, carol, hold, retrieverSide, legCtx };
}

describe('retrieve with media.anchor', () => {
  it('server + a session that can anchor: the retriever gets the media server SDP, the parked party is not re-INVITEd', async () => {
    const { park, createUAS, carol, hold, retrieverSide, legCtx } = await retrieveWith('server', true);
    expect(hold.anchor).toHaveBeenCalledWith(OFFER_B);
    expect(carol.modify).not.toHaveBeenCalled();
    expect(createUAS.mock.calls[0][2]).toMatchObject({ localSdp: ANCHOR_SDP });
    expect(hold.release).not.toHaveBeenCalled();
    expect(park.list()).toEqual([]);
    // Connected line still goes to the retriever (UPDATE: its INVITE allowed it).
    expect(retrieverSide.request).toHaveBeenCalledWith(expect.objectContaining({ method: 'UPDATE', headers: { 'P-Asserted-Identity': '"Carol" <sip:carol@example.com>' } }));
    // A re-INVITE from the retriever is answered locally, not relayed to the parked party.
    const res = { send: jest.fn() };
    (retrieverSide.dialog as unknown as EventEmitter).emit('modify', { body: OFFER_B }, res);
    expect(carol.modify).not.toHaveBeenCalled();
    expect(res.send).toHaveBeenCalledWith(200, expect.objectContaining({ body: ANCHOR_SDP }));
    await legCtx.teardown.run();
    expect(hold.release).toHaveBeenCalledTimes(1);
    park.stop();
  });

  it('direct: the parked party is re-INVITEd with the retriever offer and the hold released', async () => {
    const { park, createUAS, carol, hold, legCtx } = await retrieveWith('direct', true);
    expect(hold.anchor).not.toHaveBeenCalled();
    expect(carol.modify).toHaveBeenCalledWith(OFFER_B);
    expect(createUAS.mock.calls[0][2]).toMatchObject({ localSdp: C_ANSWER });
    expect(hold.release).toHaveBeenCalledTimes(1);
    await legCtx.teardown.run();
    park.stop();
  });

  it('server with a session that cannot anchor (embedded media) falls back to the re-INVITE', async () => {
    const { park, carol, legCtx } = await retrieveWith('server', false);
    expect(carol.modify).toHaveBeenCalledWith(OFFER_B);
    await legCtx.teardown.run();
    park.stop();
  });
});
