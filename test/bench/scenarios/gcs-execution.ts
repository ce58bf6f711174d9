/**
 * Scenario 1 — executing on Cloud Storage (fake-gcs-server): an approved plan of 2,000 moves
 * (files of 1–64 KiB from an inbox into 20 folders). Bailiff's executor, with its PlanStore on
 * the Firestore emulator and on SQLite, at the executor's starting concurrency (32) held fixed,
 * against the same copies and deletes made directly with @google-cloud/storage at that
 * concurrency and one at a time, and against `gcloud storage mv` on the same emulator. The same
 * overhead comparison runs on Google's storage-testbench (every precondition enforced, a Python
 * server: fewer moves). Proposal and approval are not timed; the clock runs from the first
 * Executor.handle to the plan's `succeeded`.
 *
 * fake-gcs-server answers from memory on loopback and serialises every request under one lock,
 * so concurrency cannot hide latency there: there is none. Part 1b therefore puts a proxy adding
 * a fixed delay per request in front of it (a modelled round trip, stated as such) and compares
 * the executor at a fixed 32 with the raw calls at 32 (overhead), the executor as deployed
 * (adaptive concurrency, 32 up to 128) with the raw calls at 8, 32 and 128 (does it find the
 * pace?) and one at a time; and counts Cloud Storage requests per move at the HTTP layer.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Bucket, Storage } from '@google-cloud/storage';
import { FirestorePlanStore } from '../../../shared/adapters/gcp/firestore-plan-store.ts';
import { createGcsStorage, GcsObjectStore } from '../../../shared/adapters/gcp/gcs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import { BENCH_PROJECT_ID, rotate, type BenchContext } from '../lib/context.ts';
import { emulatorPids, startCpuProbe, type CpuProbe } from '../lib/cpu.ts';
import { CallTimeline, wallMs } from '../lib/call-timeline.ts';
import { describeLimitChanges, logLimitChanges, type LimitChange } from '../lib/limit-log.ts';
import { CountingObjectStore, diffStoreCounts, type StoreCounts } from '../lib/counting-store.ts';
import { diffFirestoreCounts, firestoreCounts, type FirestoreCounts } from '../lib/firestore-counter.ts';
import { FOLDERS, inboxFiles, totalBytes, type FileSpec } from '../lib/fixtures.ts';
import { countRequests, emptyPrefix, seedBucket, verifyMoved, type RequestCounter } from '../lib/gcs.ts';
import { startLatencyProxy } from '../lib/latency-proxy.ts';
import { addNote, addRatio, addRow, addTarget } from '../lib/results.ts';
import { PlanStoreTimer } from '../lib/timing-plan-store.ts';
import { gcloudSetup, type GcloudSetup } from '../lib/tools.ts';
import { formatNumber, formatSig, log, mapLimited, median, MiB, runProgram, timed } from '../lib/util.ts';
import { apply, defaultExecutorOptions, execute, movePlan, proposeAndApprove, wireBailiff } from '../lib/wiring.ts';

const SCENARIO = '1 Cloud Storage execution';
const LATENCY_SCENARIO = '1b Cloud Storage execution with a modelled round trip';
const TESTBENCH_SCENARIO = '1 Cloud Storage execution (storage-testbench)';
const CPU_LOAD_SCENARIO = '1c Cloud Storage execution with a modelled round trip, one core kept busy';
/** The raw calls run at the executor's own default concurrency: equal footing. */
const CONCURRENCY = defaultExecutorOptions().concurrency;
/** The ceiling adaptive concurrency may reach, as deployed. */
const MAX_CONCURRENCY = defaultExecutorOptions().maxConcurrency ?? CONCURRENCY;
/** A round figure for one Cloud Storage request from a function in the same region; a model, not a measurement. */
const MODELLED_DELAY_MS = 40;

type Contender = 'bailiff-firestore' | 'bailiff-sqlite' | 'bailiff-adaptive' | 'raw-8' | 'raw-32' | 'raw-128' | 'raw-1' | 'gcloud';

const RAW_CONCURRENCY: Partial<Record<Contender, number>> = { 'raw-8': 8, 'raw-32': 32, 'raw-128': 128, 'raw-1': 1 };

const LABELS: Record<Contender, string> = {
  'bailiff-firestore': `Bailiff executor, PlanStore Firestore, ${CONCURRENCY} at a time`,
  'bailiff-sqlite': `Bailiff executor, PlanStore SQLite, ${CONCURRENCY} at a time`,
  'bailiff-adaptive': `Bailiff executor as deployed (Firestore, adaptive ${CONCURRENCY} up to ${MAX_CONCURRENCY})`,
  'raw-8': 'raw @google-cloud/storage copy+delete, 8 at a time',
  'raw-32': 'raw @google-cloud/storage copy+delete, 32 at a time',
  'raw-128': 'raw @google-cloud/storage copy+delete, 128 at a time',
  'raw-1': 'raw @google-cloud/storage copy+delete, one at a time',
  gcloud: 'gcloud storage mv (20 invocations, -I)',
};

/** Per-phase request counts of one Bailiff run on Firestore, for the cost scenario. */
export interface ExecutionCounts {
  operations: number;
  propose: { storage: StoreCounts; firestore: FirestoreCounts };
  approveAndApply: { firestore: FirestoreCounts };
  execute: { storage: StoreCounts; firestore: FirestoreCounts };
}

interface Setup {
  bucket: Bucket;
  objects: CountingObjectStore;
  /** Cloud Storage requests made through the Storage client the executor uses, by kind. */
  requests: RequestCounter;
  stores: { firestore: PlanStoreTimer; sqlite: PlanStoreTimer };
  files: FileSpec[];
}

/** One bucket's setup: the executor's store counted, its requests counted, both PlanStores timed. */
function setupFor(storage: Storage, bucketName: string, stores: Setup['stores'], files: FileSpec[]): Setup {
  return {
    bucket: storage.bucket(bucketName),
    objects: new CountingObjectStore(new GcsObjectStore({ storage, bucket: bucketName })),
    requests: countRequests(storage),
    stores,
    files,
  };
}

interface Measured {
  ms: number;
  cpu?: Record<string, number>;
  planStoreMs?: number;
  planStoreSummary?: string;
  counts?: ExecutionCounts;
  /** Cloud Storage requests while executing, by kind (HTTP layer). */
  http?: Record<string, number>;
  gcloudErrors?: string[];
  /** The adaptive limit: where it started and each change, with when. */
  limits?: LimitChange[];
  /** Wall time covered by the actions' storage calls (the rest is the plan's fixed cost). */
  actionsWallMs?: number;
}

async function runContender(contender: Contender, setup: Setup, caseName: string, pids: Record<string, number[]>, gcloud?: GcloudSetup): Promise<Measured> {
  const { bucket, objects, files } = setup;
  const prefix = `projects/${caseName}/`;
  await seedBucket(bucket, prefix, files);
  let result: Measured;
  let probe: CpuProbe | undefined;
  if (contender === 'bailiff-firestore' || contender === 'bailiff-sqlite' || contender === 'bailiff-adaptive') {
    const timer = contender === 'bailiff-sqlite' ? setup.stores.sqlite : setup.stores.firestore;
    // Held at the starting concurrency for the overhead comparison at equal concurrency.
    const timeline = new CallTimeline();
    const bailiff = wireBailiff(
      { objects: timeline.wrap('objects', objects), plans: timer.store },
      contender === 'bailiff-adaptive' ? {} : { maxConcurrency: CONCURRENCY },
    );
    const s0 = objects.snapshot();
    const f0 = firestoreCounts();
    const planId = await proposeAndApprove(bailiff, movePlan(caseName, files));
    const s1 = objects.snapshot();
    const f1 = firestoreCounts();
    await apply(bailiff, planId);
    const f2 = firestoreCounts();
    timer.reset();
    const h2 = setup.requests.snapshot();
    probe = await startCpuProbe(pids);
    timeline.reset();
    const limitLog = logLimitChanges();
    let ms: number;
    try {
      ms = (await timed(() => execute(bailiff, planId))).ms;
    } finally {
      limitLog.stop();
    }
    const http = setup.requests.since(h2);
    const s3 = objects.snapshot();
    const f3 = firestoreCounts();
    result = {
      ms,
      planStoreMs: timer.totalMs(),
      planStoreSummary: timer.summary(),
      http,
      limits: limitLog.changes,
      actionsWallMs: wallMs(timeline.calls.filter((call) => call.method !== 'list' && call.method !== 'write')),
      counts: {
        operations: files.length,
        propose: { storage: diffStoreCounts(s1, s0), firestore: diffFirestoreCounts(f1, f0) },
        approveAndApply: { firestore: diffFirestoreCounts(f2, f1) },
        execute: { storage: diffStoreCounts(s3, s1), firestore: diffFirestoreCounts(f3, f2) },
      },
    };
  } else if (RAW_CONCURRENCY[contender] !== undefined) {
    probe = await startCpuProbe(pids);
    result = { ms: (await timed(() => rawMoves(bucket, prefix, files, RAW_CONCURRENCY[contender]!))).ms };
  } else {
    const { ms, value } = await timed(() => gcloudMoves(gcloud!, bucket, prefix, files));
    result = { ms, gcloudErrors: value };
  }
  if (probe) result.cpu = await probe.stop();
  await verifyMoved(bucket, prefix, files, LABELS[contender]);
  await emptyPrefix(bucket, prefix);
  return result;
}

export async function gcsExecution(ctx: BenchContext): Promise<void> {
  if (!ctx.gcs || !ctx.firestore) throw new Error('scenario 1 needs fake-gcs-server and the Firestore emulator');
  const { storage, endpoint } = ctx.gcs;
  const files = inboxFiles(ctx.quick ? 400 : 2000);
  const firestore = new PlanStoreTimer(new FirestorePlanStore({ firestore: ctx.firestore, collectionPrefix: 'bench_s1' }));
  const sqlitePlans = new SqlitePlanStore(join(ctx.workDir, 's1-plans.sqlite'));
  const sqlite = new PlanStoreTimer(sqlitePlans);
  const pids = await emulatorPids();

  const bucketName = `bench-s1-${Date.now().toString(36)}`;
  await storage.createBucket(bucketName);
  const setup = setupFor(storage, bucketName, { firestore, sqlite }, files);

  const gcloud = await gcloudSetup(endpoint, ctx.workDir);
  let gcloudProblem: string | undefined = gcloud ? undefined : 'the gcloud CLI is not installed';
  if (gcloud) {
    ctx.versions.gcloud = gcloud.version;
    gcloudProblem = await gcloudWorks(gcloud, setup.bucket);
    if (gcloudProblem) addNote(ctx.results, SCENARIO, `gcloud storage mv was not measured: ${gcloudProblem}`);
  }
  const contenders: Contender[] = ['bailiff-firestore', 'bailiff-sqlite', 'raw-32', 'raw-1', ...(gcloudProblem ? [] : (['gcloud'] as const))];
  const measured = new Map<Contender, Measured[]>(contenders.map((c) => [c, []]));
  const gcloudFloor: number[] = [];
  const gcloudErrors = new Set<string>();

  for (let run = 0; run < ctx.runs; run += 1) {
    for (const contender of rotate(contenders, run)) {
      if (contender === 'gcloud') gcloudFloor.push(await gcloudInvocationFloor(gcloud!, setup.bucket));
      const result = await runContender(contender, setup, `s1-${contender}-r${run}-${Date.now().toString(36)}`, pids, gcloud);
      for (const error of result.gcloudErrors ?? []) gcloudErrors.add(error);
      measured.get(contender)!.push(result);
      log(`s1 run ${run + 1}/${ctx.runs} ${contender}: ${(result.ms / 1000).toFixed(2)} s (${formatSig((files.length / result.ms) * 1000)} moves/s)`);
    }
  }
  sqlitePlans.close();

  report(ctx, SCENARIO, contenders, measured, files.length, 'fake-gcs');
  if (gcloudFloor.length > 0) {
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: 'gcloud: `gcloud storage ls` of one object (start-up floor per invocation)',
      unit: 's',
      samples: gcloudFloor.map((ms) => ms / 1000),
    });
  }
  addNote(
    ctx.results,
    SCENARIO,
    `${formatNumber(files.length)} moves, ${(totalBytes(files) / MiB).toFixed(1)} MiB, files 1–64 KiB into ${FOLDERS} folders; a fresh case per contender per run, seeded before and emptied after the clock; contenders take turns first.`,
  );
  addNote(
    ctx.results,
    SCENARIO,
    '"cpu …": CPU seconds used while the clock ran by the bench process (code under test and its clients) and by each emulator, on 2 shared cores. "planstore s": wall time the executor spent inside PlanStore calls.',
  );
  if (gcloudErrors.size > 0) {
    addNote(
      ctx.results,
      SCENARIO,
      `gcloud storage mv exits 1 against fake-gcs-server: its DELETE answers 200 with the body \`null\` where Cloud Storage answers 204 with no body, ` +
        `and gcloud's apitools fails to decode it (${[...gcloudErrors].join('; ')}). The delete has happened by then; the bench checks that every ` +
        `file is at its destination and gone from the inbox before it keeps the time, so the figure is gcloud doing the whole move.`,
    );
  }
  const bailiffRuns = measured.get('bailiff-firestore')!;
  const counts = bailiffRuns[0]?.counts?.execute.storage;
  if (counts) {
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    addNote(
      ctx.results,
      SCENARIO,
      `Storage calls per move while executing, counted at the port: ${formatSig(total / files.length)} ` +
        `(${Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([call, n]) => `${call} ${formatNumber(n)}`)
          .join(', ')}); the raw contenders make 2 (rewrite, delete). ` +
        'The executor here trusts the preconditions as on a real bucket (fake-gcs-server ignores those of rewrite and delete; the test suite runs it there in look-first mode).',
    );
  }
  for (const contender of ['bailiff-firestore', 'bailiff-sqlite'] as const) {
    const summary = measured.get(contender)!.at(-1)?.planStoreSummary;
    if (summary) addNote(ctx.results, SCENARIO, `${LABELS[contender]}, time inside PlanStore calls in the last run: ${summary}.`);
  }
  ctx.results.details.s1 = { moves: files.length, firestoreRuns: bailiffRuns.map((run) => run.counts) };

  const perRun = (a: Contender, b: Contender) => measured.get(a)!.map((value, run) => value.ms / measured.get(b)![run]!.ms);
  const vsGcloud = contenders.includes('gcloud')
    ? addRatio(ctx.results, { scenario: SCENARIO, name: 'time gcloud storage mv ÷ Bailiff (Firestore)', samples: perRun('gcloud', 'bailiff-firestore') })
    : undefined;
  addTarget(ctx.results, 'Executor faster than gcloud storage mv (gcloud time ÷ executor time; fake-gcs)', vsGcloud?.median, '>', 1, '×', gcloudProblem);

  await onTestbench(ctx, firestore, pids);
  await modelledLatency(ctx, firestore, pids);
}

/** Scenario 1c on its own (it needs no storage-testbench). */
export async function gcsExecutionUnderCpuLoad(ctx: BenchContext): Promise<void> {
  if (!ctx.gcs || !ctx.firestore) throw new Error('scenario 1c needs fake-gcs-server and the Firestore emulator');
  const firestore = new PlanStoreTimer(new FirestorePlanStore({ firestore: ctx.firestore, collectionPrefix: 'bench_s1c' }));
  await modelledLatencyUnderCpuLoad(ctx, firestore, await emulatorPids());
}

/** The overhead comparison on storage-testbench, which enforces every precondition. */
async function onTestbench(ctx: BenchContext, firestore: PlanStoreTimer, pids: Record<string, number[]>): Promise<void> {
  if (!ctx.testbench) throw new Error('scenario 1 needs storage-testbench');
  const { storage } = ctx.testbench;
  const files = inboxFiles(ctx.quick ? 100 : 400);
  const bucketName = `bench-s1t-${Date.now().toString(36)}`;
  await storage.createBucket(bucketName);
  const sqlitePlans = new SqlitePlanStore(join(ctx.workDir, 's1t-plans.sqlite'));
  const setup = setupFor(storage, bucketName, { firestore, sqlite: new PlanStoreTimer(sqlitePlans) }, files);
  const contenders: Contender[] = ['bailiff-firestore', 'raw-32'];
  const measured = new Map<Contender, Measured[]>(contenders.map((c) => [c, []]));
  for (let run = 0; run < ctx.runs; run += 1) {
    for (const contender of rotate(contenders, run)) {
      const result = await runContender(contender, setup, `s1t-${contender}-r${run}-${Date.now().toString(36)}`, pids);
      measured.get(contender)!.push(result);
      log(`s1 testbench run ${run + 1}/${ctx.runs} ${contender}: ${(result.ms / 1000).toFixed(2)} s (${formatSig((files.length / result.ms) * 1000)} moves/s)`);
    }
  }
  sqlitePlans.close();
  report(ctx, TESTBENCH_SCENARIO, contenders, measured, files.length, 'storage-testbench');
  noteRequestsPerMove(ctx, TESTBENCH_SCENARIO, measured.get('bailiff-firestore')!, files.length);
  addNote(
    ctx.results,
    TESTBENCH_SCENARIO,
    `${formatNumber(files.length)} moves on storage-testbench (Google's Python emulator, every precondition enforced), the same files and contenders as on fake-gcs-server.`,
  );
}

/** Rows, ratios and targets shared by every part. */
function report(
  ctx: BenchContext,
  scenario: string,
  contenders: readonly Contender[],
  measured: Map<Contender, Measured[]>,
  moves: number,
  where: string,
): void {
  for (const contender of contenders) {
    const runs = measured.get(contender)!;
    const extra: Record<string, number> = { seconds: median(runs.map((run) => run.ms)) / 1000 };
    const planStore = runs.flatMap((run) => (run.planStoreMs === undefined ? [] : [run.planStoreMs / 1000]));
    if (planStore.length > 0) extra['planstore s'] = median(planStore);
    const cpu = runs.flatMap((run) => (run.cpu ? [run.cpu] : []));
    for (const label of Object.keys(cpu[0] ?? {})) extra[`cpu ${label}`] = median(cpu.map((sample) => sample[label] ?? 0));
    addRow(ctx.results, { scenario, name: `${LABELS[contender]}: moves/s`, unit: 'moves/s', samples: runs.map((run) => (moves / run.ms) * 1000), extra });
  }
  const perRun = (a: Contender, b: Contender) => measured.get(a)!.map((value, run) => value.ms / measured.get(b)![run]!.ms);
  const limit = scenario === LATENCY_SCENARIO ? 1.15 : 1.1;
  const overhead = addRatio(ctx.results, {
    scenario,
    name: `time Bailiff (Firestore) ÷ raw calls, both at ${CONCURRENCY}`,
    samples: perRun('bailiff-firestore', 'raw-32'),
  });
  addTarget(ctx.results, `Executor (Firestore) ≤ ${limit}× raw calls at equal concurrency ${CONCURRENCY} (${where})`, overhead.median, '<=', limit, '×');
  if (contenders.includes('bailiff-sqlite')) {
    addRatio(ctx.results, { scenario, name: `time Bailiff (SQLite) ÷ raw calls, both at ${CONCURRENCY}`, samples: perRun('bailiff-sqlite', 'raw-32') });
    addRatio(ctx.results, { scenario, name: 'time Bailiff (Firestore) ÷ Bailiff (SQLite)', samples: perRun('bailiff-firestore', 'bailiff-sqlite') });
  }
  if (contenders.includes('raw-1')) {
    addRatio(ctx.results, { scenario, name: `time one-at-a-time ÷ raw calls at ${CONCURRENCY}`, samples: perRun('raw-1', 'raw-32') });
    const fastest: Contender = contenders.includes('bailiff-adaptive') ? 'bailiff-adaptive' : 'bailiff-firestore';
    const speedup = addRatio(ctx.results, { scenario, name: `time raw one-at-a-time ÷ ${LABELS[fastest]}: speed-up`, samples: perRun('raw-1', fastest) });
    // Only where requests take time: fake-gcs-server serialises them, so one at a time is its fastest.
    if (scenario === LATENCY_SCENARIO)
      addTarget(ctx.results, `Executor ≥ 20× faster than one at a time (raw calls, one at a time; ${where})`, speedup.median, '>=', 20, '×');
  }
  if (contenders.includes('bailiff-adaptive')) {
    // Per run: the executor's throughput over the best of the raw calls at 8, 32 and 128 in that run.
    const raws: Contender[] = ['raw-8', 'raw-32', 'raw-128'];
    const share = measured.get('bailiff-adaptive')!.map((value, run) => Math.min(...raws.map((raw) => measured.get(raw)![run]!.ms)) / value.ms);
    const ratio = addRatio(ctx.results, { scenario, name: 'throughput Bailiff as deployed ÷ best raw calls (8, 32 or 128)', samples: share });
    // Issue 23 raised the target from 80% of the median run to 0.9× in every run, as in 1c.
    addTarget(
      ctx.results,
      `Adaptive concurrency: as deployed ≥ 0.9× the raw calls' best across 8, 32 and 128 in every run (${where})`,
      Math.min(...ratio.samples),
      '>=',
      0.9,
      '×',
    );
  }
}

/** Requests per move while executing, by kind, at the HTTP layer; the target is 2 (rewrite, delete). */
function noteRequestsPerMove(ctx: BenchContext, scenario: string, runs: readonly Measured[], moves: number): void {
  const http = runs[0]?.http;
  if (!http) return;
  const perMove = (http.rewrite ?? 0) + (http.delete ?? 0) + (http.get ?? 0);
  addTarget(ctx.results, `Cloud Storage requests per move while executing: rewrite + delete + object reads (${scenario})`, perMove / moves, '<=', 2, '');
  addNote(
    ctx.results,
    scenario,
    `Cloud Storage requests while executing ${formatNumber(moves)} moves, counted at the HTTP layer: ${Object.entries(http)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${formatNumber(n)}`)
      .join(', ')} (listings and uploads are per plan: the preflight listing and the audit file).`,
  );
}

/** The same comparison through a proxy that delays each request by MODELLED_DELAY_MS. */
async function modelledLatency(ctx: BenchContext, firestore: PlanStoreTimer, pids: Record<string, number[]>): Promise<void> {
  const proxy = await startLatencyProxy(ctx.gcs!.endpoint, MODELLED_DELAY_MS);
  try {
    const storage: Storage = createGcsStorage({ apiEndpoint: proxy.url, projectId: BENCH_PROJECT_ID });
    const files = inboxFiles(ctx.quick ? 200 : 600);
    const bucketName = `bench-s1b-${Date.now().toString(36)}`;
    await ctx.gcs!.storage.createBucket(bucketName);
    const sqlitePlans = new SqlitePlanStore(join(ctx.workDir, 's1b-plans.sqlite'));
    const setup = setupFor(storage, bucketName, { firestore, sqlite: new PlanStoreTimer(sqlitePlans) }, files);
    const contenders: Contender[] = ['bailiff-firestore', 'bailiff-adaptive', 'raw-8', 'raw-32', 'raw-128', 'raw-1'];
    const measured = new Map<Contender, Measured[]>(contenders.map((c) => [c, []]));
    for (let run = 0; run < ctx.runs; run += 1) {
      for (const contender of rotate(contenders, run)) {
        const result = await runContender(contender, setup, `s1b-${contender}-r${run}-${Date.now().toString(36)}`, pids);
        measured.get(contender)!.push(result);
        log(`s1b run ${run + 1}/${ctx.runs} ${contender}: ${(result.ms / 1000).toFixed(2)} s (${formatSig((files.length / result.ms) * 1000)} moves/s)`);
      }
    }
    sqlitePlans.close();
    report(ctx, LATENCY_SCENARIO, contenders, measured, files.length, `fake-gcs + ${MODELLED_DELAY_MS} ms per request`);
    noteRequestsPerMove(ctx, LATENCY_SCENARIO, measured.get('bailiff-firestore')!, files.length);
    addNote(
      ctx.results,
      LATENCY_SCENARIO,
      `${formatNumber(files.length)} moves through a loopback proxy that holds each Cloud Storage request ${MODELLED_DELAY_MS} ms before passing it on (seeding and checks too, untimed). ` +
        `The delay is a round figure standing in for the network, not a measurement of Cloud Storage; Firestore calls get no added delay, which flatters Bailiff slightly.`,
    );
  } finally {
    await proxy.stop();
  }
}

/**
 * Part 1c: 1b's as-deployed comparison while a child process spins on one core, as a neighbour
 * on a busy machine would: adaptive concurrency must read storage's pace, not its own CPU's.
 */
async function modelledLatencyUnderCpuLoad(ctx: BenchContext, firestore: PlanStoreTimer, pids: Record<string, number[]>): Promise<void> {
  const proxy = await startLatencyProxy(ctx.gcs!.endpoint, MODELLED_DELAY_MS);
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    const storage: Storage = createGcsStorage({ apiEndpoint: proxy.url, projectId: BENCH_PROJECT_ID });
    const files = inboxFiles(ctx.quick ? 200 : 600);
    const bucketName = `bench-s1c-${Date.now().toString(36)}`;
    await ctx.gcs!.storage.createBucket(bucketName);
    const sqlitePlans = new SqlitePlanStore(join(ctx.workDir, 's1c-plans.sqlite'));
    const setup = setupFor(storage, bucketName, { firestore, sqlite: new PlanStoreTimer(sqlitePlans) }, files);
    const contenders: Contender[] = ['bailiff-adaptive', 'raw-8', 'raw-32', 'raw-128'];
    const measured = new Map<Contender, Measured[]>(contenders.map((c) => [c, []]));
    const load: number[] = [];
    for (let run = 0; run < ctx.runs; run += 1) {
      load.push(loadavg()[0]!);
      for (const contender of rotate(contenders, run)) {
        const result = await runContender(contender, setup, `s1c-${contender}-r${run}-${Date.now().toString(36)}`, {
          ...pids,
          'busy neighbour': busy.pid ? [busy.pid] : [],
        });
        measured.get(contender)!.push(result);
        const detail = result.limits
          ? `; limit ${describeLimitChanges(result.limits)}; actions ${(result.actionsWallMs! / 1000).toFixed(2)} s, plan store ${(result.planStoreMs! / 1000).toFixed(2)} s`
          : '';
        log(
          `s1c run ${run + 1}/${ctx.runs} ${contender}: ${(result.ms / 1000).toFixed(2)} s (${formatSig((files.length / result.ms) * 1000)} moves/s)${detail}; load ${loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
    sqlitePlans.close();
    const adaptive = measured.get('bailiff-adaptive')!;
    addRow(ctx.results, {
      scenario: CPU_LOAD_SCENARIO,
      name: 'Bailiff as deployed: wall time of the actions (the rest is per-plan work)',
      unit: 's',
      samples: adaptive.map((run) => run.actionsWallMs! / 1000),
    });
    addRow(ctx.results, {
      scenario: CPU_LOAD_SCENARIO,
      name: 'raw calls at 128 over Bailiff as deployed, actions only (throughput)',
      unit: '×',
      samples: adaptive.map((run, i) => measured.get('raw-128')![i]!.ms / run.actionsWallMs!),
    });
    for (const [i, run] of adaptive.entries())
      addNote(ctx.results, CPU_LOAD_SCENARIO, `Run ${i + 1}, the adaptive limit: ${describeLimitChanges(run.limits ?? [])}.`);
    for (const contender of contenders) {
      const runs = measured.get(contender)!;
      addRow(ctx.results, {
        scenario: CPU_LOAD_SCENARIO,
        name: `${LABELS[contender]}: moves/s`,
        unit: 'moves/s',
        samples: runs.map((run) => (files.length / run.ms) * 1000),
        extra: { seconds: median(runs.map((run) => run.ms)) / 1000 },
      });
    }
    const raws: Contender[] = ['raw-8', 'raw-32', 'raw-128'];
    const share = measured.get('bailiff-adaptive')!.map((value, run) => Math.min(...raws.map((raw) => measured.get(raw)![run]!.ms)) / value.ms);
    addRatio(ctx.results, {
      scenario: CPU_LOAD_SCENARIO,
      name: 'throughput Bailiff as deployed ÷ best raw calls (8, 32 or 128), one core busy',
      samples: share,
    });
    // "In each run": the worst run is the figure.
    addTarget(
      ctx.results,
      `Adaptive concurrency on a busy machine: as deployed ≥ 0.9× the best raw calls in every run (fake-gcs + ${MODELLED_DELAY_MS} ms, one core busy)`,
      Math.min(...share),
      '>=',
      0.9,
      '×',
    );
    addNote(
      ctx.results,
      CPU_LOAD_SCENARIO,
      `${formatNumber(files.length)} moves as in 1b while a child process spins on one core (its CPU seconds are the "cpu busy neighbour" figure); ` +
        `1-minute load average at the start of each run: ${load.map((value) => value.toFixed(1)).join(', ')} on ${availableParallelism()} cores. The ratio is taken per run; the target uses the worst run.`,
    );
  } finally {
    busy.kill('SIGKILL');
    await proxy.stop();
  }
}

/** The same copies and deletes Bailiff makes, with nothing else: no stats, no journal, no checks. */
async function rawMoves(bucket: Bucket, prefix: string, files: readonly FileSpec[], concurrency: number): Promise<void> {
  await mapLimited(files, concurrency, async (file) => {
    const source = bucket.file(`${prefix}${file.source}`);
    await source.copy(bucket.file(`${prefix}${file.destination}`));
    await source.delete();
  });
}

/** One invocation per destination folder, its sources on stdin: the way a person would script it. */
async function gcloudMoves(gcloud: GcloudSetup, bucket: Bucket, prefix: string, files: readonly FileSpec[]): Promise<string[]> {
  const errors: string[] = [];
  const byFolder = new Map<string, string[]>();
  for (const file of files) {
    const list = byFolder.get(file.folder) ?? [];
    list.push(`gs://${bucket.name}/${prefix}${file.source}`);
    byFolder.set(file.folder, list);
  }
  for (const [folder, sources] of byFolder) {
    const result = await runProgram('gcloud', ['storage', 'mv', '-I', `gs://${bucket.name}/${prefix}${folder}/`], {
      env: gcloud.env,
      input: `${sources.join('\n')}\n`,
    });
    if (result.error) throw new Error(`gcloud could not be run: ${result.error}`);
    for (const line of result.stderr.split('\n')) {
      if (line.startsWith('ERROR:')) errors.push(line.slice(6).trim());
    }
  }
  return [...new Set(errors)];
}

/** Milliseconds gcloud needs to start and make one request: the fixed cost each invocation pays. */
async function gcloudInvocationFloor(gcloud: GcloudSetup, bucket: Bucket): Promise<number> {
  const name = 'gcloud-floor/one.bin';
  await bucket.file(name).save(Buffer.from('x'), { resumable: false });
  const { ms, value } = await timed(() => runProgram('gcloud', ['storage', 'ls', `gs://${bucket.name}/${name}`], { env: gcloud.env }));
  await bucket.file(name).delete({ ignoreNotFound: true });
  if (value.code !== 0) throw new Error(`gcloud storage ls failed: ${value.stderr}`);
  return ms;
}

/**
 * Tries gcloud on the emulator once before any timing: one object moved, then checked.
 * Returns why it cannot be measured, or undefined when it can.
 */
async function gcloudWorks(gcloud: GcloudSetup, bucket: Bucket): Promise<string | undefined> {
  const source = 'gcloud-probe/a.bin';
  await bucket.file(source).save(Buffer.from('probe'), { resumable: false });
  const result = await runProgram('gcloud', ['storage', 'mv', `gs://${bucket.name}/${source}`, `gs://${bucket.name}/gcloud-probe/b/`], { env: gcloud.env });
  if (result.error) return `gcloud could not be run (${result.error})`;
  const [movedExists] = await bucket.file('gcloud-probe/b/a.bin').exists();
  const [sourceExists] = await bucket.file(source).exists();
  await emptyPrefix(bucket, 'gcloud-probe/');
  if (!movedExists || sourceExists) {
    return `a probe move did not take effect (exit ${result.code}; destination ${movedExists ? 'present' : 'absent'}, source ${sourceExists ? 'still present' : 'gone'}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  }
  return undefined;
}
