/**
 * Scenario 4 — memory: peak resident memory of a process that runs only the executor on an
 * approved 100,000-operation plan of moves on the embedded store, as its growth over the
 * process's baseline (Bailiff loaded, stores open), against the 256 MiB a Cloud Run function
 * gets by default. The same is measured for proposing that plan, which the api function does.
 *
 * Each measurement is a fresh child process (test/bench/scenarios/memory-child.ts), so nothing
 * the bench itself allocated counts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import type { BenchContext } from '../lib/context.ts';
import { addNote, addRow, addTarget } from '../lib/results.ts';
import { formatNumber, log, mapLimited, median, runProgram } from '../lib/util.ts';
import { apply, proposeAndApprove, wireBailiff } from '../lib/wiring.ts';

const SCENARIO = '4 Memory (embedded store, child process)';
const FUNCTION_MEMORY_MIB = 256;
const FOLDERS = 20;
const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

interface ChildReport {
  baselineKiB: number;
  peakKiB: number;
  ms: number;
  status: string;
  baselineHeapKiB: number;
  peakHeapUsedKiB: number;
  peakExternalKiB: number;
}

function source(i: number): string {
  return `inbox-${String(i % FOLDERS).padStart(2, '0')}/scan-${String(i).padStart(6, '0')}.pdf`;
}

function planBody(caseName: string, count: number) {
  return {
    case: caseName,
    description: `bench: file ${count} scans`,
    operations: Array.from({ length: count }, (_, i) => ({ type: 'move', source: source(i), destination: `filed/${source(i).replace('inbox-', 'matter-')}` })),
  };
}

async function runChild(args: string[]): Promise<ChildReport> {
  const result = await runProgram(process.execPath, [child, ...args]);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`memory child failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(line) as ChildReport;
}

export async function memory(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 10_000 : 100_000;
  const execution: ChildReport[] = [];
  const proposal: ChildReport[] = [];
  for (let run = 0; run < ctx.runs; run += 1) {
    const dir = join(ctx.workDir, `s4-r${run}`);
    const root = join(dir, 'workspace');
    const metadataDir = join(dir, 'state', 'object-metadata');
    const caseName = `s4-r${run}`;
    await mkdir(join(dir, 'state'), { recursive: true });
    for (let folder = 0; folder < FOLDERS; folder += 1) await mkdir(join(root, 'projects', caseName, `inbox-${String(folder).padStart(2, '0')}`), { recursive: true });
    const content = Buffer.alloc(512, 0x25);
    await mapLimited(Array.from({ length: count }, (_, i) => i), 32, (i) => writeFile(join(root, 'projects', caseName, source(i)), content));
    const body = planBody(caseName, count);
    const bodyFile = join(dir, 'plan.json');
    await writeFile(bodyFile, JSON.stringify(body));

    // Proposal measured in its own process, against its own database.
    proposal.push(await runChild(['propose', root, metadataDir, join(dir, 'state', 'propose-only.sqlite'), bodyFile]));

    // The plan to execute is proposed and approved here, outside the measured process.
    const sqliteFile = join(dir, 'state', 'bailiff.sqlite');
    const plans = new SqlitePlanStore(sqliteFile);
    const bailiff = wireBailiff({ objects: new FsObjectStore({ root, metadataDir }), plans });
    const planId = await proposeAndApprove(bailiff, body);
    await apply(bailiff, planId);
    plans.close();
    const report = await runChild(['execute', root, metadataDir, sqliteFile, planId]);
    if (report.status !== 'succeeded') throw new Error(`the measured execution ended ${report.status}`);
    execution.push(report);
    log(`s4 run ${run + 1}/${ctx.runs}: execute peak ${(report.peakKiB / 1024).toFixed(0)} MiB (baseline ${(report.baselineKiB / 1024).toFixed(0)} MiB) in ${(report.ms / 1000).toFixed(0)} s; propose peak ${(proposal.at(-1)!.peakKiB / 1024).toFixed(0)} MiB`);
    await runProgram('rm', ['-rf', dir]);
  }

  const mib = (kib: number) => kib / 1024;
  for (const [what, reports] of [
    [`executing ${formatNumber(count)} moves`, execution],
    [`proposing ${formatNumber(count)} moves`, proposal],
  ] as const) {
    addRow(ctx.results, { scenario: SCENARIO, name: `${what}: peak RSS growth over baseline`, unit: 'MiB', samples: reports.map((r) => mib(r.peakKiB - r.baselineKiB)) });
    addRow(ctx.results, { scenario: SCENARIO, name: `${what}: peak RSS of the whole process`, unit: 'MiB', samples: reports.map((r) => mib(r.peakKiB)), extra: { 'baseline MiB': median(reports.map((r) => mib(r.baselineKiB))) } });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `${what}: peak V8 heap in use (sampled every 50 ms)`,
      unit: 'MiB',
      samples: reports.map((r) => mib(r.peakHeapUsedKiB)),
      extra: { 'baseline heap MiB': median(reports.map((r) => mib(r.baselineHeapKiB))), 'peak external MiB': median(reports.map((r) => mib(r.peakExternalKiB))) },
    });
    addRow(ctx.results, { scenario: SCENARIO, name: `${what}: time`, unit: 's', samples: reports.map((r) => r.ms / 1000) });
  }
  const growth = median(execution.map((r) => mib(r.peakKiB - r.baselineKiB)));
  addTarget(ctx.results, `Executing a ${formatNumber(count)}-operation plan: peak memory growth < ${FUNCTION_MEMORY_MIB} MiB`, growth, '<', FUNCTION_MEMORY_MIB, 'MiB', undefined);
  addTarget(ctx.results, `Same, whole process (Node, Bailiff and the work) < ${FUNCTION_MEMORY_MIB} MiB`, median(execution.map((r) => mib(r.peakKiB))), '<', FUNCTION_MEMORY_MIB, 'MiB');
  addNote(
    ctx.results,
    SCENARIO,
    `process.resourceUsage().maxRSS in a fresh child process; the baseline is read after Bailiff is loaded and the stores are open, the peak after the work. ` +
      `Files of 512 bytes in ${FOLDERS} folders, moved to ${FOLDERS} others; the child runs with Node's default heap settings. The proposal child parses the plan's JSON body itself, as the HTTP layer would.`,
  );
  if (ctx.quick) addNote(ctx.results, SCENARIO, `--quick: ${formatNumber(count)} operations instead of 100,000.`);
}
