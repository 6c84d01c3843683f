import { PolicyBook } from '../../../src/park';
import { authorizeResource, blfTargetCode, isParkResource } from '../../../src/sip/blf/blf-target';
import { BlfForbiddenError, IntervalTooBriefError } from '../../../src/sip/blf/errors';
import { DEFAULT_EXPIRES_LIMITS, grantExpires } from '../../../src/sip/blf/expires';
import { MalformedHeaderError } from '../../../src/sip/name-addr';

const policies = new PolicyBook([
  { name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
  { name: 'hotel', allowCallPark: true, members: ['sip:3*@*'], pickupRangeStart: 801, pickupRangeEnd: 802 },
  { name: 'lobby', members: ['sip:lobby@*'], pickupRangeStart: 901, pickupRangeEnd: 909 },
]);
const lookup = { extension: '700', isOrbitCode: (code: string) => /^(70[1-9]|80[12]|90[1-9])$/.test(code) };

describe('busy-lamp targets', () => {
  test('reads 704 and the park+704 form; anything else is not a code', () => {
    expect(blfTargetCode('704')).toBe('704');
    expect(blfTargetCode('park+704')).toBe('704');
    expect(blfTargetCode('PARK+700')).toBe('700');
    expect(blfTargetCode('alice')).toBeUndefined();
    expect(blfTargetCode('park+')).toBeUndefined();
  });

  test('the park extension and orbits of any lot are ours; other numbers are not', () => {
    expect(isParkResource(lookup, '700')).toBe(true);
    expect(isParkResource(lookup, '801')).toBe(true);
    expect(isParkResource(lookup, '1001')).toBe(false);
    expect(isParkResource(lookup, undefined)).toBe(false);
  });

  test('a member watches orbits of its own lot, and the lot through the park extension', () => {
    expect(authorizeResource(policies, '700', 'sip:101@pbx', '704')).toEqual({ lot: 'sales', orbit: 704 });
    expect(authorizeResource(policies, '700', 'sip:101@pbx', '700')).toEqual({ lot: 'sales' });
    expect(authorizeResource(policies, '700', 'sip:301@pbx', '700')).toEqual({ lot: 'hotel' });
  });

  test('another policy’s orbit, a policy without park, and strangers are forbidden', () => {
    expect(() => authorizeResource(policies, '700', 'sip:101@pbx', '801')).toThrow(BlfForbiddenError);
    expect(() => authorizeResource(policies, '700', 'sip:lobby@pbx', '901')).toThrow(BlfForbiddenError);
    expect(() => authorizeResource(policies, '700', 'sip:mallory@pbx', '700')).toThrow(BlfForbiddenError);
  });
});

describe('subscription duration (RFC 6665 §4.2.1.1)', () => {
  const limits = { ...DEFAULT_EXPIRES_LIMITS, defaultExpires: 1800 };
  test('absent Expires takes the default; long requests are shortened; 0 stays 0', () => {
    expect(grantExpires(undefined, limits)).toBe(1800);
    expect(grantExpires('600', limits)).toBe(600);
    expect(grantExpires('86400', limits)).toBe(3600);
    expect(grantExpires('0', limits)).toBe(0);
  });

  test('too brief gets 423 with our minimum; garbage is a malformed header', () => {
    expect(() => grantExpires('10', limits)).toThrow(IntervalTooBriefError);
    expect(() => grantExpires('ten', limits)).toThrow(MalformedHeaderError);
  });
});
