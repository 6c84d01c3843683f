import dgram from 'node:dgram';
import net from 'node:net';

export type PortProtocol = 'udp' | 'tcp' | 'both';

/** Thrown when no port satisfying the request could be found. */
export class NoFreePortError extends Error {
  override readonly name = 'NoFreePortError';
}

function udpFamily(host: string): 'udp4' | 'udp6' {
  return net.isIPv6(host) ? 'udp6' : 'udp4';
}

/** Binds UDP `port` (0 = OS choice) on `host`, returns the bound port, and closes again. */
function probeUdp(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: udpFamily(host), reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(null);
    });
    socket.bind(port, host, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** Listens on TCP `port` (0 = OS choice) on `host`, returns the bound port, and closes again. */
function probeTcp(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

async function isFree(protocol: PortProtocol, host: string, port: number): Promise<boolean> {
  if (protocol !== 'tcp' && (await probeUdp(host, port)) === null) return false;
  if (protocol !== 'udp' && (await probeTcp(host, port)) === null) return false;
  return true;
}

/** Ports handed out by this process recently; the OS could otherwise return the same one twice. */
const recentlyIssued = new Set<number>();
const RECENT_LIMIT = 512;

function remember(port: number): number {
  recentlyIssued.add(port);
  if (recentlyIssued.size > RECENT_LIMIT) {
    const oldest = recentlyIssued.values().next().value;
    if (oldest !== undefined) recentlyIssued.delete(oldest);
  }
  return port;
}

/**
 * A port that is free right now for `protocol` on `host` (bind 0, read, close).
 * For 'both' the same number is free on UDP and TCP. Another process may still take it
 * before you bind: prefer binding 0 yourself when the code under test allows it.
 */
export async function freePort(protocol: PortProtocol, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = protocol === 'tcp' ? await probeTcp(host, 0) : await probeUdp(host, 0);
    if (candidate === null) throw new NoFreePortError(`cannot bind ${protocol} on ${host}`);
    if (recentlyIssued.has(candidate)) continue;
    if (protocol === 'both' && !(await isFree('tcp', host, candidate))) continue;
    return remember(candidate);
  }
  throw new NoFreePortError(`no free ${protocol} port on ${host} after 50 attempts`);
}

/**
 * `count` consecutive ports, all free on `protocol` (default 'both'), e.g. for an RTP range.
 * Returns the first port; the range is [first, first + count - 1].
 */
export async function freePortRange(count: number, protocol: PortProtocol = 'both', host = '127.0.0.1'): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+) so the OS does not hand these out to clients;
    // above 21000 to stay clear of the example config's RTP range. Even, so RTP/RTCP pairs line up.
    const first = 2 * Math.floor((21000 + Math.random() * (11000 - count)) / 2);
    let allFree = true;
    for (let port = first; port < first + count; port++) {
      if (recentlyIssued.has(port) || !(await isFree(protocol, host, port))) {
        allFree = false;
        break;
      }
    }
    if (allFree) {
      for (let port = first; port < first + count; port++) remember(port);
      return first;
    }
  }
  throw new NoFreePortError(`no ${count} consecutive free ${protocol} ports on ${host}`);
}
