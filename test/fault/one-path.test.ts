/**
 * One path for every change to the workspace: compensation runs through the same executor as
 * any plan (preconditions, backups, journal) and never undoes a person's edit; the current
 * policy is enforced when a plan is applied and when its execution starts; a permanent failure
 * ends the plan `failed`, audited, with its lease released; scoped principals get full pages.
 * Each on the embedded adapters and on the Google Cloud emulators.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policySchema } from '../../shared/domain/policy.ts';
import { type BailiffError, isBailiffError } from '../../shared/errors.ts';
import type { Principal } from '../../shared/ports/identity.ts';
import { ALL_BACKENDS, type TestBackend } from '../support/backends.ts';
import { FaultyObjectStore } from '../support/faulty-store.ts';
import { agent, drain, proposeApproved, seed, snapshot, wire } from '../support/scenario.ts';

const CASE = 'doe-v-acme';
const full = (path: string) => `projects/${CASE}/${path}`;

const strictPolicy = policySchema.parse({
  version: 'stricter',
  protectedPaths: [{ pattern: '*/Filed/**', reason: 'legal hold' }],
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

for (const factory of ALL_BACKENDS) {
  describe(`one path for every change on ${factory.name}`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await factory.make();
      await seed(backend.objects, CASE, { 'intake/a.pdf': 'scan a', 'notes/keep.txt': 'keep me', 'notes/old.txt': 'old text' });
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it("compensation keeps a person's edit to an object the plan wrote, reports it, and backs up what it removes", async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1 } });
      const planId = await proposeApproved(wiring, {
        case: CASE,
        description: 'file the intake',
        onError: 'rollback',
        operations: [
          { type: 'write_file', destination: 'Reports/new.md', content: 'plan text' },
          { type: 'write_file', destination: 'Reports/other.md', content: 'other plan text' },
          { type: 'write_file', destination: 'notes/old.txt', content: 'new text', overwrite: true },
          { type: 'move', source: 'intake/a.pdf', destination: 'Filed/a.pdf' },
          { type: 'delete', source: 'notes/keep.txt' },
        ],
      });
      // While the plan runs, a person edits the report the plan just wrote, and the file the
      // plan is about to delete: the delete goes stale and the plan compensates. The edit lands
      // just before the delete's first storage call: its backup copy, or its look at the file
      // on a store that ignores copy preconditions (fake-gcs-server).
      let edited = false;
      const personEdits = async () => {
        if (edited) return;
        edited = true;
        await backend.objects.write(full('Reports/new.md'), Buffer.from("the person's text"));
        await backend.objects.write(full('notes/keep.txt'), Buffer.from('edited by a person'));
      };
      faulty.beforeFirst('copy', full('notes/keep.txt'), personEdits);
      faulty.beforeFirst('stat', full('notes/keep.txt'), personEdits);
      await wiring.service.apply(agent, planId);
      await drain(wiring);
      const result = await wiring.service.get(agent, planId);

      expect(result.plan.status).toBe('failed');
      expect(result.execution?.compensated).toBe(false);
      expect(result.execution?.needsAttention?.map((item) => item.path)).toEqual(['Reports/new.md']);
      expect((await backend.objects.read(full('Reports/new.md'))).toString()).toBe("the person's text");
      expect((await backend.objects.read(full('notes/keep.txt'))).toString()).toBe('edited by a person');
      // Everything else is undone.
      expect((await backend.objects.read(full('intake/a.pdf'))).toString()).toBe('scan a');
      expect((await backend.objects.read(full('notes/old.txt'))).toString()).toBe('old text');
      expect(await backend.objects.stat(full('Filed/a.pdf'))).toBeUndefined();
      expect(await backend.objects.stat(full('Reports/other.md'))).toBeUndefined();

      // The audit says the truth, and the compensation is a plan of its own, journaled and backed up.
      const audit = await wiring.service.auditTrail(agent, planId);
      const compensated = audit.find((record) => record.type === 'plan.compensated');
      expect(compensated?.data).toMatchObject({ ok: false });
      expect(JSON.stringify(compensated?.data)).toContain('Reports/new.md');
      const undoId = result.execution?.compensation;
      expect(undoId).toBeDefined();
      const undo = await wiring.service.get(agent, undoId!);
      expect(undo.plan.kind).toBe('compensation');
      expect(undo.plan.status).toBe('succeeded');
      const backups = await snapshotPrefix(backend, `.bailiff/backups/${undoId}/`);
      expect([...backups.values()]).toContain('other plan text');
      expect([...backups.values()]).toContain('new text');
      // The original's journal marks what was undone, so a later rollback only undoes the rest.
      const journal = await backend.plans.readJournal(planId, 0, 1000);
      const compensatedActions = journal
        .filter((entry) => entry.outcome === 'compensated')
        .map((entry) => entry.action)
        .sort();
      expect(compensatedActions).toEqual([1, 2, 3]);
    });

    it('refuses to apply a plan the current policy forbids, naming the rule, and audits it', async () => {
      const lenient = wire(backend);
      const planId = await proposeApproved(lenient, {
        case: CASE,
        description: 'file the intake',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Filed/a.pdf' }],
      });
      const strict = wire(backend, { policy: strictPolicy });
      const error = await caught(strict.service.apply(agent, planId));
      expect(isBailiffError(error, 'plan_invalid'), String(error)).toBe(true);
      expect(JSON.stringify((error as BailiffError).details)).toContain('legal hold');
      expect((await strict.service.get(agent, planId)).plan.status).toBe('approved');
      expect(strict.queue.messages).toHaveLength(0);
      const audit = await strict.service.auditTrail(agent, planId);
      expect(audit.find((record) => record.type === 'plan.policy_refused')?.data).toMatchObject({ policyVersion: 'stricter' });
    });

    it('refuses to start executing a queued plan the current policy forbids, changing nothing', async () => {
      const lenient = wire(backend);
      const planId = await proposeApproved(lenient, {
        case: CASE,
        description: 'file the intake',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Filed/a.pdf' }],
      });
      await lenient.service.apply(agent, planId);
      const [message] = lenient.queue.take();
      const before = await snapshot(backend.objects, CASE);
      const strict = wire(backend, { policy: strictPolicy });
      expect(await strict.executor.handle(message!)).toBe('finished');
      const result = await strict.service.get(agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.lastError).toMatch(/legal hold/);
      expect(await snapshot(backend.objects, CASE)).toEqual(before);
      const audit = await strict.service.auditTrail(agent, planId);
      expect(audit.find((record) => record.type === 'plan.policy_refused')).toBeDefined();
      expect(audit.find((record) => record.type === 'plan.failed')).toBeDefined();
    });

    it('ends a plan that fails permanently as failed, audited, with its lease released', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty });
      const planId = await proposeApproved(wiring, {
        case: CASE,
        description: 'file the intake',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Filed/a.pdf' }],
      });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      // A failure no redelivery can fix (a bug, a malformed record), outside any one action:
      // here in the check before the first mutation.
      faulty.beforeFirst('list', `projects/${CASE}/`, async () => {
        throw new TypeError('cannot read properties of undefined');
      });
      expect(await wiring.executor.handle(message!)).toBe('finished');
      const result = await wiring.service.get(agent, planId);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.lastError).toMatch(/cannot read properties of undefined/);
      expect(await backend.plans.getLease(CASE)).toBeUndefined();
      const audit = await wiring.service.auditTrail(agent, planId);
      expect(audit.find((record) => record.type === 'plan.failed')).toBeDefined();
      expect(audit.filter((record) => record.type === 'lease.released').map((record) => record.data.outcome)).toEqual(['failed']);
    });

    it('says a lease was released after an error, not that the plan finished', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty });
      const planId = await proposeApproved(wiring, {
        case: CASE,
        description: 'file the intake',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Filed/a.pdf' }],
      });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      // The move's one mutation: a rename on a store that has one, else the rewrite.
      faulty.crashOnNext(backend.objects.rename ? 'rename' : 'copy');
      await expect(wiring.executor.handle(message!)).rejects.toThrow(/simulated crash/);
      const audit = await wiring.service.auditTrail(agent, planId);
      expect(audit.filter((record) => record.type === 'lease.released').map((record) => record.data.outcome)).toEqual(['retry']);
      faulty.revive();
      expect(await wiring.executor.handle(message!, { attempt: 2, messageId: 'm' })).toBe('finished');
      expect((await wiring.service.get(agent, planId)).plan.status).toBe('succeeded');
    });

    it('hands a running plan over when the instance is told to stop: journaled, lease released, continued at once', async () => {
      const faulty = new FaultyObjectStore(backend.objects);
      const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1, journalBatch: 2 } });
      const operations = Array.from({ length: 8 }, (_, i) => ({ type: 'write_file', destination: `Reports/r${i}.md`, content: `report ${i}` }));
      const planId = await proposeApproved(wiring, { case: CASE, description: 'reports', operations });
      await wiring.service.apply(agent, planId);
      const [message] = wiring.queue.take();
      // SIGTERM arrives while the third report is being written.
      let stopped: Promise<void> | undefined;
      faulty.beforeFirst('write', full('Reports/r2.md'), async () => {
        stopped = wiring.executor.requestStop();
      });
      expect(await wiring.executor.handle(message!)).toBe('continued');
      await stopped;
      expect(await backend.plans.getLease(CASE)).toBeUndefined();
      const continuation = wiring.queue.take();
      expect(continuation.map((next) => next.reason)).toEqual(['continue']);
      const audit = await wiring.service.auditTrail(agent, planId);
      expect(audit.filter((record) => record.type === 'lease.released').map((record) => record.data.outcome)).toEqual(['continued']);
      // The instance that stopped takes no new work; a fresh one resumes at once, no lease to wait out.
      await expect(wiring.executor.handle(continuation[0]!)).rejects.toThrow(/shutting down/);
      const next = wire(backend);
      expect(await next.executor.handle(continuation[0]!)).toBe('finished');
      expect((await next.service.get(agent, planId)).plan.status).toBe('succeeded');
      for (let i = 0; i < 8; i += 1) expect((await backend.objects.read(full(`Reports/r${i}.md`))).toString()).toBe(`report ${i}`);
    });

    it('gives a case-scoped principal full pages of the plans it may see', async () => {
      const wiring = wire(backend);
      await seed(backend.objects, 'zeta-1', { 'a.txt': 'a' });
      for (let i = 0; i < 4; i += 1) {
        wiring.clock.advance(1000);
        await wiring.service.propose(agent, { case: CASE, description: `mine ${i}`, operations: [{ type: 'create_dir', destination: `m${i}` }] });
      }
      // Newer plans of a case the principal cannot see fill the first store pages.
      for (let i = 0; i < 12; i += 1) {
        wiring.clock.advance(1000);
        await wiring.service.propose(agent, { case: 'zeta-1', description: `other ${i}`, operations: [{ type: 'create_dir', destination: `o${i}` }] });
      }
      const scoped: Principal = { id: 'paralegal@firm.example', roles: ['approver'], cases: ['doe-*'] };
      const first = await wiring.service.list(scoped, { limit: 3 });
      expect(first.plans.map((plan) => plan.case)).toEqual([CASE, CASE, CASE]);
      expect(first.nextPageToken).toBeDefined();
      const second = await wiring.service.list(scoped, { limit: 3, pageToken: first.nextPageToken });
      expect(second.plans.map((plan) => plan.description)).toEqual(['mine 0']);
      expect(second.nextPageToken).toBeUndefined();
    });
  });
}

async function snapshotPrefix(backend: TestBackend, prefix: string): Promise<Map<string, string>> {
  const page = await backend.objects.list(prefix);
  const result = new Map<string, string>();
  for (const object of page.objects) result.set(object.name, (await backend.objects.read(object.name)).toString());
  return result;
}
