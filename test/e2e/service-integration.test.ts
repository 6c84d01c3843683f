/**
 * Service-mode features wired into the park app: the limit on failed retrievals, connected line
 * after retrieval, retrieval to a phone for the admin API, and an attended parker who transfers
 * only after its call was parked by the no-Referred-By workaround. Nothing may be left behind.
 */
import { startParkStack, waitFor, type ParkStack } from './park-stack';
import { scenario } from './sipp-run';

const POLICIES = [
  {
    name: 'sales',
    allowCallPark: true,
    members: ['sip:alice@*', 'sip:bob@*', 'sip:carol@*', 'sip:erin@*', 'sip:frank@*'],
    pickupRangeStart: 701,
    pickupRangeEnd: 709,
  },
];

jest.setTimeout(60000);

describe('service-mode integration over SIP', () => {
  let stack: ParkStack;

  beforeAll(async () => {
    stack = await startParkStack({ policies: POLICIES, retrievalGuard: true, unreferredParkDelayMs: 1000 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(async () => {
    const counts = await waitFor(() => stack.app.counts(), (c) => c.calls === 0 && c.mediaSessions === 0);
    expect(counts).toMatchObject({ calls: 0, dialog: 0, media: 0, timer: 0, mediaSessions: 0, parkedLegs: 0, reservations: 0, park: 0, listener: 0 });
    const engine = await waitFor(() => stack.engine.stats(), (s) => s.dialogs === 0 && s.serverTransactions === 0 && s.clientTransactions === 0, 15000);
    expect(engine).toMatchObject({ dialogs: 0, serverTransactions: 0, clientTransactions: 0 });
    expect(stack.park.counts()).toMatchObject({ reserved: 0, parked: 0, retrieving: 0, ringingBack: 0, timers: 0, heldOrbits: 0 });
  });

  it('the sixth failed retrieval from one user is refused 403 with Retry-After; another user still gets 404', async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const probe = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'erin' } });
      expect(probe.actionLog()).toMatch(/refused status=404 reason=No call parked at 704/);
    }
    const blocked = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'erin' } });
    expect(blocked.actionLog()).toMatch(/refused status=403 reason=Too many failed retrievals retry-after=\s*\d+/);
    expect(stack.logs.filter((line) => line.msg === 'refused: 403 Too many failed retrievals')).toHaveLength(1);
    const other = await scenario({ scenario: 'refused.xml', target: stack.target, service: '704', keys: { from_user: 'frank' } });
    expect(other.actionLog()).toMatch(/refused status=404 reason=No call parked at 704/);
  });
});

