/**
 * Scenario 5 — requests and cost: what one plan costs in Firestore documents and Cloud Storage
 * operations, phase by phase (propose, approve + apply, execute), counted at the adapters:
 * Cloud Storage calls by a counting ObjectStore around the GcsObjectStore (one call is one
 * JSON API request for these small objects), Firestore documents by counters on the Firestore
 * client's RPCs (lib/firestore-counter.ts explains what counts as a read, write and delete).
 * Then per 1,000 operations, and the month of a typical firm day: 50 plans of 500 operations.
 *
 * Only request charges are priced: stored bytes, network, function invocations and Pub/Sub are
 * not part of this, and neither are the reads of people browsing plans.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GcsObjectStore } from '../../../shared/adapters/gcp/gcs-object-store.ts';
import { FirestorePlanStore } from '../../../shared/adapters/gcp/firestore-plan-store.ts';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import type { BenchContext } from '../lib/context.ts';
import { CountingObjectStore, diffStoreCounts, gcsClasses, type StoreCounts } from '../lib/counting-store.ts';
import { diffFirestoreCounts, firestoreCounts, type FirestoreCounts } from '../lib/firestore-counter.ts';
import { inboxFiles } from '../lib/fixtures.ts';
import { emptyPrefix, seedBucket, verifyMoved } from '../lib/gcs.ts';
import { addNote, addRow, addTarget } from '../lib/results.ts';
import { PlanStoreTimer } from '../lib/timing-plan-store.ts';
import { formatNumber, log, mapLimited, median, runProgram } from '../lib/util.ts';
import { agent, apply, approveFully, defaultExecutorOptions, execute, movePlan, wireBailiff } from '../lib/wiring.ts';

const SCENARIO = '5 Requests and cost (Cloud Storage + Firestore)';

/**
 * Public list prices in USD, Firestore Standard edition and Cloud Storage Standard class, both
 * in us-central1 (a single region). Sources and the dates they were read are in the notes this
 * scenario writes and in docs/benchmarks.md.
 */
export const PRICES = {
  firestoreReadPer100k: 0.03,
  firestoreWritePer100k: 0.09,
  firestoreDeletePer100k: 0.01,
  gcsClassAPer1k: 0.005,
  gcsClassBPer1k: 0.0004,
  /** Free quotas: Firestore per day (the (default) database), Cloud Storage Always Free per month (us-central1/us-east1/us-west1). */
  firestoreFreeReadsPerDay: 50_000,
  firestoreFreeWritesPerDay: 20_000,
  firestoreFreeDeletesPerDay: 20_000,
  gcsFreeClassAPerMonth: 5_000,
  gcsFreeClassBPerMonth: 50_000,
};

const PLANS_PER_DAY = 50;
const OPERATIONS_PER_PLAN = 500;
/** The large plan of the Firestore target: its writes per 1,000 operations show the per-batch cost. */
const LARGE_PLAN_OPERATIONS = 10_000;
const DAYS_PER_MONTH = 30;

interface PhaseCounts {
  storage: StoreCounts;
  firestore: FirestoreCounts;
}

interface PlanCounts {
  propose: PhaseCounts;
  approveApply: PhaseCounts;
  execute: PhaseCounts;
}

function sumPhases(...phases: PhaseCounts[]): PhaseCounts {
  const storage = { list: 0, stat: 0, read: 0, write: 0, copy: 0, delete: 0, rename: 0 };
  const firestore = { reads: 0, writes: 0, deletes: 0, rpcs: 0 };
  for (const phase of phases) {
    for (const key of Object.keys(storage) as Array<keyof StoreCounts>) storage[key] += phase.storage[key];
    for (const key of Object.keys(firestore) as Array<keyof FirestoreCounts>) firestore[key] += phase.firestore[key];
  }
  return { storage, firestore };
}

export async function costs(ctx: BenchContext): Promise<void> {
  if (!ctx.gcs || !ctx.firestore) throw new Error('scenario 5 needs fake-gcs-server and the Firestore emulator');
  const { storage } = ctx.gcs;
  const bucketName = `bench-s5-${Date.now().toString(36)}`;
  await storage.createBucket(bucketName);
  const bucket = storage.bucket(bucketName);
  const objects = new CountingObjectStore(new GcsObjectStore({ storage, bucket: bucketName }));
  const timer = new PlanStoreTimer(new FirestorePlanStore({ firestore: ctx.firestore, collectionPrefix: 'bench_s5' }));
  const plans = timer.store;
  let executionBreakdown = '';
  const files = inboxFiles(OPERATIONS_PER_PLAN, { seed: 5 });
  const runs: PlanCounts[] = [];

  for (let run = 0; run < ctx.runs; run += 1) {
    const caseName = `s5-r${run}-${Date.now().toString(36)}`;
    const prefix = `projects/${caseName}/`;
    await seedBucket(bucket, prefix, files);
    const bailiff = wireBailiff({ objects, plans });
    const mark = () => ({ storage: objects.snapshot(), firestore: firestoreCounts() });
    const between = (a: ReturnType<typeof mark>, b: ReturnType<typeof mark>): PhaseCounts => ({
      storage: diffStoreCounts(b.storage, a.storage),
      firestore: diffFirestoreCounts(b.firestore, a.firestore),
    });
    const m0 = mark();
    const proposed = await bailiff.service.propose(agent, movePlan(caseName, files));
    if (!proposed.report.valid) throw new Error('cost plan invalid');
    const m1 = mark();
    await approveFully(bailiff, proposed);
    await apply(bailiff, proposed.plan.id);
    const m2 = mark();
    timer.reset();
    await execute(bailiff, proposed.plan.id);
    const m3 = mark();
    executionBreakdown = timer.documents();
    await verifyMoved(bucket, prefix, files, 'Bailiff');
    runs.push({ propose: between(m0, m1), approveApply: between(m1, m2), execute: between(m2, m3) });
    await emptyPrefix(bucket, prefix);
    log(`s5 run ${run + 1}/${ctx.runs}: ${JSON.stringify(runs.at(-1)!.execute.firestore)} Firestore during execution`);
  }

  const phases: Array<[string, (plan: PlanCounts) => PhaseCounts]> = [
    ['propose (dry run)', (plan) => plan.propose],
    ['approve + apply', (plan) => plan.approveApply],
    ['execute', (plan) => plan.execute],
    ['whole lifecycle', (plan) => sumPhases(plan.propose, plan.approveApply, plan.execute)],
  ];
  for (const [phase, pick] of phases) {
    const picked = runs.map(pick);
    const classes = picked.map((counts) => gcsClasses(counts.storage));
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `one ${OPERATIONS_PER_PLAN}-move plan, ${phase}: Firestore document writes`,
      unit: 'writes',
      samples: picked.map((counts) => counts.firestore.writes),
      extra: {
        reads: median(picked.map((c) => c.firestore.reads)),
        deletes: median(picked.map((c) => c.firestore.deletes)),
        RPCs: median(picked.map((c) => c.firestore.rpcs)),
      },
    });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `one ${OPERATIONS_PER_PLAN}-move plan, ${phase}: Cloud Storage class A requests`,
      unit: 'class A',
      samples: classes.map((c) => c.classA),
      extra: { 'class B': median(classes.map((c) => c.classB)), 'free (delete)': median(classes.map((c) => c.free)) },
    });
  }

  // Per 1,000 operations, from this plan and (when scenario 1 ran) from its 2,000-move plans.
  const lifecycle = runs.map((plan) => sumPhases(plan.propose, plan.approveApply, plan.execute));
  const per1k = (value: number, operations: number) => (value * 1000) / operations;
  const executeWrites = median(runs.map((plan) => per1k(plan.execute.firestore.writes, OPERATIONS_PER_PLAN)));
  const lifecycleWrites = median(lifecycle.map((plan) => per1k(plan.firestore.writes, OPERATIONS_PER_PLAN)));
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `per 1,000 operations (${OPERATIONS_PER_PLAN}-move plans), execution only: Firestore writes`,
    unit: 'writes',
    samples: runs.map((plan) => per1k(plan.execute.firestore.writes, OPERATIONS_PER_PLAN)),
    extra: {
      reads: median(runs.map((plan) => per1k(plan.execute.firestore.reads, OPERATIONS_PER_PLAN))),
      'GCS class A': median(runs.map((plan) => per1k(gcsClasses(plan.execute.storage).classA, OPERATIONS_PER_PLAN))),
      'GCS class B': median(runs.map((plan) => per1k(gcsClasses(plan.execute.storage).classB, OPERATIONS_PER_PLAN))),
    },
  });
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `per 1,000 operations (${OPERATIONS_PER_PLAN}-move plans), whole lifecycle: Firestore writes`,
    unit: 'writes',
    samples: lifecycle.map((plan) => per1k(plan.firestore.writes, OPERATIONS_PER_PLAN)),
    extra: {
      reads: median(lifecycle.map((plan) => per1k(plan.firestore.reads, OPERATIONS_PER_PLAN))),
      'GCS class A': median(lifecycle.map((plan) => per1k(gcsClasses(plan.storage).classA, OPERATIONS_PER_PLAN))),
      'GCS class B': median(lifecycle.map((plan) => per1k(gcsClasses(plan.storage).classB, OPERATIONS_PER_PLAN))),
    },
  });
  const s1 = ctx.results.details.s1 as
    | { moves: number; firestoreRuns: Array<{ execute: PhaseCounts; propose: PhaseCounts; approveAndApply: { firestore: FirestoreCounts } } | undefined> }
    | undefined;
  const s1Runs = s1?.firestoreRuns.filter((run): run is NonNullable<typeof run> => run !== undefined) ?? [];
  let s1ExecuteWrites: number | undefined;
  if (s1 && s1Runs.length > 0) {
    s1ExecuteWrites = median(s1Runs.map((run) => per1k(run.execute.firestore.writes, s1.moves)));
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `per 1,000 operations (${formatNumber(s1.moves)}-move plans of scenario 1), execution only: Firestore writes`,
      unit: 'writes',
      samples: s1Runs.map((run) => per1k(run.execute.firestore.writes, s1.moves)),
      extra: {
        reads: median(s1Runs.map((run) => per1k(run.execute.firestore.reads, s1.moves))),
        'GCS class A': median(s1Runs.map((run) => per1k(gcsClasses(run.execute.storage).classA, s1.moves))),
        'GCS class B': median(s1Runs.map((run) => per1k(gcsClasses(run.execute.storage).classB, s1.moves))),
      },
    });
  }
  addTarget(ctx.results, `≤ 30 Firestore writes per 1,000 operations executed (${OPERATIONS_PER_PLAN}-move plans)`, executeWrites, '<=', 30, 'writes');
  if (s1ExecuteWrites !== undefined)
    addTarget(ctx.results, `≤ 30 Firestore writes per 1,000 operations executed (${formatNumber(s1!.moves)}-move plans)`, s1ExecuteWrites, '<=', 30, 'writes');
  addTarget(
    ctx.results,
    `≤ 30 Firestore writes per 1,000 operations, whole lifecycle incl. propose/approve (${OPERATIONS_PER_PLAN}-move plans)`,
    lifecycleWrites,
    '<=',
    30,
    'writes',
  );

  const largeRuns: LargePlanRun[] = [];
  for (let run = 0; run < ctx.runs; run += 1) largeRuns.push(await largePlanExecution(ctx, run));
  const large = largeRuns.map((run) => run.counts);
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `per 1,000 operations (${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan, embedded object store), execution only: Firestore writes`,
    unit: 'writes',
    samples: large.map((counts) => per1k(counts.writes, LARGE_PLAN_OPERATIONS)),
    extra: {
      reads: median(large.map((counts) => per1k(counts.reads, LARGE_PLAN_OPERATIONS))),
      'writes per plan': median(large.map((counts) => counts.writes)),
    },
  });
  addTarget(
    ctx.results,
    `≤ 10 Firestore writes per 1,000 operations executed (${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan)`,
    median(large.map((counts) => per1k(counts.writes, LARGE_PLAN_OPERATIONS))),
    '<=',
    10,
    'writes',
  );
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `per 1,000 operations (${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan), execution only: Firestore writes of the progress record`,
    unit: 'writes',
    samples: largeRuns.map((run) => per1k(run.progressWrites, LARGE_PLAN_OPERATIONS)),
    extra: { 'progress writes per plan': median(largeRuns.map((run) => run.progressWrites)), 'execution s': median(largeRuns.map((run) => run.seconds)) },
  });
  const intermediate = largeRuns.map((run) => run.barValues.filter((value) => value > 0 && value < 100).length);
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan: distinct progress-bar values strictly between 0 and 100 %, plan view read every ${BAR_POLL_MS} ms`,
    unit: 'values',
    samples: intermediate,
  });
  addTarget(
    ctx.results,
    `the progress bar moves: intermediate values seen on a ${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan`,
    Math.min(...intermediate),
    '>=',
    1,
    'values',
  );
  addNote(
    ctx.results,
    SCENARIO,
    `The ${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan keeps its state in Firestore but its files on the local object store: fake-gcs-server takes minutes to hold 10,000 objects (scenario 3's note). ` +
      'Its Firestore writes are the journal, audit and progress records, which do not depend on the object store; progress is written at most once a second per plan, so a slower store adds one write per second it runs. ' +
      `While it ran the bench read the plan view every ${BAR_POLL_MS} ms as \`bailiff apply --wait\` does (those reads are not counted); the bar showed ${largeRuns.map((run) => `${run.barValues.join('%, ')}%`).join(' / ')}.`,
  );

  // The month of a typical day.
  const plan = {
    reads: median(lifecycle.map((c) => c.firestore.reads)),
    writes: median(lifecycle.map((c) => c.firestore.writes)),
    deletes: median(lifecycle.map((c) => c.firestore.deletes)),
    classA: median(lifecycle.map((c) => gcsClasses(c.storage).classA)),
    classB: median(lifecycle.map((c) => gcsClasses(c.storage).classB)),
  };
  const perDay = { reads: plan.reads * PLANS_PER_DAY, writes: plan.writes * PLANS_PER_DAY, deletes: plan.deletes * PLANS_PER_DAY };
  const perMonth = {
    reads: perDay.reads * DAYS_PER_MONTH,
    writes: perDay.writes * DAYS_PER_MONTH,
    deletes: perDay.deletes * DAYS_PER_MONTH,
    classA: plan.classA * PLANS_PER_DAY * DAYS_PER_MONTH,
    classB: plan.classB * PLANS_PER_DAY * DAYS_PER_MONTH,
  };
  const firestoreList =
    (perMonth.reads / 1e5) * PRICES.firestoreReadPer100k +
    (perMonth.writes / 1e5) * PRICES.firestoreWritePer100k +
    (perMonth.deletes / 1e5) * PRICES.firestoreDeletePer100k;
  const gcsList = (perMonth.classA / 1e3) * PRICES.gcsClassAPer1k + (perMonth.classB / 1e3) * PRICES.gcsClassBPer1k;
  const over = (value: number, free: number) => Math.max(0, value - free);
  const firestoreFree =
    DAYS_PER_MONTH *
    ((over(perDay.reads, PRICES.firestoreFreeReadsPerDay) / 1e5) * PRICES.firestoreReadPer100k +
      (over(perDay.writes, PRICES.firestoreFreeWritesPerDay) / 1e5) * PRICES.firestoreWritePer100k +
      (over(perDay.deletes, PRICES.firestoreFreeDeletesPerDay) / 1e5) * PRICES.firestoreDeletePer100k);
  const gcsFree =
    (over(perMonth.classA, PRICES.gcsFreeClassAPerMonth) / 1e3) * PRICES.gcsClassAPer1k +
    (over(perMonth.classB, PRICES.gcsFreeClassBPerMonth) / 1e3) * PRICES.gcsClassBPer1k;
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `month of ${PLANS_PER_DAY} plans × ${OPERATIONS_PER_PLAN} operations a day: request charges at list price, no free tier`,
    unit: 'USD',
    samples: [firestoreList + gcsList],
    extra: { Firestore: firestoreList, 'Cloud Storage': gcsList },
  });
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: 'same month after the free quotas',
    unit: 'USD',
    samples: [firestoreFree + gcsFree],
    extra: { Firestore: firestoreFree, 'Cloud Storage': gcsFree },
  });
  addNote(
    ctx.results,
    SCENARIO,
    `A month is ${DAYS_PER_MONTH} days × ${PLANS_PER_DAY} plans = ${formatNumber(perMonth.writes)} Firestore writes, ${formatNumber(perMonth.reads)} reads, ${formatNumber(perMonth.deletes)} deletes; ` +
      `${formatNumber(perMonth.classA)} Cloud Storage class A and ${formatNumber(perMonth.classB)} class B requests (deletes are free). Each plan lists a case of ${OPERATIONS_PER_PLAN} files; larger cases add one class A listing request per 1,000 objects per dry run and per execution.`,
  );
  addNote(
    ctx.results,
    SCENARIO,
    `Prices (USD, us-central1): Firestore Standard edition $${PRICES.firestoreReadPer100k} per 100,000 document reads, $${PRICES.firestoreWritePer100k} per 100,000 writes, $${PRICES.firestoreDeletePer100k} per 100,000 deletes; ` +
      `free per day 50,000 reads, 20,000 writes, 20,000 deletes (https://cloud.google.com/firestore/pricing, figures as transcribed on 2026-08-18). ` +
      `Cloud Storage Standard, single region: class A $${PRICES.gcsClassAPer1k} per 1,000, class B $${PRICES.gcsClassBPer1k} per 1,000, objects.delete free; Always Free 5,000 class A and 50,000 class B a month in us-central1/us-east1/us-west1 ` +
      `(https://cloud.google.com/storage/pricing, figures as transcribed on 2026-09-20). Check the pages before quoting: prices change.`,
  );
  addNote(
    ctx.results,
    SCENARIO,
    "Firestore counts are taken on the client's RPCs below the FirestorePlanStore (the emulator reports no usage): a looked-up document, found or missing, is one read; each document a query returns is one read and an empty query one; each write in a commit one write or one delete. " +
      (new Set(runs.map((run) => JSON.stringify(run))).size === 1
        ? runs.length === 1
          ? 'One run.'
          : `Counts were identical in all ${runs.length} runs.`
        : `Counts differed between the ${runs.length} runs (retried transactions); the medians are shown.`),
  );
  addNote(
    ctx.results,
    SCENARIO,
    `Where the execution's Firestore documents go, by PlanStore method (one ${OPERATIONS_PER_PLAN}-move plan, journal batches of ${defaultExecutorOptions().journalBatch}): ${executionBreakdown}.`,
  );
  ctx.results.details.s5 = { runs, plan, perMonth, prices: PRICES, usd: { firestoreList, gcsList, firestoreFree, gcsFree } };
}

/** What executing the large plan cost in Firestore, and what a person watching its progress bar saw. */
interface LargePlanRun {
  counts: FirestoreCounts;
  /** Documents written by the once-a-second progress record alone (PlanStore.writeProgress). */
  progressWrites: number;
  /** Each distinct share of actions processed that the plan view showed while it ran, in percent. */
  barValues: number[];
  seconds: number;
}

/** How often the bench reads the plan view while the large plan runs: as often as `bailiff apply --wait` asks at first. */
const BAR_POLL_MS = 250;

/**
 * Executes one approved 10,000-move plan (files on the local store) while reading the plan view
 * as the CLI's progress bar does, so the run shows both the bar's intermediate values and what
 * the progress record costs.
 */
async function largePlanExecution(ctx: BenchContext, run: number): Promise<LargePlanRun> {
  const root = join(ctx.workDir, `s5-large-r${run}`, 'workspace');
  const caseName = `s5-large-r${run}-${Date.now().toString(36)}`;
  const files = inboxFiles(LARGE_PLAN_OPERATIONS, { seed: 6, minBytes: 64, maxBytes: 256 });
  await mkdir(join(root, 'projects', caseName, 'inbox'), { recursive: true });
  await mapLimited(files, 32, (file) => writeFile(join(root, 'projects', caseName, file.source), Buffer.alloc(file.size, 0x2a)));
  const timer = new PlanStoreTimer(new FirestorePlanStore({ firestore: ctx.firestore!, collectionPrefix: 'bench_s5_large' }));
  const bailiff = wireBailiff({ objects: new FsObjectStore({ root, metadataDir: join(ctx.workDir, `s5-large-r${run}`, 'metadata') }), plans: timer.store });
  const proposed = await bailiff.service.propose(agent, movePlan(caseName, files));
  if (!proposed.report.valid) throw new Error('large cost plan invalid');
  await approveFully(bailiff, proposed);
  await apply(bailiff, proposed.plan.id);
  const before = firestoreCounts();
  timer.reset();
  const began = Date.now();
  const executing = execute(bailiff, proposed.plan.id);
  let finished = false;
  void executing.then(
    () => (finished = true),
    () => (finished = true),
  );
  // The reads of the bar are the watcher's, not the execution's: count them apart from `before`.
  const watcher = new PlanStoreTimer(new FirestorePlanStore({ firestore: ctx.firestore!, collectionPrefix: 'bench_s5_large' }));
  const watching = wireBailiff({ objects: new FsObjectStore({ root, metadataDir: join(ctx.workDir, `s5-large-r${run}`, 'metadata') }), plans: watcher.store });
  const seen = new Set<number>();
  while (!finished) {
    const view = await watching.service.get(agent, proposed.plan.id);
    const execution = view.execution;
    if (execution && execution.actionCount > 0) {
      // The share the CLI's bar draws (cli/commands/apply.ts): every action with an outcome, or the cursor if ahead.
      const processed = Math.max(execution.cursor, execution.done + execution.failed + execution.skipped + execution.stale);
      seen.add(Math.round((Math.min(processed, execution.actionCount) * 1000) / execution.actionCount) / 10);
    }
    await new Promise((resolve) => setTimeout(resolve, BAR_POLL_MS));
  }
  await executing;
  const seconds = (Date.now() - began) / 1000;
  const all = diffFirestoreCounts(firestoreCounts(), before);
  const watched = watcher.timings;
  const watcherReads = [...watched.values()].reduce((sum, timing) => sum + timing.reads, 0);
  // The watcher only reads; its reads overlap the executor's calls, so take them off the total.
  const counts = { ...all, reads: all.reads - watcherReads };
  const progressWrites = timer.timings.get('writeProgress')?.writes ?? 0;
  const barValues = [...seen].sort((a, b) => a - b);
  log(
    `s5 large run ${run + 1}/${ctx.runs}: ${JSON.stringify(counts)} Firestore executing ${formatNumber(LARGE_PLAN_OPERATIONS)} moves in ${seconds.toFixed(1)} s; progress writes ${progressWrites}; bar showed ${barValues.join('%, ')}%`,
  );
  await runProgram('rm', ['-rf', join(ctx.workDir, `s5-large-r${run}`)]);
  return { counts, progressWrites, barValues, seconds };
}
