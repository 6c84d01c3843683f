/**
 * B2BUA mode end to end: a SIPp phone calls through callpark to a SIPp "PBX", then parks the call
 * with the Transfer key (REFER to 700, and a directed REFER to 705). callpark answers the REFER
 * itself, moves the PBX leg to music on hold, speaks the orbit to the phone, NOTIFYs
 * "200 Parked at …" and hangs up the phone.
 */
import path from 'node:path';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../../src/engine';
import { createEmbeddedMedia, type EmbeddedMedia } from '../../../src/media/embedded/embedded-media';
import { ParkService } from '../../../src/park';
import { installB2bua, type B2buaService } from '../../../src/sip/b2bua';
import { freePortRange } from '../../support/ports';
import { killAllSipp, runSipp, startSipp } from '../../support/sipp';
import { connectSrf, disconnectSrf } from '../../support/srf-apps/connect';
import { IDLE, SECRET, sipTarget, startTestEngine, waitForIdle } from '../../engine/conformance/harness';

const SCENARIOS = path.join(__dirname, '..', '..', 'sipp', 'b2bua');
const log = pino({ level: process.env.B2BUA_LOG ?? 'silent' });

async function until(probe: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('B2BUA mode: park by REFER', () => {
  let engine: RunningEngineWithCore;
  let srf: Srf;
  let park: ParkService;
  let media: EmbeddedMedia;
  let b2bua: B2buaService;
  let pbxPort: number;
  let pbx: Awaited<ReturnType<typeof startSipp>>;

  beforeAll(async () => {
    engine = await startTestEngine();
    srf = await connectSrf(engine.admin, SECRET);
    park = new ParkService({
      policies: [{ name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 }],
      log,
    });
    const rtpStart = await freePortRange(40, 'udp');
    media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 39 }, log });
    pbx = await startSipp({ scenario: path.join(SCENARIOS, 'pbx-answer-hold.xml'), timeoutSeconds: 60, totalCalls: 2 });
    pbxPort = pbx.port;
    b2bua = installB2bua({
      srf,
      park,
      media,
      log,
      config: { upstream: `sip:127.0.0.1:${pbxPort}`, sip: { trustedPeers: [] }, park: { extension: '700' } },
    });
  });

  afterAll(async () => {
    await b2bua.stop();
    park.stop();
    await media.stop();
    await killAllSipp();
    await disconnectSrf(srf);
    await engine.close();
  });

  test.each([
    ['blind park (Transfer to 700)', '700', 701],
    ['directed park (Transfer to 705)', '705', 705],
  ])('%s', async (_name, parkTo, orbit) => {
    const phone = await runSipp({
      scenario: path.join(SCENARIOS, 'phone-park-refer.xml'),
      remote: sipTarget(engine, 'udp'),
      service: '1001',
      keys: { parkto: parkTo },
      totalCalls: 1,
      timeoutSeconds: 30,
    });
    expect(phone.outcome).toBe('ok');
    expect(phone.actionLog()).toContain(`sipfrag SIP/2.0 200 Parked at ${orbit}`);

    const parked = park.list().find((call) => call.orbit === orbit);
    expect(parked?.state).toBe('parked');
    expect(parked?.parker.identity).toBe('sip:101@127.0.0.1');
    expect(parked?.parked?.identity).toContain('sip:1001@');
    expect(b2bua.counts().parkedLegs).toBe(1);
    expect(media.activeSessions()).toBe(1);

    park.hangup(parked!.id, 'adminHangup'); // ends the parked leg: BYE to the PBX
    await until(() => b2bua.counts().calls === 0, 'the parked leg to be released');
    expect(media.activeSessions()).toBe(0);
  });

  test('the PBX saw identity headers and the hold offer on both calls', async () => {
    const result = await pbx.result;
    expect(result.outcome).toBe('ok');
    expect(result.actionLog().match(/hold-offer /g)).toHaveLength(2);
    expect(await waitForIdle(engine)).toEqual(IDLE);
  });
});
