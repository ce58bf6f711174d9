/**
 * The process scenario 4 measures: it loads Bailiff, opens the embedded stores, records its
 * peak resident memory so far (the baseline), then does one thing — execute an approved plan,
 * or propose one — and reports its peak again as one JSON line on stdout.
 *
 *   node memory-child.ts execute <workspace> <metadata-dir> <sqlite-file> <plan-id>
 *   node memory-child.ts propose <workspace> <metadata-dir> <sqlite-file> <body.json>
 */
import { readFile } from 'node:fs/promises';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import { agent, execute, wireBailiff } from '../lib/wiring.ts';

const [mode, root, metadataDir, sqliteFile, argument] = process.argv.slice(2);
if ((mode !== 'execute' && mode !== 'propose') || !root || !metadataDir || !sqliteFile || !argument) {
  process.stderr.write('usage: memory-child.ts execute|propose <workspace> <metadata-dir> <sqlite-file> <plan-id|body.json>\n');
  process.exit(2);
}

const objects = new FsObjectStore({ root, metadataDir });
const plans = new SqlitePlanStore(sqliteFile);
const bailiff = wireBailiff({ objects, plans });
await objects.health();
await plans.health();
// maxRSS is in KiB and only ever grows: read once before the work, once after.
const baselineKiB = process.resourceUsage().maxRSS;
const baselineHeap = process.memoryUsage().heapUsed;
// Sampled, to tell the JavaScript heap (objects the code keeps) from the rest of the RSS.
let peakHeapUsed = baselineHeap;
let peakExternal = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, usage.heapUsed);
  peakExternal = Math.max(peakExternal, usage.external);
}, 50);
// What the code keeps, apart from garbage not yet collected: the heap right after each full
// (mark-compact) collection. RSS also counts the young generation V8 sizes for the allocation
// rate, and the C library's allocator arenas of the threads doing file-system calls.
let peakLiveHeap = 0;
const collections = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)
      peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
  }
});
collections.observe({ entryTypes: ['gc'] });
const started = performance.now();
let status: string;
if (mode === 'execute') {
  await bailiff.queue.publish({ version: 1, planId: argument, reason: 'apply', attempt: 1 });
  await execute(bailiff, argument);
  status = (await plans.getPlan(argument))?.status ?? 'missing';
} else {
  // Read and parsed here, as the HTTP layer would hold the body, so it counts.
  const body: unknown = JSON.parse(await readFile(argument, 'utf8'));
  const proposed = await bailiff.service.propose(agent, body);
  status = proposed.report.valid ? 'valid' : 'invalid';
}
const ms = performance.now() - started;
const peakKiB = process.resourceUsage().maxRSS;
clearInterval(sampler);
collections.disconnect();
plans.close();
const KiB = 1024;
process.stdout.write(
  `${JSON.stringify({ baselineKiB, peakKiB, ms, status, baselineHeapKiB: baselineHeap / KiB, peakHeapUsedKiB: peakHeapUsed / KiB, peakExternalKiB: peakExternal / KiB, peakLiveHeapKiB: peakLiveHeap / KiB })}\n`,
);
process.exit(0);
