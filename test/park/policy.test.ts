import { POLICY_DEFAULTS, PolicyBook, PolicyConfigError, resolvePolicy } from '../../src/park';

describe('resolvePolicy', () => {
  it('applies the Teams-style defaults: park off, 300 s park, 30 s ring back, hangup, first, music', () => {
    const policy = resolvePolicy({ name: 'p', pickupRangeStart: 701, pickupRangeEnd: 709 });
    expect(policy).toEqual({
      name: 'p',
      allowCallPark: false,
      members: [],
      pickupRangeStart: 701,
      pickupRangeEnd: 709,
      parkTimeout: 300,
      ringbackTimeout: 30,
      fallback: { action: 'hangup' },
      allocation: 'first',
      holdSound: 'music',
    });
    expect(POLICY_DEFAULTS.allowCallPark).toBe(false);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('defaults repark maxTimes to 1 and keeps forward URIs', () => {
    const base = { name: 'p', pickupRangeStart: 1, pickupRangeEnd: 2 };
    expect(resolvePolicy({ ...base, fallback: { action: 'repark' } }).fallback).toEqual({ action: 'repark', maxTimes: 1 });
    expect(resolvePolicy({ ...base, fallback: { action: 'forward', uri: 'sip:op@x' } }).fallback).toEqual({
      action: 'forward',
      uri: 'sip:op@x',
    });
  });

  it.each([
    [{ pickupRangeStart: -1, pickupRangeEnd: 5 }, 'pickupRangeStart'],
    [{ pickupRangeStart: 1.5, pickupRangeEnd: 5 }, 'pickupRangeStart'],
    [{ pickupRangeStart: 10, pickupRangeEnd: 5 }, 'pickupRangeEnd'],
    [{ pickupRangeStart: 1, pickupRangeEnd: 5, parkTimeout: 0 }, 'parkTimeout'],
    [{ pickupRangeStart: 1, pickupRangeEnd: 5, ringbackTimeout: -3 }, 'ringbackTimeout'],
    [{ pickupRangeStart: 1, pickupRangeEnd: 5, fallback: { action: 'repark' as const, maxTimes: 0 } }, 'fallback.maxTimes'],
    [{ pickupRangeStart: 1, pickupRangeEnd: 5, fallback: { action: 'forward' as const, uri: ' ' } }, 'fallback.uri'],
  ])('rejects %p naming %s', (fields, field) => {
    let caught: unknown;
    try {
      resolvePolicy({ name: 'bad', ...fields });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PolicyConfigError);
    expect((caught as PolicyConfigError).field).toBe(field);
    expect((caught as PolicyConfigError).policy).toBe('bad');
  });
});

describe('PolicyBook', () => {
  const book = new PolicyBook([
    { name: 'reception', allowCallPark: true, members: ['sip:reception@*'], pickupRangeStart: 701, pickupRangeEnd: 719 },
    { name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
    { name: 'support', allowCallPark: true, members: ['sip:2*@*', 'tel:+44*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
    { name: 'lobby', members: ['sip:lobby*@*'], pickupRangeStart: 801, pickupRangeEnd: 809 },
  ]);

  it('resolves the first matching policy', () => {
    expect(book.resolve('sip:1001@pbx')?.name).toBe('sales');
    expect(book.resolve('"R" <sip:reception@pbx;transport=tcp>')?.name).toBe('reception');
    expect(book.resolve('tel:+44 20 7946 0000')?.name).toBe('support');
    expect(book.resolve('sip:3001@pbx')).toBeUndefined();
    const overlapping = new PolicyBook([
      { name: 'first', members: ['sip:1*@*'], pickupRangeStart: 1, pickupRangeEnd: 2 },
      { name: 'second', members: ['sip:10*@*'], pickupRangeStart: 1, pickupRangeEnd: 2 },
    ]);
    expect(overlapping.resolve('sip:1001@x')?.name).toBe('first');
  });

  it('allows park only where the policy says so', () => {
    expect(book.canPark('sip:1001@pbx')).toBe(true);
    expect(book.canPark('sip:lobby1@pbx')).toBe(false);
    expect(book.canPark('sip:9999@pbx')).toBe(false);
    expect(book.canPark('garbage')).toBe(false);
  });

  it('groups users by shared policy', () => {
    expect(book.sameGroup('sip:1001@a', 'sip:1002@b')).toBe(true);
    expect(book.sameGroup('sip:1001@a', 'sip:2001@a')).toBe(false);
    expect(book.sameGroup('sip:lobby1@a', 'sip:lobby2@a')).toBe(false);
    expect(book.sameGroup('sip:9@a', 'sip:9@a')).toBe(false);
  });

  it('looks policies up by name and refuses duplicate names', () => {
    expect(book.byName('support')?.pickupRangeEnd).toBe(709);
    expect(book.byName('nope')).toBeUndefined();
    expect(
      () =>
        new PolicyBook([
          { name: 'x', pickupRangeStart: 1, pickupRangeEnd: 2 },
          { name: 'x', pickupRangeStart: 3, pickupRangeEnd: 4 },
        ]),
    ).toThrow(PolicyConfigError);
  });
});
