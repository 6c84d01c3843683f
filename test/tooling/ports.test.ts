import dgram from 'node:dgram';
import net from 'node:net';
import { freePort, freePortRange } from '../support/ports';
import { isPortBound } from '../support/process';

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

function listenTcp(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  it('returns a UDP port that can then be bound, and isPortBound sees it', async () => {
    const port = await freePort('udp');
    expect(isPortBound('udp', port)).toBe(false);
    const socket = await bindUdp(port);
    expect(isPortBound('udp', port)).toBe(true);
    socket.close();
  });

  it("returns a port free on both UDP and TCP for 'both'", async () => {
    const port = await freePort('both');
    const socket = await bindUdp(port);
    const server = await listenTcp(port);
    expect(isPortBound('tcp', port)).toBe(true);
    socket.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not hand out the same port twice in a row', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 20; i++) ports.add(await freePort('tcp'));
    expect(ports.size).toBe(20);
  });

  it('works on IPv6 loopback', async () => {
    const port = await freePort('udp', '::1');
    expect(port).toBeGreaterThan(0);
  });
});

describe('freePortRange', () => {
  it('returns the first of count consecutive free ports', async () => {
    const first = await freePortRange(4);
    expect(first % 2).toBe(0);
    const sockets = await Promise.all([0, 1, 2, 3].map((offset) => bindUdp(first + offset)));
    sockets.forEach((socket) => socket.close());
  });

  it('rejects a count that is not a positive integer', async () => {
    await expect(freePortRange(0)).rejects.toThrow(RangeError);
  });
});
