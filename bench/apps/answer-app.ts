/**
 * The baseline drachtio-srf application, run as its own process by the engine benchmark:
 * answer every INVITE with 200 OK and an SDP (createUAS), let the caller hang up.
 * Usage: node dist/bench/apps/answer-app.js HOST:PORT SECRET
 */
import Srf from 'drachtio-srf';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

function main(): void {
  const [address, secret] = process.argv.slice(2);
  const match = /^(.+):(\d+)$/.exec(address ?? '');
  if (match === null || secret === undefined) {
    process.stderr.write('usage: answer-app HOST:PORT SECRET\n');
    process.exit(2);
  }
  let answered = 0;
  let failed = 0;
  const srf = new Srf();
  srf.on('connect', (err: Error | undefined) => {
    if (err) {
      process.stderr.write(`connect failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write('answer-app ready\n');
  });
  srf.on('error', (err: Error) => process.stderr.write(`srf error: ${err.message}\n`));
  srf.invite((req, res) => {
    srf
      .createUAS(req, res, { localSdp: SDP })
      .then(() => {
        answered += 1;
      })
      .catch(() => {
        failed += 1;
      });
  });
  void srf.connect({ host: match[1]!, port: Number(match[2]), secret });
  process.once('SIGTERM', () => {
    process.stdout.write(`answer-app answered=${answered} failed=${failed}\n`);
    try {
      srf.disconnect();
    } catch {
      // the engine may already be gone
    }
    setTimeout(() => process.exit(0), 100).unref();
  });
}

main();
