/**
 * Fault tests for execution: crashes at every storage call, duplicate and concurrent
 * deliveries, two plans on one case, a workspace edited between approval and apply or while a
 * plan runs, continuations, and rollback. Each checks the final workspace object by object,
 * by content hash, on the embedded adapters and on the Google Cloud emulators.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Operation } from '../../shared/domain/plan.ts';
import { ALL_BACKENDS, type TestBackend } from '../support/backends.ts';
import { FaultyObjectStore } from '../support/faulty-store.ts';
import { admin, agent, applyAndRun, approver, drain, proposeApproved, seed, snapshot, wire, type Wiring } from '../support/scenario.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';
import { auditCopiesPrefix } from '../../shared/domain/paths.ts';

const CASE = 'smith-v-jones';

/** Twenty files in four folders, some with equal content (checksums must not confuse moves). */
function initialFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i += 1) files[`intake/batch${i % 4}/scan-${i}.pdf`] = `scan ${i % 7} ${'x'.repeat(i * 13)}`;
  files['notes/old-draft.docx'] = 'draft v1';
  files['notes/keep.txt'] = 'keep me';
  return files;
}

/** A 50-operation plan touching every kind of action, with later operations depending on earlier ones. */
function fiftyOperations(): Operation[] {
  const operations: Operation[] = [{ type: 'create_dir', destination: 'Medical Records' }];
  for (let i = 0; i < 16; i += 1) {
    operations.push({
      type: 'move',
      source: `intake/batch${i % 4}/scan-${i}.pdf`,
      destination: `Medical Records/Provider${i % 3}/scan-${i}.pdf`,
      overwrite: false,
    });
  }
  for (let i = 0; i < 12; i += 1) {
    operations.push({ type: 'write_file', destination: `Reports/report-${i}.md`, content: `report ${i}`, encoding: 'utf8', overwrite: false });
  }
  for (let i = 0; i < 8; i += 1) {
    operations.push({ type: 'copy', source: `Medical Records/Provider${i % 3}/scan-${i}.pdf`, destination: `Copies/scan-${i}.pdf`, overwrite: false });
  }
  for (let i = 0; i < 6; i += 1) {
    operations.push({ type: 'move', source: `Reports/report-${i}.md`, destination: `Reports/final/report-${i}.md`, overwrite: false });
  }
  operations.push({ type: 'write_file', destination: 'notes/old-draft.docx', content: 'draft v2', encoding: 'utf8', overwrite: true });
  operations.push({ type: 'delete', source: 'notes/keep.txt' });
  operations.push({ type: 'move', source: 'intake/batch0/', destination: 'Archive/batch0', overwrite: false });
  operations.push({ type: 'delete', source: 'intake/batch1/' });
  for (let i = 0; operations.length < 50; i += 1) {
    operations.push({ type: 'copy', source: `Copies/scan-${i}.pdf`, destination: `Copies/again/scan-${i}.pdf`, overwrite: false });
  }
  return operations;
}

for (const factory of ALL_BACKENDS) {
  describe(`execution faults on ${factory.name}`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await factory.make();
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('applies a 50-operation plan and records a valid audit chain', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, CASE, initialFiles());
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
      const result = await applyAndRun(wiring, agent, planId);
      expect(result.plan.status).toBe('succeeded');
      const after = await snapshot(backend.objects, CASE);
      expect(after.has('Medical Records/Provider0/scan-0.pdf')).toBe(true);
      expect(after.has('intake/batch0/scan-16.pdf')).toBe(false);
      expect(after.has('Archive/batch0/scan-16.pdf')).toBe(true);
      expect(after.has('notes/keep.txt')).toBe(false);
      expect([...after.keys()].some((path) => path.startsWith('intake/batch1/'))).toBe(false);
      const verification = await wiring.service.verifyAudit(admin);
      expect(verification).toMatchObject({ ok: true });
      expect((await backend.objects.list(auditCopiesPrefix(CASE, planId))).objects).toHaveLength(1);
      const backups = await backend.objects.list(`.bailiff/backups/${planId}/`);
      expect(backups.objects.map((object) => object.name.replace(/^.*?\/\d+\//, ''))).toContain(`projects/${CASE}/notes/keep.txt`);
    });

    it('loses and duplicates nothing when the executor crashes at any storage call', { timeout: 600_000 }, async () => {
      // The crash-free run fixes the expected final workspace and the number of storage calls.
      const reference = await factory.make();
      let expected: Map<string, string>;
      let expectedUndo: string;
      let totalCalls: number;
      try {
        const faulty = new FaultyObjectStore(reference.objects);
        const wiring = wire(reference, { executorObjects: faulty });
        await seed(reference.objects, CASE, initialFiles());
        const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
        faulty.calls = 0;
        expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
        totalCalls = faulty.calls;
        expected = await snapshot(reference.objects, CASE);
        expectedUndo = await undoOf(wiring, reference.plans, planId);
      } finally {
        await reference.cleanup();
      }
      // Every call on the embedded store, every other one on fake-gcs-server, every ninth on the
      // testbench: its Python server takes seconds per crash point where fake-gcs-server takes
      // a fraction of one, and the broad sweep stays with fake-gcs-server. The testbench's
      // sample still meets every kind of action with every precondition enforced.
      const step = { embedded: 1, 'gcp-emulators': 2, 'gcp-testbench': 9 }[factory.name] ?? 1;
      let tried = 0;
      for (let crashAt = 1; crashAt <= totalCalls; crashAt += step) {
        const run = await factory.make();
        try {
          const faulty = new FaultyObjectStore(run.objects);
          const wiring = wire(run, { executorObjects: faulty });
          await seed(run.objects, CASE, initialFiles());
          const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
          await wiring.service.apply(agent, planId);
          const [message] = wiring.queue.take();
          faulty.crashAtCall(crashAt, crashAt % 2 === 0);
          await expect(wiring.executor.handle(message!)).rejects.toThrow(/simulated crash/);
          faulty.revive();
          // The crashed holder may not have released its lease: let it expire, then redeliver.
          wiring.clock.advance(60_000);
          await wiring.executor.handle(message!, { attempt: 2 });
          await drain(wiring);
          const final = await wiring.service.get(agent, planId);
          expect(`${final.plan.status} ${final.execution?.lastError ?? ''}`, `crash at call ${crashAt}`).toBe('succeeded ');
          expect(await snapshot(run.objects, CASE), `crash at call ${crashAt}`).toEqual(expected);
          expect((await run.objects.list(auditCopiesPrefix(CASE, planId))).objects, `crash at call ${crashAt}: audit file`).toHaveLength(1);
          // What the crash-free run would undo, this one undoes too: an action redone after the
          // crash still records the backup its first attempt made, or its rollback would delete
          // the file instead of restoring what the plan replaced.
          expect(await undoOf(wiring, run.plans, planId), `crash at call ${crashAt}: rollback`).toBe(expectedUndo);
          tried += 1;
        } finally {
          await run.cleanup();
        }
      }
      expect(tried).toBe(Math.ceil(totalCalls / step));
      // At least one crash point per operation of the plan, whatever the store.
      expect(tried).toBeGreaterThan(50 / step);
      console.info(`[crash test] ${factory.name}: ${tried} crash points over ${totalCalls} storage calls, 0 objects lost or duplicated`);
    });

    it('acts once when the same message is delivered three times at once', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, CASE, initialFiles());
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      const outcomes = await Promise.all([1, 2, 3].map(() => wiring.executor.handle(message!)));
      expect(outcomes.filter((outcome) => outcome === 'finished')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome !== 'finished').every((outcome) => outcome === 'duplicate' || outcome === 'ignored')).toBe(true);
      const journal = await backend.plans.readJournal(planId, 0, 10_000);
      const done = journal.filter((entry) => entry.outcome === 'done').map((entry) => entry.action);
      expect(new Set(done).size).toBe(done.length);
      expect((await wiring.service.get(agent, planId)).plan.status).toBe('succeeded');
    });

    it('runs two plans for one case one after the other, never interleaved', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty });
      await seed(backend.objects, CASE, initialFiles());
      const first = await proposeApproved(wiring, { case: CASE, description: 'first', operations: fiftyOperations().slice(0, 20) });
      const second = await proposeApproved(wiring, {
        case: CASE,
        description: 'second',
        operations: [{ type: 'write_file', destination: 'Reports/second.md', content: 'two' }],
      });
      await wiring.service.apply(agent, first);
      await wiring.service.apply(agent, second);
      const [firstMessage, secondMessage] = wiring.queue.take();
      // The second plan's request arrives while the first holds the case (at its first storage call).
      let secondOutcome: string | undefined;
      faulty.calls = 0;
      faulty.onCall(1, async () => {
        secondOutcome = await wiring.executor.handle(secondMessage!);
      });
      expect(await wiring.executor.handle(firstMessage!)).toBe('finished');
      expect(secondOutcome).toBe('waiting');
      expect((await wiring.service.get(agent, second)).plan.status).toBe('queued');
      // The first plan's hand-over wakes the second.
      await drain(wiring);
      expect((await wiring.service.get(agent, first)).plan.status).toBe('succeeded');
      expect((await wiring.service.get(agent, second)).plan.status).toBe('succeeded');
      const chain = await backend.plans.readAuditChain(CASE, 0, 10_000);
      const spans = [first, second].map((id) => {
        const seqs = chain
          .filter((record) => record.planId === id && (record.type === 'plan.running' || record.type === 'plan.succeeded'))
          .map((record) => record.seq);
        return [Math.min(...seqs), Math.max(...seqs)] as const;
      });
      const [a, b] = spans as [readonly [number, number], readonly [number, number]];
      expect(a[1] < b[0] || b[1] < a[0]).toBe(true);
    });

    it('fails a plan whose objects changed after approval, keeping the new data and changing nothing', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, CASE, initialFiles());
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
      await backend.objects.write(`projects/${CASE}/intake/batch2/scan-6.pdf`, Buffer.from('edited by a person'));
      await backend.objects.write(`projects/${CASE}/intake/batch0/new-arrival.pdf`, Buffer.from('added under a folder being moved'));
      const before = await snapshot(backend.objects, CASE);
      const result = await applyAndRun(wiring, agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.lastError).toMatch(/stale: .*scan-6\.pdf/);
      const audit = await wiring.service.auditTrail(agent, planId);
      const stale = audit.find((record) => record.type === 'execution.stale');
      expect(JSON.stringify(stale?.data)).toContain('new-arrival.pdf');
      expect(await snapshot(backend.objects, CASE)).toEqual(before);
    });

    it('compensates a plan that meets a change while running (onError: rollback)', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1 } });
      await seed(backend.objects, CASE, initialFiles());
      const before = await snapshot(backend.objects, CASE);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations(), onError: 'rollback' });
      // A person edits a file the plan reaches late, after the preflight check has passed.
      faulty.calls = 0;
      faulty.onCall(60, async () => {
        await backend.objects.write(`projects/${CASE}/notes/keep.txt`, Buffer.from('edited while the plan ran'));
      });
      const result = await applyAndRun(wiring, agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.compensated).toBe(true);
      const after = await snapshot(backend.objects, CASE);
      const expected = new Map(before);
      expected.set('notes/keep.txt', (await snapshotOne(backend, 'notes/keep.txt'))!);
      expect(after).toEqual(expected);
      expect((await backend.objects.read(`projects/${CASE}/notes/keep.txt`)).toString()).toBe('edited while the plan ran');
    });

    it('still stops, and compensates, when it crashed after journaling a stale action', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1 } });
      await seed(backend.objects, CASE, initialFiles());
      const before = await snapshot(backend.objects, CASE);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations(), onError: 'rollback' });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      faulty.calls = 0;
      faulty.onCall(60, async () => {
        await backend.objects.write(`projects/${CASE}/notes/keep.txt`, Buffer.from('edited while the plan ran'));
        // The stale outcome gets journaled; the process dies when compensation starts listing.
        faulty.crashOnNext('list');
      });
      await expect(wiring.executor.handle(message!)).rejects.toThrow(/simulated crash/);
      faulty.revive();
      wiring.clock.advance(60_000);
      expect(await wiring.executor.handle(message!, { attempt: 2 })).toBe('finished');
      const result = await wiring.service.get(agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.compensated).toBe(true);
      const expected = new Map(before);
      expected.delete('notes/keep.txt');
      const after = await snapshot(backend.objects, CASE);
      after.delete('notes/keep.txt');
      expect(after).toEqual(expected);
      expect((await backend.objects.read(`projects/${CASE}/notes/keep.txt`)).toString()).toBe('edited while the plan ran');
    });

    it('continues across invocations when the time budget runs out', async () => {
      const wiring = wire(backend, { executor: { budgetMs: 0, journalBatch: 8 } });
      await seed(backend.objects, CASE, initialFiles());
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
      const result = await applyAndRun(wiring, agent, planId);
      expect(result.plan.status).toBe('succeeded');
      expect(result.execution!.attempt).toBeGreaterThan(3);
      const audit = await wiring.service.auditTrail(agent, planId);
      expect(audit.filter((record) => record.type === 'plan.resumed').length).toBeGreaterThan(2);
    });

    it('rolls back a succeeded plan, and rolls back the rollback', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, CASE, initialFiles());
      const before = await snapshot(backend.objects, CASE);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
      expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
      const afterPlan = await snapshot(backend.objects, CASE);

      const rollback = await wiring.service.rollback(agent, planId);
      expect(rollback.report.errors).toEqual([]);
      expect(rollback.plan.kind).toBe('rollback');
      await wiring.service.approve(approver, rollback.plan.id, { planHash: rollback.plan.planHash, snapshotHash: rollback.report.snapshotHash });
      expect((await applyAndRun(wiring, agent, rollback.plan.id)).plan.status).toBe('succeeded');
      expect(await snapshot(backend.objects, CASE)).toEqual(before);
      expect((await wiring.service.get(agent, planId)).plan.status).toBe('rolled_back');

      const redo = await wiring.service.rollback(agent, rollback.plan.id);
      expect(redo.report.errors).toEqual([]);
      await wiring.service.approve(approver, redo.plan.id, { planHash: redo.plan.planHash, snapshotHash: redo.report.snapshotHash });
      expect((await applyAndRun(wiring, agent, redo.plan.id)).plan.status).toBe('succeeded');
      expect(await snapshot(backend.objects, CASE)).toEqual(afterPlan);
    });

    it('gives the same result with 32 actions at a time as with one', async () => {
      const results: Array<Map<string, string>> = [];
      for (const concurrency of [1, 32]) {
        const run = await factory.make();
        try {
          const wiring = wire(run, { executor: { concurrency } });
          await seed(run.objects, CASE, initialFiles());
          const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations() });
          expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
          results.push(await snapshot(run.objects, CASE));
        } finally {
          await run.cleanup();
        }
      }
      expect(results[1]).toEqual(results[0]);
    });

    it('lets an admin release a stuck lease, audited, after which the plan resumes', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, CASE, initialFiles());
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations().slice(0, 10) });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      // A holder that died without releasing: its lease would block the case until it expired.
      await backend.plans.acquireLease({ case: CASE, planId: 'pln_0000000000dead', owner: 'dead/x#y', ttlMs: 3600_000, now: wiring.clock.now() });
      expect(await wiring.executor.handle(message!)).toBe('waiting');
      const released = await wiring.service.releaseLease(admin, CASE);
      expect(released.released?.owner).toBe('dead/x#y');
      const chain = await backend.plans.readAuditChain(CASE, 0, 1000);
      expect(chain.find((record) => record.type === 'lease.force_released')).toMatchObject({ actor: admin.id, planId: 'pln_0000000000dead' });
      expect(await wiring.executor.handle(message!)).toBe('finished');
      expect((await wiring.service.get(agent, planId)).plan.status).toBe('succeeded');
    });

    it('rolls back a plan that stopped part way', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1 } });
      await seed(backend.objects, CASE, initialFiles());
      const before = await snapshot(backend.objects, CASE);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reorganise', operations: fiftyOperations(), onError: 'stop' });
      faulty.calls = 0;
      faulty.onCall(70, async () => {
        await backend.objects.delete(`projects/${CASE}/notes/keep.txt`);
      });
      const result = await applyAndRun(wiring, agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution!.done).toBeGreaterThan(5);
      const rollback = await wiring.service.rollback(agent, planId);
      await wiring.service.approve(approver, rollback.plan.id, { planHash: rollback.plan.planHash, snapshotHash: rollback.report.snapshotHash });
      expect((await applyAndRun(wiring, agent, rollback.plan.id)).plan.status).toBe('succeeded');
      const expected = new Map(before);
      expected.delete('notes/keep.txt');
      expect(await snapshot(backend.objects, CASE)).toEqual(expected);
    });
  });
}

/** The rollback a plan would get, as operations with the plan's own id taken out (backup names carry it). */
async function undoOf(wiring: Wiring, plans: PlanStore, planId: string): Promise<string> {
  const rollback = await wiring.service.rollback(agent, planId);
  expect(rollback.report.errors).toEqual([]);
  const operations = await plans.readOperations(rollback.plan.id, 0, 1000);
  return JSON.stringify(operations).replaceAll(planId, '<plan>');
}

async function snapshotOne(backend: TestBackend, path: string): Promise<string | undefined> {
  return (await snapshot(backend.objects, CASE)).get(path);
}
