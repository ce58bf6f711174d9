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
    const between = (a: ReturnType<typeof mark>, b: ReturnType<typeof mark>): PhaseCounts => ({ storage: diffStoreCounts(b.storage, a.storage), firestore: diffFirestoreCounts(b.firestore, a.firestore) });
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
      extra: { reads: median(picked.map((c) => c.firestore.reads)), deletes: median(picked.map((c) => c.firestore.deletes)), RPCs: median(picked.map((c) => c.firestore.rpcs)) },
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
  const s1 = ctx.results.details.s1 as { moves: number; firestoreRuns: Array<{ execute: PhaseCounts; propose: PhaseCounts; approveAndApply: { firestore: FirestoreCounts } } | undefined> } | undefined;
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
  if (s1ExecuteWrites !== undefined) addTarget(ctx.results, `≤ 30 Firestore writes per 1,000 operations executed (${formatNumber(s1!.moves)}-move plans)`, s1ExecuteWrites, '<=', 30, 'writes');
  addTarget(ctx.results, `≤ 30 Firestore writes per 1,000 operations, whole lifecycle incl. propose/approve (${OPERATIONS_PER_PLAN}-move plans)`, lifecycleWrites, '<=', 30, 'writes');

  const large: FirestoreCounts[] = [];
  for (let run = 0; run < ctx.runs; run += 1) large.push(await largePlanExecution(ctx, run));
  addRow(ctx.results, {
    scenario: SCENARIO,
    name: `per 1,000 operations (${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan, embedded object store), execution only: Firestore writes`,
    unit: 'writes',
    samples: large.map((counts) => per1k(counts.writes, LARGE_PLAN_OPERATIONS)),
    extra: { reads: median(large.map((counts) => per1k(counts.reads, LARGE_PLAN_OPERATIONS))), 'writes per plan': median(large.map((counts) => counts.writes)) },
  });
  addTarget(ctx.results, `≤ 10 Firestore writes per 1,000 operations executed (${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan)`, median(large.map((counts) => per1k(counts.writes, LARGE_PLAN_OPERATIONS))), '<=', 10, 'writes');
  addNote(
    ctx.results,
    SCENARIO,
    `The ${formatNumber(LARGE_PLAN_OPERATIONS)}-move plan keeps its state in Firestore but its files on the local object store: fake-gcs-server takes minutes to hold 10,000 objects (scenario 3's note). ` +
      'Its Firestore writes are the journal, audit and progress records, which do not depend on the object store; progress is written every 5 s, so a slower store adds one write per 5 s.',
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
  const perMonth = { reads: perDay.reads * DAYS_PER_MONTH, writes: perDay.writes * DAYS_PER_MONTH, deletes: perDay.deletes * DAYS_PER_MONTH, classA: plan.classA * PLANS_PER_DAY * DAYS_PER_MONTH, classB: plan.classB * PLANS_PER_DAY * DAYS_PER_MONTH };
  const firestoreList = (perMonth.reads / 1e5) * PRICES.firestoreReadPer100k + (perMonth.writes / 1e5) * PRICES.firestoreWritePer100k + (perMonth.deletes / 1e5) * PRICES.firestoreDeletePer100k;
  const gcsList = (perMonth.classA / 1e3) * PRICES.gcsClassAPer1k + (perMonth.classB / 1e3) * PRICES.gcsClassBPer1k;
  const over = (value: number, free: number) => Math.max(0, value - free);
  const firestoreFree =
    DAYS_PER_MONTH *
    ((over(perDay.reads, PRICES.firestoreFreeReadsPerDay) / 1e5) * PRICES.firestoreReadPer100k +
      (over(perDay.writes, PRICES.firestoreFreeWritesPerDay) / 1e5) * PRICES.firestoreWritePer100k +
      (over(perDay.deletes, PRICES.firestoreFreeDeletesPerDay) / 1e5) * PRICES.firestoreDeletePer100k);
  const gcsFree = (over(perMonth.classA, PRICES.gcsFreeClassAPerMonth) / 1e3) * PRICES.gcsClassAPer1k + (over(perMonth.classB, PRICES.gcsFreeClassBPerMonth) / 1e3) * PRICES.gcsClassBPer1k;
  addRow(ctx.results, { scenario: SCENARIO, name: `month of ${PLANS_PER_DAY} plans × ${OPERATIONS_PER_PLAN} operations a day: request charges at list price, no free tier`, unit: 'USD', samples: [firestoreList + gcsList], extra: { Firestore: firestoreList, 'Cloud Storage': gcsList } });
  addRow(ctx.results, { scenario: SCENARIO, name: 'same month after the free quotas', unit: 'USD', samples: [firestoreFree + gcsFree], extra: { Firestore: firestoreFree, 'Cloud Storage': gcsFree } });
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
    'Firestore counts are taken on the client\'s RPCs below the FirestorePlanStore (the emulator reports no usage): a looked-up document, found or missing, is one read; each document a query returns is one read and an empty query one; each write in a commit one write or one delete. ' +
      (new Set(runs.map((run) => JSON.stringify(run))).size === 1 ? (runs.length === 1 ? 'One run.' : `Counts were identical in all ${runs.length} runs.`) : `Counts differed between the ${runs.length} runs (retried transactions); the medians are shown.`),
  );
  addNote(ctx.results, SCENARIO, `Where the execution's Firestore documents go, by PlanStore method (one ${OPERATIONS_PER_PLAN}-move plan, journal batches of ${defaultExecutorOptions().journalBatch}): ${executionBreakdown}.`);
  ctx.results.details.s5 = { runs, plan, perMonth, prices: PRICES, usd: { firestoreList, gcsList, firestoreFree, gcsFree } };
}

/** Firestore counts of executing one approved 10,000-move plan (files on the local store). */
async function largePlanExecution(ctx: BenchContext, run: number): Promise<FirestoreCounts> {
  const root = join(ctx.workDir, `s5-large-r${run}`, 'workspace');
  const caseName = `s5-large-r${run}-${Date.now().toString(36)}`;
  const files = inboxFiles(LARGE_PLAN_OPERATIONS, { seed: 6, minBytes: 64, maxBytes: 256 });
  await mkdir(join(root, 'projects', caseName, 'inbox'), { recursive: true });
  await mapLimited(files, 32, (file) => writeFile(join(root, 'projects', caseName, file.source), Buffer.alloc(file.size, 0x2a)));
  const plans = new FirestorePlanStore({ firestore: ctx.firestore!, collectionPrefix: 'bench_s5_large' });
  const bailiff = wireBailiff({ objects: new FsObjectStore({ root, metadataDir: join(ctx.workDir, `s5-large-r${run}`, 'metadata') }), plans });
  const proposed = await bailiff.service.propose(agent, movePlan(caseName, files));
  if (!proposed.report.valid) throw new Error('large cost plan invalid');
  await approveFully(bailiff, proposed);
  await apply(bailiff, proposed.plan.id);
  const before = firestoreCounts();
  const began = Date.now();
  await execute(bailiff, proposed.plan.id);
  const counts = diffFirestoreCounts(firestoreCounts(), before);
  log(`s5 large run ${run + 1}/${ctx.runs}: ${JSON.stringify(counts)} Firestore executing ${formatNumber(LARGE_PLAN_OPERATIONS)} moves in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  await runProgram('rm', ['-rf', join(ctx.workDir, `s5-large-r${run}`)]);
  return counts;
}
