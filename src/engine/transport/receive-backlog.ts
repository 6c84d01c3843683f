/**
 * How many bytes wait, unread, in the kernel receive queues of the engine's UDP listeners.
 *
 * When the process runs out of CPU, SIP datagrams queue in the socket buffer (4 MiB, seconds of
 * work) before anything in the event loop notices: timers still fire on time between batches of
 * reads, so the event-loop delay stays low while every request waits seconds, peers retransmit and
 * calls time out. The queue itself is the honest signal. Linux publishes it per socket in
 * /proc/net/udp{,6} (`rx_queue`, in kernel accounting bytes: a 500-byte datagram counts 1280 on loopback);
 * elsewhere the monitor reports 0 and logs once that it cannot see the queue.
 */
import { readFile } from 'node:fs/promises';
import type pino from 'pino';

export interface ReceiveBacklog {
  /** Bytes queued on the listeners at the last reading (0 when unknown). */
  bytes(): number;
  stop(): void;
}

export interface ReceiveBacklogOptions {
  readonly ports: readonly { port: number; family: 4 | 6 }[];
  readonly intervalMs: number;
  readonly log: pino.Logger;
  /** Where the tables are read (tests point it at fixtures). */
  readonly tables?: { readonly 4: string; readonly 6: string };
}

const PROC_TABLES = { 4: '/proc/net/udp', 6: '/proc/net/udp6' } as const;

/** Sum of rx_queue over the table's sockets bound to one of `ports` (any local address). */
export function queuedBytes(table: string, ports: ReadonlySet<number>): number {
  // The table lists every UDP socket of the host, RTP ones included (one per parked call): only
  // lines that mention one of our ports in hex are split into fields.
  const needles = [...ports].map((port) => `:${port.toString(16).toUpperCase().padStart(4, '0')} `);
  let total = 0;
  for (const line of table.split('\n')) {
    if (!needles.some((needle) => line.includes(needle))) continue;
    // "  sl  local_address rem_address st tx_queue:rx_queue ...": local is ADDR:PORT in hex.
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const local = fields[1] ?? '';
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const port = Number.parseInt(local.slice(colon + 1), 16);
    if (!ports.has(port)) continue;
    const queues = (fields[4] ?? '').split(':');
    const rx = Number.parseInt(queues[1] ?? '', 16);
    if (Number.isFinite(rx)) total += rx;
  }
  return total;
}

export function monitorReceiveBacklog(options: ReceiveBacklogOptions): ReceiveBacklog {
  const tables = options.tables ?? PROC_TABLES;
  const byFamily = new Map<4 | 6, Set<number>>();
  for (const { port, family } of options.ports) {
    const ports = byFamily.get(family) ?? new Set<number>();
    ports.add(port);
    byFamily.set(family, ports);
  }
  let latest = 0;
  let reading = false;
  let stopped = false;

  const read = async (): Promise<void> => {
    let total = 0;
    for (const [family, ports] of byFamily) total += queuedBytes(await readFile(tables[family], 'latin1'), ports);
    if (!stopped) latest = total;
  };
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    read()
      .catch((err: unknown) => {
        clearInterval(timer);
        latest = 0;
        options.log.info({ err }, 'cannot read the UDP receive queues; load shedding by SIP backlog is off');
      })
      .finally(() => {
        reading = false;
      });
  }, options.intervalMs);
  timer.unref();
  if (byFamily.size === 0) clearInterval(timer);

  return {
    bytes: () => latest,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
