/**
 * Connecting to FreeSWITCH and surviving the loss of its event socket, against the ESL stand-in.
 */
import net from 'node:net';
import { createFreeswitchMedia, type FreeswitchMedia } from '../../../src/media/freeswitch';
import { MediaUnavailableError } from '../../../src/media/types';
import { EslStandIn } from '../../support/esl-stand-in';
import { capturingLogger, OFFER_A, OFFER_B, waitFor } from './helpers';

const PASSWORD = 'stand-in-password';
let standIn: EslStandIn | undefined;
let media: FreeswitchMedia | undefined;

beforeEach(() => {
  // drachtio-fsmrf reports connection changes on the console as well as through events.
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(async () => {
  await media?.stop();
  media = undefined;
  await standIn?.stop();
  standIn = undefined;
  jest.restoreAllMocks();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

test('a lost event socket leaves parked calls holding, logs an error, reconnects, and parks again', async () => {
  standIn = await EslStandIn.start({ password: PASSWORD });
  const { log, entries } = capturingLogger();
  media = createFreeswitchMedia({ srf: standIn.srf, host: '127.0.0.1', port: standIn.port, password: PASSWORD, log, timeouts: { retryMaxMs: 300 } });
  await media.ready();
  const parked = await media.hold({ callId: 'c1', remoteOffer: OFFER_A });
  const loginsBefore = standIn.logins;

  standIn.dropInboundConnections();
  await waitFor(() => entries.some((entry) => entry.level === 50 && /lost the event-socket connection/.test(entry.msg)), 'the error log');
  await waitFor(() => standIn!.logins > loginsBefore, 'the reconnect login');
  await waitFor(() => entries.some((entry) => /event-socket connection to FreeSWITCH is back/.test(entry.msg)), 'the reconnect log');

  const channel = standIn.channel(parked.id);
  expect(channel.hungUp).toBe(false);
  expect(channel.nowPlaying?.arg).toBe('local_stream://moh');
  expect(media.activeSessions()).toBe(1);

  await waitFor(() => media!.connected(), 'connected again');
  const second = await media.hold({ callId: 'c2', remoteOffer: OFFER_B });
  await parked.announce('9');
  await Promise.all([parked.release(), second.release()]);
  expect(media.activeSessions()).toBe(0);
});

test('while the event socket is down new parks get MediaUnavailableError', async () => {
  standIn = await EslStandIn.start({ password: PASSWORD });
  const port = standIn.port;
  const { log } = capturingLogger();
  media = createFreeswitchMedia({ srf: standIn.srf, host: '127.0.0.1', port, password: PASSWORD, log, timeouts: { retryMaxMs: 300 } });
  await media.ready();
  await standIn.stop();
  await waitFor(() => !media!.connected(), 'disconnected');
  await expect(media.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(MediaUnavailableError);
});

test('FreeSWITCH starting after callpark: connecting is retried until it answers', async () => {
  const port = await freePort();
  const { log, entries } = capturingLogger();
  // The stand-in's srf is only needed once endpoints are made; start a placeholder to borrow it later.
  const lateSrf = { current: undefined as EslStandIn | undefined };
  const srfProxy = new Proxy({}, { get: (_target, key) => Reflect.get(lateSrf.current!.srf, key) });
  media = createFreeswitchMedia({ srf: srfProxy as EslStandIn['srf'], host: '127.0.0.1', port, password: PASSWORD, log, timeouts: { retryMaxMs: 200 } });
  await expect(media.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(MediaUnavailableError);
  await waitFor(() => entries.some((entry) => /cannot connect to FreeSWITCH; retrying/.test(entry.msg)), 'a failed attempt');
  standIn = await EslStandIn.start({ password: PASSWORD }, port);
  lateSrf.current = standIn;
  await media.ready();
  const session = await media.hold({ callId: 'c1', remoteOffer: OFFER_A });
  await session.release();
});

test('a wrong password is logged as an error naming the cause and nothing is handed to fsmrf', async () => {
  standIn = await EslStandIn.start({ password: PASSWORD });
  const { log, entries } = capturingLogger();
  media = createFreeswitchMedia({ srf: standIn.srf, host: '127.0.0.1', port: standIn.port, password: 'wrong', log, timeouts: { retryMaxMs: 200 } });
  await waitFor(() => entries.some((entry) => entry.level === 50 && entry.err?.type === 'EslAuthenticationError'), 'the auth error');
  expect(media.connected()).toBe(false);
  expect(standIn.journal).not.toContain('inbound: event json HEARTBEAT');
});

test('a FreeSWITCH without the drachtio_mrf profile is reported, not crashed on', async () => {
  standIn = await EslStandIn.start({ password: PASSWORD, profile: 'internal' });
  const { log, entries } = capturingLogger();
  media = createFreeswitchMedia({ srf: standIn.srf, host: '127.0.0.1', port: standIn.port, password: PASSWORD, log, timeouts: { retryMaxMs: 200 } });
  await waitFor(() => entries.some((entry) => entry.err?.type === 'MissingSipProfileError'), 'the profile error');
  expect(media.connected()).toBe(false);
});

test('a profile of another name is used when configured', async () => {
  standIn = await EslStandIn.start({ password: PASSWORD, profile: 'callpark_mrf' });
  const { log } = capturingLogger();
  media = createFreeswitchMedia({ srf: standIn.srf, host: '127.0.0.1', port: standIn.port, password: PASSWORD, log, profile: 'callpark_mrf' });
  await media.ready();
  const session = await media.hold({ callId: 'c1', remoteOffer: OFFER_A });
  await session.release();
});

// fsmrf arms a 1 s "not ready" timer per connection that it never clears; let the last one run out
// so the worker exits by itself.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 1100)));
