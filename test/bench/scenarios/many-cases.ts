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
import { CallTimeline } from '../lib/call-timeline.ts';
import type { BenchContext } from '../lib/context.ts';
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
    const storage: Storage = createGcsStorage({ apiEndpoint: proxy.url, projectId: 'bailiff-bench' });
    const bucketName = `bench-s11-${Date.now().toString(36)}`;
    await ctx.gcs.storage.createBucket(bucketName);
    const direct = ctx.gcs.storage.bucket(bucketName);
    const store = new FirestorePlanStore({ firestore: ctx.firestore, collectionPrefix: 'bench_s11' });
    const aggregate: number[] = [];
    const raw: number[] = [];
    const waits: number[] = [];
    const finishes: number[] = [];
    for (let run = 0; run < ctx.runs; run += 1) {
      const tag = `r${run}-${Date.now().toString(36)}`;
      const cases = Array.from({ length: plans }, (_, i) => `s11-${tag}-c${String(i).padStart(2, '0')}`);
      // Bailiff: propose, approve and apply every plan (untimed), then deliver all messages at once.
      for (const caseName of cases) await seedBucket(direct, `projects/${caseName}/`, files);
      const timeline = new CallTimeline();
      const plansPort = timeline.wrap('plans', store);
      const objects = new GcsObjectStore({ storage, bucket: bucketName });
      const executors: Bailiff[] = Array.from({ length: instances }, () => wireBailiff({ objects, plans: plansPort }, { concurrency: PER_PLAN_CONCURRENCY, maxConcurrency: PER_PLAN_CONCURRENCY }));
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
            for (let guard = 0; executor.queue.messages.length > 0 && guard < 1000; guard += 1) await executor.executor.handle(executor.queue.messages.shift()!, { attempt: 1 });
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
      log(`s11 run ${run + 1}/${ctx.runs}: Bailiff ${(ms / 1000).toFixed(2)} s, raw ${(rawMs / 1000).toFixed(2)} s; slowest lease wait ${formatSig(waits.at(-1)!)} ms`);
    }
    const total = plans * moves;
    addRow(ctx.results, { scenario: SCENARIO, name: `Bailiff, ${instances} executor instances, ${plans} plans at once: moves/s (aggregate)`, unit: 'moves/s', samples: aggregate.map((ms) => (total / ms) * 1000), extra: { seconds: median(aggregate) / 1000 } });
    addRow(ctx.results, { scenario: SCENARIO, name: `raw copy+delete, ${plans * PER_PLAN_CONCURRENCY} at a time: moves/s`, unit: 'moves/s', samples: raw.map((ms) => (total / ms) * 1000), extra: { seconds: median(raw) / 1000 } });
    addRow(ctx.results, { scenario: SCENARIO, name: 'slowest wait from the start until a plan holds its case (per run)', unit: 'ms', samples: waits });
    addRow(ctx.results, { scenario: SCENARIO, name: 'plan finish time from the start, all plans', unit: 'ms', samples: finishes, extra: { p50: percentile(finishes, 50), p95: percentile(finishes, 95), max: Math.max(...finishes) } });
    const share = addRatio(ctx.results, { scenario: SCENARIO, name: 'aggregate throughput Bailiff ÷ raw calls at the same total concurrency', samples: aggregate.map((ms, run) => raw[run]! / ms) });
    addTarget(ctx.results, `Many cases at once: aggregate ≥ 80% of raw calls at the same total concurrency (${plans} plans × ${moves} moves)`, share.median * 100, '>=', 80, '%');
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
