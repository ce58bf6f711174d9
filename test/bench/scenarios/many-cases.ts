/**
 * Scenario 11 — many cases at once: 50 approved plans of 200 moves on 50 cases, applied together
 * and run by several executor instances at once, as Pub/Sub push would spread them (each
 * instance takes its share of the messages concurrently). Cloud adapters: fake-gcs-server behind
 * the 40 ms proxy of scenario 1b, the Firestore emulator for the PlanStore. Against the same
 * copies and deletes made directly at the same total concurrency (plans × 32). Every plan must
 * succeed; per plan, the wait from the start until it holds its case's lease shows whether any
 * case waited behind another's.
 */
import type { Storage } from '@google-cloud/storage';
import { FirestorePlanStore } from '../../../shared/adapters/gcp/firestore-plan-store.ts';
import { createGcsStorage, GcsObjectStore } from '../../../shared/adapters/gcp/gcs-object-store.ts';
import { CallTimeline, wallMs, type Call } from '../lib/call-timeline.ts';
import { BENCH_PROJECT_ID, type BenchContext } from '../lib/context.ts';
import { inboxFiles, type FileSpec } from '../lib/fixtures.ts';
import { emptyPrefix, seedBucket, verifyMoved } from '../lib/gcs.ts';
import { startLatencyProxy } from '../lib/latency-proxy.ts';
import { addNote, addRatio, addRow, addTarget } from '../lib/results.ts';
import { formatNumber, formatSig, log, mapLimited, median, percentile, timed } from '../lib/util.ts';
import { approveFully, agent, wireBailiff, movePlan, type Bailiff } from '../lib/wiring.ts';

const SCENARIO = '11 Many cases at once (fake-gcs + 40 ms per request, Firestore)';
const MODELLED_DELAY_MS = 40;
const PER_PLAN_CONCURRENCY = 32;

export async function manyCases(ctx: BenchContext): Promise<void> {
  if (!ctx.gcs || !ctx.firestore) throw new Error('scenario 11 needs fake-gcs-server and the Firestore emulator');
  const plans = ctx.quick ? 10 : 50;
  const moves = ctx.quick ? 50 : 200;
  const instances = ctx.quick ? 2 : 5;
  const files = inboxFiles(moves);
  const proxy = await startLatencyProxy(ctx.gcs.endpoint, MODELLED_DELAY_MS);
  try {
    const storage: Storage = createGcsStorage({ apiEndpoint: proxy.url, projectId: BENCH_PROJECT_ID });
    const bucketName = `bench-s11-${Date.now().toString(36)}`;
    await ctx.gcs.storage.createBucket(bucketName);
    const direct = ctx.gcs.storage.bucket(bucketName);
    const store = new FirestorePlanStore({ firestore: ctx.firestore, collectionPrefix: 'bench_s11' });
    const aggregate: number[] = [];
    const raw: number[] = [];
    const waits: number[] = [];
    const finishes: number[] = [];
    const phases: PlanPhases[] = [];
    let lastCallTimes = '';
    for (let run = 0; run < ctx.runs; run += 1) {
      const tag = `r${run}-${Date.now().toString(36)}`;
      const cases = Array.from({ length: plans }, (_, i) => `s11-${tag}-c${String(i).padStart(2, '0')}`);
      // Bailiff: propose, approve and apply every plan (untimed), then deliver all messages at once.
      for (const caseName of cases) await seedBucket(direct, `projects/${caseName}/`, files);
      const timeline = new CallTimeline();
      const plansPort = timeline.wrap('plans', store, planKey);
      const objects = timeline.wrap('objects', new GcsObjectStore({ storage, bucket: bucketName }), caseKey);
      const executors: Bailiff[] = Array.from({ length: instances }, () =>
        wireBailiff({ objects, plans: plansPort }, { concurrency: PER_PLAN_CONCURRENCY, maxConcurrency: PER_PLAN_CONCURRENCY }),
      );
      const front = executors[0]!;
      const planIds: string[] = [];
      for (const caseName of cases) {
        const proposed = await front.service.propose(agent, movePlan(caseName, files));
        if (!proposed.report.valid) throw new Error(`scenario 11 plan is invalid: ${JSON.stringify(proposed.report.errors.slice(0, 3))}`);
        await approveFully(front, proposed);
        await front.service.apply(agent, proposed.plan.id);
        planIds.push(proposed.plan.id);
      }
      const messages = front.queue.messages.splice(0);
      timeline.reset();
      const t0 = performance.now();
      const finishedAt = new Map<string, number>();
      const { ms } = await timed(() =>
        Promise.all(
          messages.map(async (message, i) => {
            const executor = executors[i % instances]!;
            await executor.executor.handle(message, { attempt: 1, messageId: `m-${i}` });
            // Continuations of this plan go back to the same instance.
            for (let guard = 0; executor.queue.messages.length > 0 && guard < 1000; guard += 1)
              await executor.executor.handle(executor.queue.messages.shift()!, { attempt: 1 });
            finishedAt.set(message.planId, performance.now() - t0);
          }),
        ),
      );
      for (const planId of planIds) {
        const plan = await store.getPlan(planId);
        if (plan?.status !== 'succeeded') throw new Error(`scenario 11: plan ${planId} ended ${plan?.status}: ${plan?.execution?.lastError ?? ''}`);
      }
      for (const caseName of cases) await verifyMoved(direct, `projects/${caseName}/`, files, 'Bailiff, many cases');
      const leases = timeline.calls.filter((call) => call.method === 'acquireLease');
      const caseOfPlan = new Map(planIds.map((planId, i) => [planId, cases[i]!]));
      for (const part of splitByPhase(timeline.calls, caseOfPlan, t0)) phases.push(part);
      lastCallTimes = medianCallTimes(timeline.calls);
      waits.push(Math.max(...leases.map((call) => call.end - t0)));
      finishes.push(...finishedAt.values());
      aggregate.push(ms);
      for (const caseName of cases) await emptyPrefix(direct, `projects/${caseName}/`);

      // Raw calls: the same moves on fresh cases, at the same total concurrency.
      const rawCases = cases.map((caseName) => `${caseName}-raw`);
      for (const caseName of rawCases) await seedBucket(direct, `projects/${caseName}/`, files);
      const bucket = storage.bucket(bucketName);
      const work = rawCases.flatMap((caseName) => files.map((file) => ({ prefix: `projects/${caseName}/`, file })));
      const rawMs = (
        await timed(() =>
          mapLimited(work, plans * PER_PLAN_CONCURRENCY, async ({ prefix, file }: { prefix: string; file: FileSpec }) => {
            const source = bucket.file(`${prefix}${file.source}`);
            await source.copy(bucket.file(`${prefix}${file.destination}`));
            await source.delete();
          }),
        )
      ).ms;
      for (const caseName of rawCases) await verifyMoved(direct, `projects/${caseName}/`, files, 'raw calls, many cases');
      for (const caseName of rawCases) await emptyPrefix(direct, `projects/${caseName}/`);
      raw.push(rawMs);
      log(
        `s11 run ${run + 1}/${ctx.runs}: Bailiff ${(ms / 1000).toFixed(2)} s, raw ${(rawMs / 1000).toFixed(2)} s; slowest lease wait ${formatSig(waits.at(-1)!)} ms`,
      );
    }
    const total = plans * moves;
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `Bailiff, ${instances} executor instances, ${plans} plans at once: moves/s (aggregate)`,
      unit: 'moves/s',
      samples: aggregate.map((ms) => (total / ms) * 1000),
      extra: { seconds: median(aggregate) / 1000 },
    });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `raw copy+delete, ${plans * PER_PLAN_CONCURRENCY} at a time: moves/s`,
      unit: 'moves/s',
      samples: raw.map((ms) => (total / ms) * 1000),
      extra: { seconds: median(raw) / 1000 },
    });
    addRow(ctx.results, { scenario: SCENARIO, name: 'slowest wait from the start until a plan holds its case (per run)', unit: 'ms', samples: waits });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: 'plan finish time from the start, all plans',
      unit: 'ms',
      samples: finishes,
      extra: { p50: percentile(finishes, 50), p95: percentile(finishes, 95), max: Math.max(...finishes) },
    });
    for (const phase of Object.keys(phases[0] ?? {}) as (keyof PlanPhases)[]) {
      addRow(ctx.results, { scenario: SCENARIO, name: `per plan: ${PHASE_LABELS[phase]}`, unit: 'ms', samples: phases.map((plan) => plan[phase]) });
    }
    addNote(ctx.results, SCENARIO, `Port calls during the last run, by method: count × median ms (max): ${lastCallTimes}.`);
    const share = addRatio(ctx.results, {
      scenario: SCENARIO,
      name: 'aggregate throughput Bailiff ÷ raw calls at the same total concurrency',
      samples: aggregate.map((ms, run) => raw[run]! / ms),
    });
    addTarget(
      ctx.results,
      `Many cases at once: aggregate ≥ 80% of raw calls at the same total concurrency (${plans} plans × ${moves} moves)`,
      share.median * 100,
      '>=',
      80,
      '%',
    );
    addNote(
      ctx.results,
      SCENARIO,
      `${plans} plans of ${formatNumber(moves)} moves on ${plans} cases, ${instances} executor instances sharing one PlanStore, each handling its messages concurrently, ${PER_PLAN_CONCURRENCY} actions in flight per plan; ` +
        `raw calls at ${plans * PER_PLAN_CONCURRENCY}. Every plan succeeded and every file was checked in place. "Slowest wait" is the latest lease taken after all messages were delivered at once: it stays small when no case waits behind another's.`,
    );
  } finally {
    await proxy.stop();
  }
}

/** Where one plan's time went in scenario 11, from the moment every message was delivered. */
interface PlanPhases {
  untilFirstCall: number;
  beforeActions: number;
  beforeActionsPlanStore: number;
  actions: number;
  afterActions: number;
  untilSucceeded: number;
}

const PHASE_LABELS: Record<keyof PlanPhases, string> = {
  untilFirstCall: 'from delivery to its first PlanStore call',
  beforeActions: 'first call → first action (lease, policy, preflight listing, running)',
  beforeActionsPlanStore: 'of which inside PlanStore calls (their wall time)',
  actions: 'first action → last action (the moves)',
  afterActions: 'last action → last call (journal, final record, audit, lease release, audit copy, hand-over)',
  untilSucceeded: 'from delivery until its record reads succeeded',
};

/** Per plan: its calls (PlanStore calls keyed by plan, storage calls by case) split at the first and last action. */
function splitByPhase(calls: readonly Call[], caseOfPlan: ReadonlyMap<string, string>, t0: number): PlanPhases[] {
  const planOfCase = new Map([...caseOfPlan].map(([planId, caseName]) => [caseName, planId]));
  const byPlan = new Map<string, Call[]>();
  for (const call of calls) {
    const planId = call.port === 'plans' ? call.key : planOfCase.get(call.key ?? '');
    if (planId === undefined || !caseOfPlan.has(planId)) continue;
    byPlan.set(planId, [...(byPlan.get(planId) ?? []), call]);
  }
  return [...byPlan.values()].map((planCalls) => {
    const isAction = (call: Call) => call.port === 'objects' && call.method !== 'list' && call.method !== 'write';
    const actions = planCalls.filter(isAction);
    const firstCall = Math.min(...planCalls.map((call) => call.start));
    const lastCall = Math.max(...planCalls.map((call) => call.end));
    const firstAction = Math.min(...actions.map((call) => call.start));
    const lastAction = Math.max(...actions.map((call) => call.end));
    const before = planCalls.filter((call) => call.port === 'plans' && call.end <= firstAction);
    const finalWrite = planCalls
      .filter((call) => call.method === 'updatePlan')
      .sort((a, b) => a.end - b.end)
      .at(-1);
    return {
      untilFirstCall: firstCall - t0,
      beforeActions: firstAction - firstCall,
      beforeActionsPlanStore: wallMs(before),
      actions: lastAction - firstAction,
      afterActions: lastCall - lastAction,
      untilSucceeded: (finalWrite?.end ?? lastCall) - t0,
    };
  });
}

/** The plan a PlanStore call is about: its id, a lease's or request's plan, or the first audit event's. */
function planKey(_method: string, args: unknown[]): string | undefined {
  const [first] = args;
  if (typeof first === 'string') return first;
  if (Array.isArray(first)) return (first[0] as { planId?: string } | undefined)?.planId;
  if (first && typeof first === 'object' && 'planId' in first) return (first as { planId: string }).planId;
  return undefined;
}

/** The case a storage call is about, from the object name or prefix (`projects/<case>/…`). */
function caseKey(_method: string, args: unknown[]): string | undefined {
  const [first] = args;
  return typeof first === 'string' ? /^projects\/([^/]+)\//.exec(first)?.[1] : undefined;
}

/** `plans.appendAudit 40 × 35 ms (210)`, …, slowest median first. */
function medianCallTimes(calls: readonly Call[]): string {
  const byMethod = new Map<string, number[]>();
  for (const call of calls) {
    const name = `${call.port}.${call.method}`;
    byMethod.set(name, [...(byMethod.get(name) ?? []), call.end - call.start]);
  }
  return [...byMethod]
    .map(([name, ms]) => ({ name, ms, median: median(ms) }))
    .sort((a, b) => b.median - a.median)
    .map(({ name, ms, median: m }) => `${name} ${ms.length} × ${formatSig(m)} ms (${formatSig(Math.max(...ms))})`)
    .join(', ');
}
