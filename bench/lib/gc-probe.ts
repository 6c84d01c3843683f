/**
 * Preloaded into a benchmarked child (`node --expose-gc -r dist/bench/lib/gc-probe.js …`): on
 * SIGUSR2 it runs a full garbage collection and prints the heap figures on stderr, so that a
 * benchmark can tell memory still referenced (a leak) from memory the allocator keeps (RSS only).
 */
process.on('SIGUSR2', () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const usage = process.memoryUsage();
  process.stderr.write(
    `gc-probe gc=${collect === undefined ? 'no' : 'yes'} heapUsed=${usage.heapUsed} heapTotal=${usage.heapTotal} ` +
      `external=${usage.external} arrayBuffers=${usage.arrayBuffers} rss=${usage.rss}\n`,
  );
});
