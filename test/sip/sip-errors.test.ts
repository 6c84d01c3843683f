import pino from 'pino';
import type Srf from 'drachtio-srf';
import {
  AlreadyRetrievingError,
  LotFullError,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOccupiedError,
  ParkNotAllowedError,
  RetrievalBlockedError,
} from '../../src/park';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError } from '../../src/media/types';
import { CallCanceledError } from '../../src/sip/call-context';
import { ParkedPartyRefusedError, ReplacedDialogNotFoundError } from '../../src/sip/errors';
import { MalformedHeaderError } from '../../src/sip/name-addr';
import { refusalFor, refuse } from '../../src/sip/sip-errors';

describe('refusalFor', () => {
  it.each([
    [new ParkNotAllowedError('sip:a@b', undefined), 403, 'Call park not allowed'],
    [new NotInParkGroupError('sip:a@b', 704), 403, 'Not in this park group'],
    [new OrbitEmptyError(704, 'sales'), 404, 'No call parked at 704'],
    [new AlreadyRetrievingError(704, 'sales', 'retrieving'), 486, 'Call at 704 is already being retrieved'],
    [new AlreadyRetrievingError(704, 'sales', 'ringingBack'), 486, 'Call at 704 is ringing back to the parker'],
    [new OrbitOccupiedError(705, 'sales'), 486, 'Orbit 705 is occupied'],
    [new NoCommonCodecError('x'), 488, 'No common codec'],
    [new InvalidSdpError('x'), 488, 'Unusable SDP offer'],
    [new MediaUnavailableError('x'), 503, 'Media unavailable'],
    [new MalformedHeaderError('Replaces', 'missing to-tag'), 400, 'Bad Replaces header'],
    [new MalformedHeaderError('Referred-By', 'empty'), 400, 'Bad Referred-By header'],
    [new ReplacedDialogNotFoundError('x;to-tag=1;from-tag=2'), 481, 'No dialog to replace'],
    [new ParkedPartyRefusedError(488), 488, 'Parked party cannot use this media'],
    [new ParkedPartyRefusedError(500), 480, 'Parked party unavailable'],
    [new Error('boom'), 500, 'Call park failed'],
    ['not even an error', 500, 'Call park failed'],
  ])('maps %p to %i', (err, status, reason) => {
    expect(refusalFor(err)).toMatchObject({ status, reason });
  });

  it('refuses a blocked retriever with 403 and Retry-After', () => {
    expect(refusalFor(new RetrievalBlockedError('identity', 41))).toMatchObject({
      status: 403,
      reason: 'Too many failed retrievals',
      headers: { 'Retry-After': '41' },
    });
  });

  it('adds Retry-After when the lot is full', () => {
    expect(refusalFor(new LotFullError('sales', 12.2))).toMatchObject({ status: 503, headers: { 'Retry-After': '13' } });
  });

  it('owes no response once the caller canceled', () => {
    expect(refusalFor(new CallCanceledError())).toBeUndefined();
  });
});

describe('refuse', () => {
  function fakeResponse(finalResponseSent = false) {
    const sent: unknown[][] = [];
    const res = { finalResponseSent, send: (...args: unknown[]) => sent.push(args) } as unknown as Srf.SrfResponse;
    return { res, sent };
  }

  function capturingLogger() {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    return { log, lines };
  }

  it('sends the mapped response with its headers and logs one line', () => {
    const { res, sent } = fakeResponse();
    const { log, lines } = capturingLogger();
    expect(refuse(res, new OrbitOccupiedError(705, 'sales'), log)).toBe(486);
    expect(sent).toEqual([[486, 'Orbit 705 is occupied', { headers: {} }]]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'refused: 486 Orbit 705 is occupied', status: 486 });
  });

  it('logs a refusal the caller earned with its message and no stack, our own failure with the error', () => {
    const { res } = fakeResponse();
    const { log, lines } = capturingLogger();
    refuse(res, new RetrievalBlockedError('identity', 41), log);
    refuse(res, new Error('boom'), log);
    expect(lines[0]).toMatchObject({ level: 40, status: 403, detail: expect.stringContaining('too many failed') });
    expect(lines[0]).not.toHaveProperty('err');
    expect(lines[1]).toMatchObject({ level: 50, status: 500, err: { message: 'boom', stack: expect.stringContaining('Error: boom') } });
  });

  it('does not answer twice', () => {
    const { res, sent } = fakeResponse(true);
    expect(refuse(res, new Error('late'), pino({ level: 'silent' }))).toBeUndefined();
    expect(sent).toHaveLength(0);
  });

  it('sends nothing for a canceled call', () => {
    const { res, sent } = fakeResponse();
    expect(refuse(res, new CallCanceledError(), pino({ level: 'silent' }))).toBeUndefined();
    expect(sent).toHaveLength(0);
  });
});
