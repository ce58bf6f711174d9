/**
 * No plan stays `queued` or `running` forever: the execution sweep re-queues a plan that no live
 * lease holds and that made no progress for a lease's lifetime (its message lost after a
 * hand-over, or its holder dead), audited `plan.requeued`, and the plan then finishes with
 * nothing lost; it leaves alone a plan whose execution is alive or waits for another's; and it
 * fails, with the reason, a plan whose execution request was dead-lettered. On the embedded
 * adapters and on the Google Cloud emulators; the Pub/Sub dead-letter adapter on the emulator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessExecutionQueue } from '../../shared/adapters/local/in-process-queue.ts';
import { PubSubDeadLetters } from '../../shared/adapters/gcp/pubsub-dead-letters.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { DeadLetters } from '../../shared/ports/dead-letters.ts';
import { AuditCopies } from '../../shared/services/audit-copies.ts';
import { verifyAuditTrail } from '../../shared/services/audit-verifier.ts';
import { ExecutionSweep } from '../../shared/services/execution-sweep.ts';
import { embeddedBackend, type BackendFactory, type TestBackend } from '../support/backends.ts';
import { agent, drain, proposeApproved, seed, snapshot, wire, type Wiring } from '../support/scenario.ts';

const CASE = 'sweep-v-stall';
const LEASE_TTL_MS = 30_000;
const FILES = 12;

const files = Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`intake/f${i}.pdf`, `scan ${i}`]));
const operations = Array.from({ length: FILES }, (_, i) => ({ type: 'move', source: `intake/f${i}.pdf`, destination: `sorted/f${i}.pdf` }));

function sweepOf(backend: TestBackend, wiring: Wiring, deadLetters?: DeadLetters): ExecutionSweep {
  return new ExecutionSweep({
    plans: backend.plans,
    queue: wiring.queue,
    ...(deadLetters ? { deadLetters } : {}),
    auditCopies: new AuditCopies(backend.plans, backend.objects),
    clock: wiring.clock,
    logger: silentLogger,
    options: { leaseTtlMs: LEASE_TTL_MS },
  });
}

/** A queue whose every delivery fails, so a request is dead-lettered at its first attempt (the embedded adapter). */
function deadLetteringQueue(): InProcessExecutionQueue {
  const queue = new InProcessExecutionQueue({ maxAttempts: 1 });
  queue.subscribe(async () => {
    throw new Error('the executor crashed on this request');
  });
  return queue;
}

/**
 * The sweep's questions are the PlanStore's (plans by status, leases, audit): Firestore on its
 * emulator, with the workspace in a temporary directory, so no storage emulator is needed.
 */
const firestoreBackend: BackendFactory = {
  name: 'the Firestore emulator',
  async make() {
    if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error('FIRESTORE_EMULATOR_HOST is not set: the global setup did not start the Firestore emulator');
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-sweep-'));
    const firestore = new Firestore({ projectId: `bailiff-${randomBytes(5).toString('hex')}`, ignoreUndefinedProperties: true });
    return {
      objects: new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'object-metadata') }),
      plans: new FirestorePlanStore({ firestore }),
      async tamperAuditRecord() {
        throw new Error('not used here');
      },
      async cleanup() {
        await firestore.terminate();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

for (const factory of [embeddedBackend, firestoreBackend]) {
  describe(`the execution sweep on ${factory.name}`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await factory.make();
      await seed(backend.objects, CASE, files);
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('re-queues a running plan whose continuation was lost, once it has been quiet for a lease lifetime, and the plan finishes with nothing lost', async () => {
      // Budget 0: the executor hands over after each batch, publishing a continuation.
      const wiring = wire(backend, { executor: { budgetMs: 0, journalBatch: 3, leaseTtlMs: LEASE_TTL_MS } });
      const sweep = sweepOf(backend, wiring);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'file the intake', operations });
      await wiring.service.apply(agent, planId);
      for (const message of wiring.queue.take()) await wiring.executor.handle(message);
      // The continuation is lost: the plan is running with no message and no lease.
      expect(wiring.queue.take()).toHaveLength(1);
      expect((await backend.plans.getPlan(planId))?.status).toBe('running');
      expect(await backend.plans.getLease(CASE)).toBeUndefined();

      // Quiet for less than a lease's lifetime: its message may still be on its way.
      wiring.clock.advance(LEASE_TTL_MS - 1000);
      expect(await sweep.run()).toEqual({ requeued: [], failed: [] });
      expect(wiring.queue.messages).toEqual([]);

      wiring.clock.advance(2000);
      expect(await sweep.run()).toEqual({ requeued: [planId], failed: [] });
      const audit = await backend.plans.readPlanAudit(planId);
      const requeued = audit.filter((record) => record.type === 'plan.requeued');
      expect(requeued).toHaveLength(1);
      expect(requeued[0]!.data.reason).toMatch(/no execution holds the case/);

      await drain(wiring);
      const plan = await backend.plans.getPlan(planId);
      expect(`${plan?.status} ${plan?.execution?.lastError ?? ''}`).toBe('succeeded ');
      expect([...(await snapshot(backend.objects, CASE)).keys()]).toEqual(Array.from({ length: FILES }, (_, i) => `sorted/f${i}.pdf`).sort());
      // Finished: the next sweep has nothing to do.
      wiring.clock.advance(LEASE_TTL_MS * 2);
      expect(await sweep.run()).toEqual({ requeued: [], failed: [] });
      expect((await verifyAuditTrail(backend.plans, backend.objects)).ok).toBe(true);
    });

    it("leaves a plan alone while its holder's lease lives, re-queues it once that lease has expired, and the executor takes it over", async () => {
      const wiring = wire(backend, { executor: { leaseTtlMs: LEASE_TTL_MS } });
      const sweep = sweepOf(backend, wiring);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'file the intake', operations });
      await wiring.service.apply(agent, planId);
      // A holder that took the case and died before doing anything; its message is gone too.
      wiring.queue.take();
      const dead = await backend.plans.acquireLease({ case: CASE, planId, owner: `${planId}/lost#dead`, ttlMs: LEASE_TTL_MS, now: wiring.clock.now() });
      expect(dead.acquired).toBe(true);
      wiring.clock.advance(LEASE_TTL_MS - 1000);
      expect((await sweep.run()).requeued).toEqual([]);
      wiring.clock.advance(LEASE_TTL_MS);
      expect((await sweep.run()).requeued).toEqual([planId]);
      const record = (await backend.plans.readPlanAudit(planId)).find((candidate) => candidate.type === 'plan.requeued');
      expect(record?.data.expiredLease).toMatchObject({ owner: `${planId}/lost#dead` });
      await drain(wiring);
      expect((await backend.plans.getPlan(planId))?.status).toBe('succeeded');
      expect((await backend.plans.readPlanAudit(planId)).map((candidate) => candidate.type)).toContain('lease.taken_over');
    });

    it('leaves a queued plan waiting for the plan that holds its case', async () => {
      const wiring = wire(backend, { executor: { leaseTtlMs: LEASE_TTL_MS } });
      const sweep = sweepOf(backend, wiring);
      const first = await proposeApproved(wiring, { case: CASE, description: 'first half', operations: operations.slice(0, 6) });
      const second = await proposeApproved(wiring, { case: CASE, description: 'second half', operations: operations.slice(6) });
      await wiring.service.apply(agent, first);
      await wiring.service.apply(agent, second);
      wiring.queue.take();
      // The first plan's execution is alive: it renews its lease.
      const live = await backend.plans.acquireLease({ case: CASE, planId: first, owner: `${first}/m#live`, ttlMs: LEASE_TTL_MS, now: wiring.clock.now() });
      expect(live.acquired).toBe(true);
      wiring.clock.advance(LEASE_TTL_MS * 2);
      if (live.acquired) await backend.plans.renewLease(live.lease, LEASE_TTL_MS, wiring.clock.now());
      expect(await sweep.run()).toEqual({ requeued: [], failed: [] });
    });

    it('fails a plan whose execution request was dead-lettered, with the reason, audited, with its audit copy; a dead letter of a live execution is only acknowledged', async () => {
      const wiring = wire(backend, { executor: { leaseTtlMs: LEASE_TTL_MS } });
      const deadLetters = deadLetteringQueue();
      const sweep = sweepOf(backend, wiring, deadLetters);
      const doomed = await proposeApproved(wiring, { case: CASE, description: 'crashes its executor', operations: operations.slice(0, 6) });
      await wiring.service.apply(agent, doomed);
      for (const message of wiring.queue.take()) await deadLetters.publish(message);
      await deadLetters.idle();
      expect(await deadLetters.pull(10)).toHaveLength(1);

      expect(await sweep.run()).toEqual({ requeued: [], failed: [doomed] });
      const plan = await backend.plans.getPlan(doomed);
      expect(plan?.status).toBe('failed');
      expect(plan?.execution?.lastError).toMatch(/dead-lettered after 1 failed delivery attempts/);
      const failed = (await backend.plans.readPlanAudit(doomed)).find((record) => record.type === 'plan.failed');
      expect(failed?.data).toMatchObject({ deadLettered: true });
      expect(await deadLetters.pull(10)).toEqual([]);
      expect(await new AuditCopies(backend.plans, backend.objects).exists(plan!)).toBe(true);
      expect((await verifyAuditTrail(backend.plans, backend.objects)).ok).toBe(true);
      // Nothing was changed in the case.
      expect([...(await snapshot(backend.objects, CASE)).keys()]).toEqual(Object.keys(files).sort());

      // A dead letter whose plan is running under a live lease (another delivery carries it): acknowledged only.
      const alive = await proposeApproved(wiring, { case: CASE, description: 'runs elsewhere', operations: operations.slice(6) });
      await wiring.service.apply(agent, alive);
      for (const message of wiring.queue.take()) await deadLetters.publish(message);
      await deadLetters.idle();
      const lease = await backend.plans.acquireLease({ case: CASE, planId: alive, owner: `${alive}/m#live`, ttlMs: LEASE_TTL_MS, now: wiring.clock.now() });
      expect(lease.acquired).toBe(true);
      expect(await sweep.run()).toEqual({ requeued: [], failed: [] });
      expect((await backend.plans.getPlan(alive))?.status).toBe('queued');
      expect(await deadLetters.pull(10)).toEqual([]);
      await deadLetters.close();
    });
  });
}

describe('dead letters on the Pub/Sub emulator', () => {
  it('pulls parked execution requests with their delivery count, reports a foreign body as such, and forgets what is acknowledged', async () => {
    if (!process.env.PUBSUB_EMULATOR_HOST) throw new Error('PUBSUB_EMULATOR_HOST is not set: the global setup did not start the Pub/Sub emulator');
    const projectId = `bailiff-dl-${randomBytes(4).toString('hex')}`;
    const pubsub = new PubSub({ projectId });
    const [topic] = await pubsub.createTopic('executions-dead-letter');
    await topic.createSubscription('executions-dead-letter');
    const deadLetters = new PubSubDeadLetters({ pubsub, projectId, subscription: 'executions-dead-letter' });
    try {
      expect(await deadLetters.pull(10)).toEqual([]);
      // What Pub/Sub forwards to a dead-letter topic: the original body, with the delivery count added.
      await topic.publishMessage({
        data: Buffer.from(JSON.stringify({ version: 1, planId: 'pln_dead', reason: 'apply', attempt: 1 })),
        attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '10' },
      });
      await topic.publishMessage({ data: Buffer.from('not json') });
      const letters: Awaited<ReturnType<typeof deadLetters.pull>> = [];
      for (let i = 0; i < 20 && letters.length < 2; i += 1) letters.push(...(await deadLetters.pull(10)));
      const parsed = letters.find((letter) => letter.message);
      expect(parsed?.message).toEqual({ version: 1, planId: 'pln_dead', reason: 'apply', attempt: 1 });
      expect(parsed?.deliveryAttempts).toBe(10);
      expect(letters.filter((letter) => !letter.message)).toHaveLength(1);
      for (const letter of letters) await letter.ack();
      expect(await deadLetters.pull(10)).toEqual([]);
    } finally {
      await deadLetters.close();
      await pubsub.close();
    }
  });
});
