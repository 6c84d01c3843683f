import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

/** No final response to a probe within the timeout. */
export class NoSipResponseError extends Error {
  override readonly name = 'NoSipResponseError';
}

export interface OptionsProbe {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
  timeoutMs?: number;
}

function optionsRequest(target: OptionsProbe, localPort: number, localHost: string): string {
  const id = randomBytes(6).toString('hex');
  const transport = target.protocol.toUpperCase();
  const hostPart = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
  const localPart = net.isIPv6(localHost) ? `[${localHost}]` : localHost;
  return [
    `OPTIONS sip:ping@${hostPart}:${target.port} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${localPart}:${localPort};branch=z9hG4bK-${id};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@${localPart}>;tag=${id}`,
    `To: <sip:ping@${hostPart}>`,
    `Call-ID: ${id}@${localPart}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The first final (non-1xx) status line in `text`, e.g. `SIP/2.0 200 OK`. */
function finalStatusLine(text: string): string | undefined {
  return text
    .split('\r\n')
    .find((line) => /^SIP\/2\.0 [2-6]\d\d /.test(line));
}

/**
 * Sends one OPTIONS over UDP or TCP and resolves with the final response's status line.
 * A tiny health probe for tests (like sofia-sip's `sip-options`), not a SIP stack.
 */
export function probeOptions(target: OptionsProbe): Promise<string> {
  const timeoutMs = target.timeoutMs ?? 5000;
  return target.protocol === 'udp' ? probeUdp(target, timeoutMs) : probeTcp(target, timeoutMs);
}

function probeUdp(target: OptionsProbe, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new NoSipResponseError(`no response to OPTIONS from udp/${target.host}:${target.port}`)), timeoutMs);
    const finish = (outcome: string | Error): void => {
      clearTimeout(timer);
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on('error', (error) => finish(error));
    socket.on('message', (message) => {
      const status = finalStatusLine(message.toString('utf8'));
      if (status !== undefined) finish(status);
    });
    socket.bind(0, target.host, () => {
      socket.send(optionsRequest(target, socket.address().port, target.host), target.port, target.host);
    });
  });
}

function probeTcp(target: OptionsProbe, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => finish(new NoSipResponseError(`no response to OPTIONS from tcp/${target.host}:${target.port}`)), timeoutMs);
    const finish = (outcome: string | Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write(optionsRequest(target, socket.localPort ?? 0, target.host)));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const status = finalStatusLine(received);
      if (status !== undefined) finish(status);
    });
  });
}
