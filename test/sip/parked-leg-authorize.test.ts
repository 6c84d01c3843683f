/**
 * A park the domain refuses (parker not a member, or its policy forbids park) must be refused
 * before any media is bound: no hold() call, no RTP port, no media-server endpoint.
 */
import { PEER, startParkStack, waitFor, type ParkStack } from '../support/e2e-stack';
import { scenario } from '../e2e/sipp-run';

const POLICIES = [
  { name: 'sales', allowCallPark: true, members: ['sip:alice@*'], pickupRangeStart: 701, pickupRangeEnd: 709 },
  { name: 'visitors', allowCallPark: false, members: ['sip:guest@*'], pickupRangeStart: 901, pickupRangeEnd: 909 },
];

jest.setTimeout(60000);

describe('park authorisation comes before media', () => {
  let stack: ParkStack;
  let holds = 0;
  let maxActive = 0;
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES });
    const original = stack.media.hold.bind(stack.media);
    jest.spyOn(stack.media, 'hold').mockImplementation(async (request) => {
      holds += 1;
      const session = await original(request);
      maxActive = Math.max(maxActive, stack.media.activeSessions());
      return session;
    });
  });

  afterAll(async () => {
    if (sampler) clearInterval(sampler);
    await stack?.stop();
  });

  beforeEach(() => {
    holds = 0;
    maxActive = 0;
    sampler = setInterval(() => {
      maxActive = Math.max(maxActive, stack.media.activeSessions());
    }, 2);
  });

  afterEach(() => {
    clearInterval(sampler);
  });

  it.each([
    ['a parker under a policy without park', 'sip:guest@127.0.0.1', '700'],
    ['a parker in no policy', 'sip:mallory@127.0.0.1', '700'],
    ['a directed park by a non-member', 'sip:mallory@127.0.0.1', '705'],
  ])('%s gets 403 without media ever being held', async (_label, referredBy, service) => {
    const result = await scenario({ scenario: 'refused-transfer.xml', target: stack.target, service, localIp: PEER, keys: { referred_by: referredBy } });
    expect(result.outcome).toBe('ok');
    expect(result.actionLog()).toMatch(/status=403/);
    expect(holds).toBe(0);
    expect(maxActive).toBe(0);
    expect(stack.media.activeSessions()).toBe(0);
  });

  it('an allowed park still holds media (the counters see it)', async () => {
    const result = await scenario({
      scenario: 'park-blind.xml',
      target: stack.target,
      service: '700',
      pauseMs: 300,
      keys: { referred_by: 'sip:alice@127.0.0.1' },
    });
    expect(result.outcome).toBe('ok');
    expect(holds).toBe(1);
    expect(maxActive).toBe(1);
    await waitFor(() => stack.media.activeSessions(), (n) => n === 0);
    expect(stack.app.counts()).toMatchObject({ calls: 0, mediaSessions: 0 });
  });
});
