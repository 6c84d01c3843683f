import {
  InMemoryParkStore,
  Lot,
  OrbitOccupiedError,
  OrbitOutOfRangeError,
  lotsContaining,
  parseOrbitCode,
  resolvePolicy,
  type OrbitAllocation,
} from '../../src/park';

function makeLot(allocation: OrbitAllocation, store = new InMemoryParkStore(), name = 'p'): Lot {
  return new Lot(resolvePolicy({ name, allowCallPark: true, pickupRangeStart: 701, pickupRangeEnd: 704, allocation }), store);
}

describe('Lot allocation', () => {
  it('first: always the lowest free orbit', () => {
    const lot = makeLot('first');
    expect(lot.allocate('a')).toBe(701);
    expect(lot.allocate('b')).toBe(702);
    expect(lot.release(701, 'a')).toBe(true);
    expect(lot.allocate('c')).toBe(701);
    expect(lot.allocate('d')).toBe(703);
  });

  it('next: the next free orbit after the last one handed out, wrapping round', () => {
    const lot = makeLot('next');
    expect(lot.allocate('a')).toBe(701);
    expect(lot.allocate('b')).toBe(702);
    lot.release(701, 'a');
    expect(lot.allocate('c')).toBe(703);
    expect(lot.allocate('d')).toBe(704);
    expect(lot.allocate('e')).toBe(701); // wrapped, skipping nothing
    lot.release(703, 'c');
    expect(lot.allocate('f')).toBe(703); // after 701: 702 is taken
  });

  it('next: starts at the range start when the cursor is outside the range', () => {
    const store = new InMemoryParkStore();
    store.setLastAllocated('p', 999);
    expect(makeLot('next', store).allocate('a')).toBe(701);
  });

  it.each<OrbitAllocation>(['first', 'next'])('%s: undefined once every orbit is taken', (allocation) => {
    const lot = makeLot(allocation);
    expect(['a', 'b', 'c', 'd'].map((id) => lot.allocate(id))).toEqual([701, 702, 703, 704]);
    expect(lot.allocate('e')).toBeUndefined();
    expect(lot.freeCount()).toBe(0);
    lot.release(703, 'c');
    expect(lot.allocate('e')).toBe(703);
  });
});

describe('Lot occupancy', () => {
  it('claims a chosen orbit or refuses with a typed error', () => {
    const lot = makeLot('first');
    lot.claim(703, 'a');
    expect(lot.occupant(703)).toBe('a');
    expect(() => lot.claim(703, 'b')).toThrow(OrbitOccupiedError);
    expect(() => lot.claim(700, 'b')).toThrow(OrbitOutOfRangeError);
    expect(() => lot.claim(703.5, 'b')).toThrow(OrbitOutOfRangeError);
    expect(lot.occupiedOrbits()).toEqual([703]);
    expect(lot.allocate('c')).toBe(701);
  });

  it('ignores a release by a call that no longer holds the orbit', () => {
    const lot = makeLot('first');
    lot.claim(701, 'a');
    expect(lot.release(701, 'someone-else')).toBe(false);
    expect(lot.occupant(701)).toBe('a');
    expect(lot.release(702, 'a')).toBe(false);
  });

  it('keeps two policies with the same numbers apart', () => {
    const store = new InMemoryParkStore();
    const sales = makeLot('first', store, 'sales');
    const support = makeLot('first', store, 'support');
    sales.claim(702, 'x');
    expect(support.occupant(702)).toBeUndefined();
    expect(support.allocate('y')).toBe(701);
    support.claim(702, 'z');
    expect(sales.occupant(702)).toBe('x');
    expect(support.occupant(702)).toBe('z');
    expect(store.stats().orbits).toBe(3);
  });
});

describe('orbit codes', () => {
  it('parses digit strings without leading zeros', () => {
    expect(parseOrbitCode('704')).toBe(704);
    expect(parseOrbitCode('0')).toBe(0);
    expect(parseOrbitCode('0704')).toBeUndefined();
    expect(parseOrbitCode('70a')).toBeUndefined();
    expect(parseOrbitCode('')).toBeUndefined();
    expect(parseOrbitCode('+704')).toBeUndefined();
    expect(parseOrbitCode(704)).toBe(704);
    expect(parseOrbitCode(-1)).toBeUndefined();
  });

  it('finds every lot containing a code', () => {
    const store = new InMemoryParkStore();
    const a = makeLot('first', store, 'a');
    const b = new Lot(resolvePolicy({ name: 'b', pickupRangeStart: 703, pickupRangeEnd: 720 }), store);
    expect(lotsContaining([a, b], '703').map((l) => l.name)).toEqual(['a', 'b']);
    expect(lotsContaining([a, b], '710').map((l) => l.name)).toEqual(['b']);
    expect(lotsContaining([a, b], '700')).toEqual([]);
    expect(lotsContaining([a, b], 'abc')).toEqual([]);
  });
});
