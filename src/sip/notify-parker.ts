import type { ParkedLeg } from './parked-leg';
import type { ParkRuntime } from './runtime';
import { sendRequest } from './srf-extras';

/** Optional SIP MESSAGE to a blind parker: "Call from Carol parked at 704" (config park.notifyByMessage). */
export async function notifyParkerByMessage(rt: ParkRuntime, leg: ParkedLeg, parkerUri: string): Promise<void> {
  const text = `Call from ${leg.label} parked at ${leg.orbit}`;
  try {
    await sendRequest(
      rt.srf,
      parkerUri,
      {
        method: 'MESSAGE',
        headers: { From: `"Call Park" <sip:${rt.config.park.extension}@localhost>`, 'Content-Type': 'text/plain' },
        body: text,
        proxy: rt.config.sip.outboundProxy,
      },
      (res) => leg.ctx.log.info({ status: res.status }, `MESSAGE to parker answered ${res.status}`),
    );
  } catch (err) {
    leg.ctx.log.warn({ err }, 'MESSAGE to parker could not be sent');
  }
}
