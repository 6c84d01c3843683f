/**
 * Preloaded into the engine child by bench/engine-memory.ts (`node -r dist/bench/engine-memory-probe.js`):
 * prints `process.memoryUsage()` and V8's old-space figures once a second on stderr, without a GC,
 * so that RSS growth can be attributed to the JS heap, Buffers (arrayBuffers) or native memory.
 */
import v8 from 'node:v8';

const INTERVAL_MS = 1000;

const timer = setInterval(() => {
  const usage = process.memoryUsage();
  const oldSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
  process.stderr.write(
    `mem-probe t=${Date.now()} rss=${usage.rss} heapTotal=${usage.heapTotal} heapUsed=${usage.heapUsed} ` +
      `external=${usage.external} arrayBuffers=${usage.arrayBuffers} oldSpaceSize=${oldSpace?.space_size ?? 0}\n`,
  );
}, INTERVAL_MS);
timer.unref();
