/**
 * Scenario 4 — memory: peak resident memory of a process that runs only the executor on an
 * approved plan of 100,000 moves, and of 200,000, on the embedded store, against the 256 MiB a
 * Cloud Run function gets by default: it must stay under that, and not grow with the plan. The
 * same is measured for proposing those plans, which the api function (512 MiB) does.
 *
 * Each measurement is a fresh child process (test/bench/scenarios/memory-child.ts), so nothing
 * the bench itself allocated counts.
 */
import { PLAN_LIMITS } from '../../../shared/domain/plan.ts';
import { first, loadTerraform } from '../../infra/infra-model.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import type { BenchContext } from '../lib/context.ts';
import { addNote, addRow, addTarget } from '../lib/results.ts';
import { formatNumber, log, mapLimited, median, runProgram } from '../lib/util.ts';
import { apply, proposeAndApprove, wireBailiff } from '../lib/wiring.ts';
import { measureBaselines } from './memory-baseline.ts';

const SCENARIO = '4 Memory (embedded store, child process)';
const FUNCTION_MEMORY_MIB = 256;
/** The api function's memory (infra): it holds a proposal's whole body. */
const API_MEMORY_MIB = 512;
/** Peak at twice the plan size over the peak at the first size: at most this for "flat". */
const FLAT_RATIO = 1.1;
const FOLDERS = 20;
const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
/** The Node flags the executor function runs with: its `NODE_OPTIONS` in infra/functions.tf, the one owner. */
async function executorNodeFlags(): Promise<string[]> {
  const tf = await loadTerraform();
  const env = tf.evaluateMap(first(tf.resource('google_cloudfunctions2_function.executor').service_config).environment_variables);
  return (env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
}

interface ChildReport {
  baselineKiB: number;
  peakKiB: number;
  ms: number;
  status: string;
  baselineHeapKiB: number;
  peakHeapUsedKiB: number;
  peakExternalKiB: number;
  /** The largest heap seen right after a full collection: what the code keeps. */
  peakLiveHeapKiB: number;
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

async function runChild(args: string[], nodeFlags: readonly string[] = []): Promise<ChildReport> {
  const result = await runProgram(process.execPath, [...nodeFlags, child, ...args]);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`memory child failed (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(line) as ChildReport;
}

export async function memory(ctx: BenchContext): Promise<void> {
  // The second size, half the first, shows whether memory grows with the plan; it is measured
  // once. Plans stop at PLAN_LIMITS.maxOperations (100,000): proposing more would not fit the
  // api's memory, so flatness is shown below the limit rather than past it.
  const sizes = ctx.quick ? [20_000, 10_000] : [PLAN_LIMITS.maxOperations, PLAN_LIMITS.maxOperations / 2];
  const measured: Array<{ count: number; execution: ChildReport[]; proposal: ChildReport[] }> = [];
  for (const [sizeIndex, count] of sizes.entries()) {
    const runs = sizeIndex === 0 ? ctx.runs : 1;
    const execution: ChildReport[] = [];
    const proposal: ChildReport[] = [];
    for (let run = 0; run < runs; run += 1) {
      const dir = join(ctx.workDir, `s4-${count}-r${run}`);
      const root = join(dir, 'workspace');
      const metadataDir = join(dir, 'state', 'object-metadata');
      const caseName = `s4-r${run}`;
      await mkdir(join(dir, 'state'), { recursive: true });
      for (let folder = 0; folder < FOLDERS; folder += 1)
        await mkdir(join(root, 'projects', caseName, `inbox-${String(folder).padStart(2, '0')}`), { recursive: true });
      const content = Buffer.alloc(512, 0x25);
      await mapLimited(
        Array.from({ length: count }, (_, i) => i),
        32,
        (i) => writeFile(join(root, 'projects', caseName, source(i)), content),
      );
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
      const report = await runChild(['execute', root, metadataDir, sqliteFile, planId], await executorNodeFlags());
      if (report.status !== 'succeeded') throw new Error(`the measured execution ended ${report.status}`);
      execution.push(report);
      log(
        `s4 ${formatNumber(count)} run ${run + 1}/${runs}: execute peak ${(report.peakKiB / 1024).toFixed(0)} MiB (baseline ${(report.baselineKiB / 1024).toFixed(0)} MiB) in ${(report.ms / 1000).toFixed(0)} s; propose peak ${(proposal.at(-1)!.peakKiB / 1024).toFixed(0)} MiB`,
      );
      await runProgram('rm', ['-rf', dir]);
    }
    measured.push({ count, execution, proposal });
  }

  const mib = (kib: number) => kib / 1024;
  // What each process holds before any work, beside what the work adds to the child's own baseline.
  const baselines: Awaited<ReturnType<typeof measureBaselines>>[] = [];
  for (let run = 0; run < ctx.runs; run += 1) baselines.push(await measureBaselines());
  for (const [index, first] of (baselines[0] ?? []).entries()) {
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `resident before any work: ${first.what}`,
      unit: 'MiB',
      samples: baselines.map((run) => mib(run[index]!.rssKiB)),
      extra: { 'peak so far MiB': median(baselines.map((run) => mib(run[index]!.hwmKiB))) },
    });
  }
  for (const { count, execution, proposal } of measured) {
    for (const [what, reports] of [
      [`executing ${formatNumber(count)} moves`, execution],
      [`proposing ${formatNumber(count)} moves`, proposal],
    ] as const) {
      addRow(ctx.results, {
        scenario: SCENARIO,
        name: `${what}: peak RSS growth over baseline`,
        unit: 'MiB',
        samples: reports.map((r) => mib(r.peakKiB - r.baselineKiB)),
      });
      addRow(ctx.results, {
        scenario: SCENARIO,
        name: `${what}: peak RSS of the whole process`,
        unit: 'MiB',
        samples: reports.map((r) => mib(r.peakKiB)),
        extra: { 'baseline MiB': median(reports.map((r) => mib(r.baselineKiB))) },
      });
      addRow(ctx.results, {
        scenario: SCENARIO,
        name: `${what}: peak V8 heap in use (sampled every 50 ms)`,
        unit: 'MiB',
        samples: reports.map((r) => mib(r.peakHeapUsedKiB)),
        extra: {
          'baseline heap MiB': median(reports.map((r) => mib(r.baselineHeapKiB))),
          'peak external MiB': median(reports.map((r) => mib(r.peakExternalKiB))),
        },
      });
      // A short proposal may see no full collection at all; the figure is for executions.
      if (reports === execution)
        addRow(ctx.results, {
          scenario: SCENARIO,
          name: `${what}: largest V8 heap right after a full collection (what the code keeps)`,
          unit: 'MiB',
          samples: reports.map((r) => mib(r.peakLiveHeapKiB)),
        });
      addRow(ctx.results, { scenario: SCENARIO, name: `${what}: time`, unit: 's', samples: reports.map((r) => r.ms / 1000) });
    }
  }
  const [first, second] = measured as [(typeof measured)[number], (typeof measured)[number]];
  const peak = (reports: ChildReport[]) => median(reports.map((r) => mib(r.peakKiB)));
  addTarget(
    ctx.results,
    `Executing a ${formatNumber(first.count)}-operation plan: whole process (Node, Bailiff and the work) < ${FUNCTION_MEMORY_MIB} MiB`,
    peak(first.execution),
    '<',
    FUNCTION_MEMORY_MIB,
    'MiB',
  );
  const baseline = median(first.execution.map((r) => mib(r.baselineKiB)));
  // The tighter figure, reported beside the process's own baseline before any work.
  addTarget(
    ctx.results,
    `Executing a ${formatNumber(first.count)}-operation plan: whole process < 200 MiB (baseline before any work ${baseline.toFixed(0)} MiB)`,
    peak(first.execution),
    '<',
    200,
    'MiB',
  );
  addTarget(
    ctx.results,
    `Proposing a ${formatNumber(first.count)}-operation plan: whole process < ${API_MEMORY_MIB} MiB`,
    peak(first.proposal),
    '<',
    API_MEMORY_MIB,
    'MiB',
  );
  addTarget(
    ctx.results,
    `Executing is flat in plan size: peak at ${formatNumber(first.count)} ÷ peak at ${formatNumber(second.count)} operations`,
    peak(first.execution) / peak(second.execution),
    '<=',
    FLAT_RATIO,
    '×',
  );
  addTarget(
    ctx.results,
    `Executing a ${formatNumber(second.count)}-operation plan: whole process < ${FUNCTION_MEMORY_MIB} MiB`,
    peak(second.execution),
    '<',
    FUNCTION_MEMORY_MIB,
    'MiB',
  );
  const live = (reports: ChildReport[]) => median(reports.map((r) => mib(r.peakLiveHeapKiB)));
  addTarget(
    ctx.results,
    `What an execution keeps is flat in plan size: heap after full collections at ${formatNumber(first.count)} ÷ at ${formatNumber(second.count)} operations`,
    live(first.execution) / live(second.execution),
    '<=',
    FLAT_RATIO,
    '×',
  );
  addNote(
    ctx.results,
    SCENARIO,
    `process.resourceUsage().maxRSS in a fresh child process; the baseline is read after Bailiff is loaded and the stores are open, the peak after the work. ` +
      `"Resident before any work": VmRSS of the embedded server (functions/start.ts, after its first-run sample case) and of each function under the functions framework (listening, no request yet: they build their app on the first), a second after each is ready, one process each per run. ` +
      `Files of 512 bytes in ${FOLDERS} folders, moved to ${FOLDERS} others; the child runs with Node's default heap settings. The proposal child parses the plan's JSON body itself, as the HTTP layer would. ` +
      `${formatNumber(second.count)} operations are measured in one run only; no plan may have more than ${formatNumber(PLAN_LIMITS.maxOperations)} (PLAN_LIMITS), so twice the size is shown as half of it. "Flat" allows ${Math.round((FLAT_RATIO - 1) * 100)}% more at twice the size: what an execution holds per action is one byte (the journal's outcomes) and the case's names during the preflight.`,
  );
  if (ctx.quick) addNote(ctx.results, SCENARIO, `--quick: ${sizes.map(formatNumber).join(' and ')} operations instead of 100,000 and 50,000.`);
}
