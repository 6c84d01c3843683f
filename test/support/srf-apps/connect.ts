import Srf from 'drachtio-srf';

/** A drachtio-srf instance connected (inbound mode) to an engine's admin socket. */
export async function connectSrf(admin: { host: string; port: number }, secret: string): Promise<Srf> {
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('srf did not connect within 5 s')), 5000);
    srf.on('connect', (err: Error) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    srf.on('error', () => undefined);
    void srf.connect({ host: admin.host, port: admin.port, secret });
  });
  return srf;
}

/** Disconnects and gives the socket a moment to close. */
export async function disconnectSrf(srf: Srf): Promise<void> {
  srf.disconnect();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

export const TEST_SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');
