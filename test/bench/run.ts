/**
 * `npm run bench`: Bailiff's performance figures, measured against the obvious alternatives on
 * the same machine in the same run. Not part of `npm test`.
 *
 *   npm run bench                       all scenarios, 3 runs each
 *   npm run bench -- --runs 5           more runs per scenario
 *   npm run bench -- --quick            smaller sizes (a few minutes)
 *   npm run bench -- --only 1,3         some scenarios
 *   npm run bench -- --compare docs/bench/results-<date>.json
 *   npm run bench -- --no-keep          do not add this run to docs/bench/
 *
 * It starts what it needs (fake-gcs-server and the Firestore emulator, through the same
 * functions the tests use), prints a table of medians and ratios on stdout (progress goes to
 * stderr), saves everything as JSON under .bench/ and stops the emulators again. A run of every
 * scenario also keeps its medians and spread under docs/bench/ (committed: the project's
 * history), and each run is compared with the newest kept run of the same sizes unless
 * `--compare` names another.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Firestore } from '@google-cloud/firestore';
import { createGcsStorage } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FAKE_GCS_VERSION, startFakeGcs } from '../setup/fake-gcs.ts';
import { startStorageTestbench } from '../setup/storage-testbench.ts';
import { startGcloudEmulators } from '../setup/gcloud-emulators.ts';
import { BENCH_PROJECT_ID, type BenchContext } from './lib/context.ts';
import { installFirestoreCounter } from './lib/firestore-counter.ts';
import { newestKeptRun, renderComparison, renderResults, saveResults, summarise, type SavedRun } from './lib/report.ts';
import { emptyResults } from './lib/results.ts';
import { log, runProgram } from './lib/util.ts';
import { apiLatency } from './scenarios/api-latency.ts';
import { consoleInteractive } from './scenarios/console.ts';
import { commandTranslation } from './scenarios/command-translation.ts';
import { costs } from './scenarios/cost.ts';
import { dryRunScaling } from './scenarios/dry-run.ts';
import { embeddedExecution } from './scenarios/embedded-execution.ts';
import { fileHistory } from './scenarios/file-history.ts';
import { gcsExecution, gcsExecutionUnderCpuLoad } from './scenarios/gcs-execution.ts';
import { manyCases } from './scenarios/many-cases.ts';
import { memory } from './scenarios/memory.ts';
import { sandboxRoundTrip } from './scenarios/sandbox.ts';
import { smallPlans, smallPlansOnCloudAdapters } from './scenarios/small-plans.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// The Google clients otherwise probe the GCE metadata server (off this machine) for credentials
// they never use against the emulators; the bench sends loopback traffic only.
process.env.METADATA_SERVER_DETECTION ??= 'none';

interface Scenario {
  id: string;
  title: string;
  needs: Array<'gcs' | 'testbench' | 'firestore'>;
  run(ctx: BenchContext): Promise<unknown>;
}

const SCENARIOS: Scenario[] = [
  { id: '1', title: 'execution on Cloud Storage', needs: ['gcs', 'testbench', 'firestore'], run: gcsExecution },
  {
    id: '1c',
    title: 'execution on Cloud Storage with a modelled round trip while one core is kept busy',
    needs: ['gcs', 'firestore'],
    run: gcsExecutionUnderCpuLoad,
  },
  { id: '2', title: 'execution on the embedded workspace', needs: [], run: embeddedExecution },
  { id: '3', title: 'dry-run scaling', needs: ['gcs'], run: dryRunScaling },
  { id: '4', title: 'memory of a 100,000-operation execution', needs: [], run: memory },
  { id: '5', title: 'requests and cost', needs: ['gcs', 'firestore'], run: costs },
  { id: '6', title: 'API latency', needs: [], run: apiLatency },
  { id: '7', title: "the approver's console with a 10,000-operation plan", needs: [], run: consoleInteractive },
  { id: '8', title: 'shell translation', needs: [], run: commandTranslation },
  { id: '9', title: 'sandbox round trip: target-state plans and pull', needs: ['gcs', 'firestore'], run: sandboxRoundTrip },
  { id: '10', title: 'small plans: 10 moves from apply to succeeded, embedded, with the fixed cost by phase', needs: [], run: smallPlans },
  { id: '11', title: 'many cases at once: plans on many cases run by several executor instances', needs: ['gcs', 'firestore'], run: manyCases },
  {
    id: '12',
    title: 'small plans on the Cloud adapters (storage-testbench, Firestore emulator)',
    needs: ['testbench', 'firestore'],
    run: smallPlansOnCloudAdapters,
  },
  {
    id: '13',
    title: "a document's history on a case with 100,000 audit records, embedded and on the Firestore emulator",
    needs: ['firestore'],
    run: fileHistory,
  },
];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      compare: { type: 'string' },
      'no-keep': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(
      `usage: npm run bench -- [--runs N] [--quick] [--only 1,2,...] [--compare <results.json>] [--no-keep]\n${SCENARIOS.map((s) => `  ${s.id}  ${s.title}`).join('\n')}\n`,
    );
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs must be a whole number from 1 to 50, not ${values.runs}`);
  const only = values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = only?.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return {
    runs,
    quick: values.quick,
    selected: SCENARIOS.filter((scenario) => !only || only.includes(scenario.id)),
    compare: values.compare,
    keep: !values['no-keep'] && !only,
  };
}

async function cpuModel(): Promise<string> {
  const info = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
}

/** The commit measured, marked when the working tree differs from it (others may be editing). */
async function revision(): Promise<string> {
  const head = await runProgram('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  if (head.code !== 0) return 'unknown';
  const dirty = await runProgram('git', ['status', '--porcelain', '--untracked-files=no', '--', 'shared', 'functions'], { cwd: repoRoot });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes in shared/ or functions/)' : ''}`;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = Date.now();
  const date = new Date().toISOString();
  const commit = await revision();
  const stops: Array<() => Promise<void>> = [];
  const workDir = await mkdtemp(join(tmpdir(), 'bailiff-bench-'));
  const ctx: BenchContext = { runs: options.runs, quick: options.quick, workDir, results: emptyResults(), versions: {} };
  let firestore: Firestore | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await firestore?.terminate().catch(() => undefined);
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`could not stop a backend: ${String(error)}`));
    await rm(workDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the backends`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const needs = new Set(options.selected.flatMap((scenario) => scenario.needs));
    if (needs.has('gcs')) {
      log('starting fake-gcs-server');
      stops.push(await startFakeGcs());
      const endpoint = process.env.STORAGE_EMULATOR_HOST!;
      ctx.gcs = { endpoint, storage: createGcsStorage({ apiEndpoint: endpoint, projectId: BENCH_PROJECT_ID }) };
      ctx.versions['fake-gcs-server'] = FAKE_GCS_VERSION;
    }
    if (needs.has('testbench')) {
      log('starting storage-testbench');
      stops.push(await startStorageTestbench());
      const endpoint = process.env.STORAGE_TESTBENCH_HOST!;
      ctx.testbench = { endpoint, storage: createGcsStorage({ apiEndpoint: endpoint, projectId: BENCH_PROJECT_ID }) };
    }
    if (needs.has('firestore')) {
      log('starting the Firestore emulator');
      stops.push(await startGcloudEmulators(['firestore']));
      // Before the first client exists, so every request of every client is counted.
      installFirestoreCounter();
      firestore = new Firestore({ projectId: BENCH_PROJECT_ID, ignoreUndefinedProperties: true });
      ctx.firestore = firestore;
    }
    for (const scenario of options.selected) {
      log(`scenario ${scenario.id}: ${scenario.title}`);
      const began = Date.now();
      await scenario.run(ctx);
      log(`scenario ${scenario.id} took ${((Date.now() - began) / 1000).toFixed(0)} s`);
    }
  } finally {
    await cleanup();
  }

  const args = process.argv.slice(2);
  const saved: SavedRun = {
    format: 'bailiff-bench/1',
    meta: {
      date,
      commit,
      command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
      durationSeconds: (Date.now() - started) / 1000,
      runs: options.runs,
      quick: options.quick,
      scenarios: options.selected.map((scenario) => scenario.id),
      machine: {
        cpus: availableParallelism(),
        cpuModel: await cpuModel(),
        memoryGiB: totalmem() / 1024 ** 3,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
      },
      versions: { node: process.versions.node, ...ctx.versions },
    },
    results: ctx.results,
  };
  process.stdout.write(`${renderResults(saved)}\n`);
  const history = join(repoRoot, 'docs', 'bench');
  // Chosen before this run is kept, so a run is never compared with itself.
  const compareWith = options.compare ?? (await newestKeptRun(history, options.quick));
  const file = await saveResults(saved, join(repoRoot, '.bench'));
  process.stdout.write(`\nSaved ${file.slice(repoRoot.length)}\n`);
  if (options.keep) {
    const kept = await saveResults(summarise(saved), history);
    process.stdout.write(`Kept medians and spread in ${kept.slice(repoRoot.length)} (commit it)\n`);
  }
  if (compareWith) process.stdout.write(`\n${await renderComparison(saved, compareWith)}\n`);
  else process.stdout.write('\nNo earlier kept run of these sizes to compare with.\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
