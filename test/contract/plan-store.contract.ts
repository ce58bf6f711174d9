/**
 * The PlanStore contract: one suite that every adapter must pass, so the embedded SQLite
 * store and the Firestore store behave the same to the services above them.
 *
 * Each test gets a fresh, empty store from the factory. Assertions compare real stored
 * values (whole records, exact sequences), so an adapter that drops a field, reorders a page
 * or lets two writers both win fails here.
 */
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { Action } from '../../shared/domain/actions.ts';
import { verifyAuditChain, type AuditEventInput, type AuditRecord } from '../../shared/domain/audit.ts';
import { planRecordSchema, type DryRunReport, type Operation, type PlanRecord, type PlanStatus } from '../../shared/domain/plan.ts';
import { isBailiffError, type BailiffError } from '../../shared/errors.ts';
import type { JournalEntry, PlanStore } from '../../shared/ports/plan-store.ts';

export interface PlanStoreHarness {
  store: PlanStore;
  /** Releases whatever the factory opened (files, clients, namespaces). */
  dispose(): Promise<void>;
}

export type PlanStoreFactory = () => Promise<PlanStoreHarness>;

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** A dry-run report shaped like a real one: totals, issues, per-operation effects and a diff. */
export function buildReport(operationCount: number, actionCount: number, overrides: Partial<DryRunReport> = {}): DryRunReport {
  return {
    valid: false,
    checkedAt: at(1_000),
    snapshotHash: 'sha256:5f1c0a9d4e7b2c3a',
    listing: { objects: 1_204, pages: 2 },
    totals: {
      operations: operationCount,
      actions: actionCount,
      objectsCreated: 3,
      objectsOverwritten: 1,
      objectsDeleted: 2,
      objectsMoved: 2,
      objectsCopied: 0,
      objectsWritten: 1,
      foldersCreated: 0,
      bytesWritten: 48_213,
      bytesDeleted: 9_001,
      bytesMoved: 9_001,
      bytesCopied: 0,
    },
    errors: [
      { operation: 2, code: 'source_missing', message: 'Correspondence/2024-01-05 letter.pdf does not exist', path: 'Correspondence/2024-01-05 letter.pdf' },
    ],
    warnings: [
      { operation: 0, code: 'overwrite', message: 'overwrites Pleadings/complaint.pdf (generation 1712)', path: 'Pleadings/complaint.pdf' },
      { code: 'large_plan', message: 'plan touches more than 1,000 objects' },
    ],
    operations: [
      { index: 0, type: 'write_file', effect: 'overwrite', objects: 1, bytes: 48_213 },
      { index: 1, type: 'move', effect: 'move 2 objects', objects: 2, bytes: 9_001 },
      { index: 2, type: 'delete', effect: 'error', objects: 0, bytes: 0 },
    ],
    operationsTruncated: operationCount > 3,
    diff: {
      added: ['Pleadings/2024/complaint.pdf', 'Pleadings/2024/answer.pdf'],
      removed: ['Inbox/scan_0001.pdf', 'Inbox/scan_0002.pdf'],
      changed: ['Pleadings/complaint.pdf'],
      truncated: false,
    },
    policy: {
      version: 'firm-2026-01',
      approvalsRequired: 2,
      violations: [{ code: 'delete_outside_inbox', message: 'deletes outside Inbox/ need two approvers' }],
    },
    ...overrides,
  };
}

/** A plan record with every optional part filled in, validated against the domain schema. */
export function buildPlanRecord(overrides: Partial<PlanRecord> = {}): PlanRecord {
  return planRecordSchema.parse({
    id: 'plan-01JNV8K4ZQ',
    case: 'smith-v-jones',
    description: 'File the January scans into Pleadings/2024 and retire the inbox copies.',
    onError: 'rollback',
    kind: 'change',
    author: 'agent:filing-bot@firm.example',
    createdAt: at(0),
    updatedAt: at(2_000),
    planHash: 'sha256:0a1b2c3d4e5f',
    status: 'approved',
    revision: 3,
    operationCount: 3,
    report: buildReport(3, 4),
    approval: {
      approvers: [
        { principal: 'partner@firm.example', at: at(3_000), comment: 'Checked the diff.' },
        { principal: 'paralegal@firm.example', at: at(3_500) },
      ],
      planHash: 'sha256:0a1b2c3d4e5f',
      snapshotHash: 'sha256:5f1c0a9d4e7b2c3a',
      approvalsRequired: 2,
      approvedAt: at(3_500),
      expiresAt: at(3_500 + 72 * 3_600_000),
    },
    execution: { attempt: 2, startedAt: at(10_000), cursor: 2, actionCount: 4, done: 2, stale: 0, failed: 0, skipped: 0, lastError: 'lease lost; continuing' },
    ...overrides,
  });
}

/**
 * Operations of every kind, with sizes that vary so size-based chunking lands on uneven
 * boundaries: every `heavyEvery`-th operation carries about 7 KB of content, so 2,500 of them
 * are about 2 MB of JSON and span several 768 KiB Firestore chunks. 0 turns that off.
 */
export function buildOperations(count: number, heavyEvery = 10): Operation[] {
  return Array.from({ length: count }, (_, i): Operation => {
    switch (i % 5) {
      case 0:
        return {
          type: 'write_file',
          destination: `Notes/${i}.md`,
          content: `# Note ${i}\n${'lorem ipsum '.repeat(heavyEvery > 0 && i % heavyEvery === 0 ? 600 : 3)}`,
          encoding: 'utf8',
          overwrite: false,
        };
      case 1:
        return { type: 'create_dir', destination: `Pleadings/${i}/` };
      case 2:
        return { type: 'move', source: `Inbox/scan_${i}.pdf`, destination: `Pleadings/${i - 1}/scan ${i} – Käufer.pdf`, overwrite: false };
      case 3:
        return { type: 'copy', source: `Templates/${i}.docx`, destination: `Drafts/${i}.docx`, overwrite: true };
      default:
        return { type: 'delete', source: `Inbox/dup_${i}.pdf` };
    }
  });
}

/** Actions of every kind with realistic, deep object names: about 350 bytes of JSON each. */
export function buildActions(count: number, tag = 'a'): Action[] {
  const folder =
    'projects/smith-v-jones/Pleadings/2024/Motions and supporting declarations/Exhibits filed under seal/Second amended set of exhibits, as corrected on 2024-02-11';
  return Array.from({ length: count }, (_, i): Action => {
    switch (i % 3) {
      case 0:
        return {
          index: i,
          operation: i,
          kind: 'put',
          destination: `${folder}/${tag}${i} – declaration of the custodian of records.md`,
          expect: { state: 'absent' },
          size: 20 + i,
        };
      case 1:
        return {
          index: i,
          operation: i,
          kind: 'move',
          source: `projects/smith-v-jones/Inbox/Scanner 3rd floor/Batch of 2024-01-05 (unsorted)/${tag}${i} scan.pdf`,
          sourceExpect: { state: 'generation', generation: String(1_700_000_000_000 + i) },
          destination: `${folder}/${tag}${i} – exhibit to the motion to compel.pdf`,
          expect: { state: 'producedBy', action: i - 1 },
          size: 1_000 + i,
        };
      default:
        return {
          index: i,
          operation: i,
          kind: 'delete',
          target: `projects/smith-v-jones/Inbox/${tag}${i}-dup.pdf`,
          expect: { state: 'generation', generation: String(i) },
          size: i,
          backup: `.bailiff/backups/plan-01JNV8K4ZQ/${i}`,
        };
    }
  });
}

function journalEntries(from: number, count: number): JournalEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const action = from + i;
    return action % 7 === 3
      ? { action, outcome: 'stale' as const, message: `projects/smith-v-jones/Inbox/${action}.pdf changed since the dry run`, at: at(action) }
      : {
          action,
          outcome: 'done' as const,
          generation: String(9_000 + action),
          backup: `.bailiff/backups/p/${action}`,
          backupGeneration: '77',
          at: at(action),
        };
  });
}

function auditEvent(chain: string, n: number, planId?: string): AuditEventInput {
  return {
    chain,
    type: 'execution.actions',
    ...(planId ? { planId } : {}),
    actor: 'executor',
    at: at(n),
    data: { n, from: n * 10, outcomes: { done: 9, stale: 1 } },
  };
}

async function expectBailiffError(promise: Promise<unknown>, code: BailiffError['code']): Promise<BailiffError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected a BailiffError ${code}`).toBeDefined();
  if (!isBailiffError(error)) throw new Error(`expected a BailiffError ${code}, got ${String(error)}`, { cause: error });
  expect(error.code).toBe(code);
  return error;
}

async function readAll<T>(read: (offset: number, limit: number) => Promise<T[]>, pageSize: number): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const page = await read(all.length, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

/** Runs the whole PlanStore contract against the adapter the factory builds. */
export function planStoreContract(name: string, factory: PlanStoreFactory): void {
  describe(`PlanStore contract: ${name}`, () => {
    let harness: PlanStoreHarness;
    let store: PlanStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.dispose();
    });

    it('answers health checks', async () => {
      await expect(store.health()).resolves.toBeUndefined();
    });

    describe('plans', () => {
      it('round-trips a full plan record', async () => {
        const plan = buildPlanRecord();
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        expect(await store.getPlan(plan.id)).toEqual(plan);
        expect(await store.getPlan('plan-that-does-not-exist')).toBeUndefined();
      });

      it('refuses to create a plan whose id exists, keeping the original', async () => {
        const plan = buildPlanRecord();
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        await expectBailiffError(store.createPlan({ ...plan, description: 'an impostor' }, buildOperations(1), buildActions(1)), 'conflict');
        expect(await store.getPlan(plan.id)).toEqual(plan);
        expect(await store.readOperations(plan.id, 0, 10)).toEqual(buildOperations(3));
        expect(await store.readActions(plan.id, 0, 10)).toEqual(buildActions(4));
      });

      it('applies a patch and bumps the revision when the expected revision matches', async () => {
        const plan = buildPlanRecord({ status: 'proposed', approval: undefined, execution: undefined, revision: 1 });
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const approval = buildPlanRecord().approval;
        const updated = await store.updatePlan(plan.id, 1, { status: 'approved', approval, updatedAt: at(5_000) });
        expect(updated).toEqual({ ...plan, status: 'approved', approval, updatedAt: at(5_000), revision: 2 });
        expect(await store.getPlan(plan.id)).toEqual(updated);
      });

      it('removes a field patched to undefined', async () => {
        const plan = buildPlanRecord();
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const updated = await store.updatePlan(plan.id, plan.revision, { status: 'proposed', approval: undefined });
        expect(updated.approval).toBeUndefined();
        const stored = await store.getPlan(plan.id);
        expect(stored).toBeDefined();
        expect(stored && 'approval' in stored && stored.approval !== undefined).toBe(false);
        expect(stored?.status).toBe('proposed');
      });

      it("shows a running attempt's progress without a compare-and-set, in reads and listings", async () => {
        const plan = buildPlanRecord({ status: 'running', revision: 4 });
        const execution = plan.execution!;
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        await store.writeProgress(plan.id, { attempt: execution.attempt, done: 3, stale: 1, failed: 0 });
        const shown = { ...plan, execution: { ...execution, done: 3, stale: 1, failed: 0 } };
        expect(await store.getPlan(plan.id)).toEqual(shown);
        expect((await store.listPlans({ limit: 10 })).plans).toEqual([shown]);
        // The revision is unchanged, so the executor's next compare-and-set still holds.
        const finished = await store.updatePlan(plan.id, 4, { status: 'succeeded', execution: { ...execution, done: 4, finishedAt: at(20_000) } });
        expect(finished.revision).toBe(5);
        expect(await store.getPlan(plan.id)).toEqual(finished);
        await expectBailiffError(store.writeProgress('no-such-plan', { attempt: 1, done: 1, stale: 0, failed: 0 }), 'not_found');
      });

      it('ignores progress of another attempt, progress behind the checkpoint, and progress of a plan no longer running', async () => {
        const plan = buildPlanRecord({ status: 'running', revision: 4 });
        const execution = plan.execution!;
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        await store.writeProgress(plan.id, { attempt: execution.attempt - 1, done: 4, stale: 0, failed: 0 });
        expect(await store.getPlan(plan.id)).toEqual(plan);
        await store.writeProgress(plan.id, { attempt: execution.attempt, done: 1, stale: 0, failed: 0 });
        expect(await store.getPlan(plan.id)).toEqual(plan);
        const failed = await store.updatePlan(plan.id, 4, { status: 'failed' });
        await store.writeProgress(plan.id, { attempt: execution.attempt, done: 4, stale: 0, failed: 0 });
        expect(await store.getPlan(plan.id)).toEqual(failed);
      });

      it('refuses a stale revision with a conflict naming the current status, changing nothing', async () => {
        const plan = buildPlanRecord({ status: 'queued', revision: 7 });
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const error = await expectBailiffError(store.updatePlan(plan.id, 6, { status: 'running' }), 'conflict');
        expect(error.details.some((detail) => detail.status === 'queued')).toBe(true);
        expect(await store.getPlan(plan.id)).toEqual(plan);
        await expectBailiffError(store.updatePlan('no-such-plan', 1, { status: 'running' }), 'not_found');
      });

      it('changes a status and appends its audit record in one write, or neither', async () => {
        const plan = buildPlanRecord({ status: 'queued', revision: 3 });
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const stale = await expectBailiffError(store.transition(plan.id, 2, { status: 'running' }, [auditEvent(plan.case, 1, plan.id)]), 'conflict');
        expect(stale.details.some((detail) => detail.status === 'queued')).toBe(true);
        expect(await store.readPlanAudit(plan.id)).toEqual([]);
        expect(await store.getPlan(plan.id)).toEqual(plan);
        const { plan: running, records } = await store.transition(plan.id, 3, { status: 'running' }, [auditEvent(plan.case, 2, plan.id)]);
        expect(running).toMatchObject({ status: 'running', revision: 4 });
        expect(records.map((record) => [record.planId, record.seq])).toEqual([[plan.id, 1]]);
        expect(await store.readPlanAudit(plan.id)).toEqual(records);
        expect(await store.getPlan(plan.id)).toEqual(running);
      });

      it('lets exactly one of ten concurrent compare-and-sets win', async () => {
        const plan = buildPlanRecord({ status: 'approved', revision: 4 });
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const attempts = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.updatePlan(plan.id, 4, { status: 'queued', updatedAt: at(20_000 + i), description: `writer ${i}` })),
        );
        const winners = attempts.filter((attempt) => attempt.status === 'fulfilled');
        const losers = attempts.filter((attempt): attempt is PromiseRejectedResult => attempt.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(9);
        for (const loser of losers) expect(isBailiffError(loser.reason, 'conflict'), String(loser.reason)).toBe(true);
        const stored = await store.getPlan(plan.id);
        expect(stored?.revision).toBe(5);
        expect(stored).toEqual((winners[0] as PromiseFulfilledResult<PlanRecord>).value);
      });

      it('replaces the report and actions of a fresh dry run under compare-and-set', async () => {
        const plan = buildPlanRecord({ status: 'proposed', approval: undefined, execution: undefined, revision: 2 });
        await store.createPlan(plan, buildOperations(3), buildActions(40, 'old'));
        const report = buildReport(3, 5, { valid: true, errors: [], snapshotHash: 'sha256:fresh' });
        const actions = buildActions(5, 'new');
        const { plan: updated } = await store.replaceDryRun(plan.id, 2, report, actions, { updatedAt: at(9_000) }, []);
        expect(updated).toEqual({ ...plan, report, updatedAt: at(9_000), revision: 3 });
        expect(await store.getPlan(plan.id)).toEqual(updated);
        expect(await store.readActions(plan.id, 0, 100)).toEqual(actions);
        expect(await store.readOperations(plan.id, 0, 100)).toEqual(buildOperations(3));
        const error = await expectBailiffError(store.replaceDryRun(plan.id, 2, buildReport(3, 1), buildActions(1, 'late'), {}, []), 'conflict');
        expect(error.details.some((detail) => detail.status === 'proposed')).toBe(true);
        expect(await store.readActions(plan.id, 0, 100)).toEqual(actions);
        expect((await store.getPlan(plan.id))?.report).toEqual(report);
      });

      it('pages through 2,500 operations and actions', async () => {
        const plan = buildPlanRecord({ operationCount: 2_500 });
        const operations = buildOperations(2_500);
        const actions = buildActions(2_500);
        await store.createPlan(plan, operations, actions);
        expect(await store.readOperations(plan.id, 0, 1_000)).toEqual(operations.slice(0, 1_000));
        expect(await store.readOperations(plan.id, 997, 7)).toEqual(operations.slice(997, 1_004));
        expect(await store.readOperations(plan.id, 1_234, 1_000)).toEqual(operations.slice(1_234, 2_234));
        expect(await store.readOperations(plan.id, 2_400, 500)).toEqual(operations.slice(2_400));
        expect(await store.readOperations(plan.id, 2_500, 10)).toEqual([]);
        expect(await store.readOperations(plan.id, 2_499, 0)).toEqual([]);
        expect(await readAll((offset, limit) => store.readOperations(plan.id, offset, limit), 333)).toEqual(operations);
        expect(await store.readActions(plan.id, 1, 1)).toEqual([actions[1]]);
        expect(await store.readActions(plan.id, 2_001, 600)).toEqual(actions.slice(2_001));
        expect(await readAll((offset, limit) => store.readActions(plan.id, offset, limit), 701)).toEqual(actions);
        await expectBailiffError(store.readActions(plan.id, -1, 10), 'invalid_input');
      });
    });

    describe('journal', () => {
      it('reads entries back in append order, paged across batches', async () => {
        const plan = buildPlanRecord();
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const batches = [journalEntries(0, 200), journalEntries(200, 1), journalEntries(201, 150), journalEntries(3, 2)];
        for (const batch of batches) await store.appendJournal(plan.id, batch);
        await store.appendJournal(plan.id, []);
        const all = batches.flat();
        expect(await store.readJournal(plan.id, 0, 1_000)).toEqual(all);
        expect(await store.readJournal(plan.id, 199, 3)).toEqual(all.slice(199, 202));
        expect(await store.readJournal(plan.id, 350, 10)).toEqual(all.slice(350));
        expect(await store.readJournal(plan.id, all.length, 10)).toEqual([]);
        expect(await readAll((offset, limit) => store.readJournal(plan.id, offset, limit), 17)).toEqual(all);
      });

      it('never loses or doubles an entry when appends race (a racer may get conflict)', async () => {
        const plan = buildPlanRecord();
        await store.createPlan(plan, buildOperations(3), buildActions(4));
        const batches = Array.from({ length: 4 }, (_, i) => journalEntries(i * 10, 10));
        const results = await Promise.allSettled(batches.map((batch) => store.appendJournal(plan.id, batch)));
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'conflict' });
        const landed = batches.filter((_, i) => results[i]!.status === 'fulfilled');
        expect(landed.length).toBeGreaterThan(0);
        const journal = await store.readJournal(plan.id, 0, 1_000);
        // Each batch that was accepted is there whole and once, in one piece; nothing else is.
        expect(journal).toHaveLength(landed.length * 10);
        const starts = journal
          .filter((_, i) => i % 10 === 0)
          .map((entry) => entry.action)
          .sort((a, b) => a - b);
        expect(starts).toEqual(landed.map((batch) => batch[0]!.action));
        for (let i = 0; i < journal.length; i += 10) expect(journal.slice(i, i + 10)).toEqual(journalEntries(journal[i]!.action, 10));
      });

      it('refuses to journal a plan that does not exist', async () => {
        await expectBailiffError(store.appendJournal('no-such-plan', journalEntries(0, 1)), 'not_found');
      });
    });

    describe('audit chain', () => {
      it('numbers records per chain and links them so they verify', async () => {
        const first = await store.appendAudit([auditEvent('case-a', 1, 'p1'), auditEvent('case-b', 2, 'p2'), auditEvent('case-a', 3, 'p1')]);
        expect(first.map((record) => [record.chain, record.seq])).toEqual([
          ['case-a', 1],
          ['case-b', 1],
          ['case-a', 2],
        ]);
        const second = await store.appendAudit([auditEvent('case-a', 4), auditEvent('case-b', 5, 'p2')]);
        expect(second.map((record) => [record.chain, record.seq])).toEqual([
          ['case-a', 3],
          ['case-b', 2],
        ]);
        const chainA = await store.readAuditChain('case-a', 0, 100);
        expect(chainA).toEqual([first[0], first[2], second[0]]);
        expect(verifyAuditChain(chainA)).toBeUndefined();
        expect(verifyAuditChain(await store.readAuditChain('case-b', 0, 100))).toBeUndefined();
        expect(await store.readAuditChain('case-a', 1, 1)).toEqual([first[2]]);
        expect(await store.readAuditChain('case-a', 3, 10)).toEqual([]);
        expect(await store.appendAudit([])).toEqual([]);
        expect(await store.readAuditHead('case-a')).toMatchObject({ chain: 'case-a', seq: 3, hash: second[0]!.hash });
        expect(await store.readAuditHead('case-z')).toBeUndefined();
      });

      it('never forks a chain under ten concurrent appenders', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, caller) =>
            store.appendAudit([auditEvent('busy-case', caller * 2, `p${caller}`), auditEvent('busy-case', caller * 2 + 1, `p${caller}`)]),
          ),
        );
        for (const [first, second] of results) expect(second?.seq).toBe((first?.seq ?? 0) + 1);
        const seqs = results
          .flat()
          .map((record) => record.seq)
          .sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const chain = await store.readAuditChain('busy-case', 0, 100);
        expect(chain).toHaveLength(20);
        expect(verifyAuditChain(chain)).toBeUndefined();
        const heads = await store.listAuditChains();
        expect(heads).toEqual([{ chain: 'busy-case', seq: 20, hash: chain[19]?.hash }]);
      });

      it("reads one plan's records in chain order", async () => {
        await store.appendAudit([auditEvent('case-a', 1, 'p1'), auditEvent('case-a', 2, 'p2'), auditEvent('case-a', 3, 'p1')]);
        await store.appendAudit([auditEvent('case-a', 4, 'p1')]);
        const records = await store.readPlanAudit('p1');
        expect(records.map((record) => [record.seq, record.planId])).toEqual([
          [1, 'p1'],
          [3, 'p1'],
          [4, 'p1'],
        ]);
        expect(records.map((record) => record.data.n)).toEqual([1, 3, 4]);
        expect(await store.readPlanAudit('nobody')).toEqual([]);
      });

      it('lists every chain with its head', async () => {
        expect(await store.listAuditChains()).toEqual([]);
        const records: AuditRecord[] = await store.appendAudit([auditEvent('zeta', 1), auditEvent('alpha', 2), auditEvent('zeta', 3)]);
        const heads = await store.listAuditChains();
        expect([...heads].sort((a, b) => a.chain.localeCompare(b.chain))).toEqual([
          { chain: 'alpha', seq: 1, hash: records[1]?.hash },
          { chain: 'zeta', seq: 2, hash: records[2]?.hash },
        ]);
      });
    });

    describe('leases', () => {
      const now = new Date(T0);
      const later = (ms: number) => new Date(T0 + ms);
      const request = (owner: string, when: Date, planId = 'plan-1') => ({ case: 'smith-v-jones', planId, owner, ttlMs: 60_000, now: when });

      it('grants a free case, refuses a second owner until expiry, then hands over with a higher token', async () => {
        const first = await store.acquireLease(request('exec-a', now));
        expect(first).toEqual({
          acquired: true,
          lease: { case: 'smith-v-jones', planId: 'plan-1', owner: 'exec-a', token: 1, expiresAt: later(60_000).toISOString() },
        });
        if (!first.acquired) throw new Error('unreachable');
        expect(await store.getLease('smith-v-jones')).toEqual(first.lease);

        const refused = await store.acquireLease(request('exec-b', later(59_999), 'plan-2'));
        expect(refused).toEqual({ acquired: false, heldBy: first.lease });

        const takeover = await store.acquireLease(request('exec-b', later(60_001), 'plan-2'));
        expect(takeover.acquired).toBe(true);
        if (!takeover.acquired) throw new Error('unreachable');
        expect(takeover.tookOverFrom).toEqual(first.lease);
        expect(takeover.lease.token).toBeGreaterThan(first.lease.token);
        expect(takeover.lease).toMatchObject({ owner: 'exec-b', planId: 'plan-2', expiresAt: later(120_001).toISOString() });
        expect(await store.getLease('other-case')).toBeUndefined();
      });

      it('renews only with the current token', async () => {
        const first = await store.acquireLease(request('exec-a', now));
        if (!first.acquired) throw new Error('expected the lease');
        const renewed = await store.renewLease(first.lease, 120_000, later(30_000));
        expect(renewed).toEqual({ ...first.lease, expiresAt: later(150_000).toISOString() });
        expect(await store.getLease('smith-v-jones')).toEqual(renewed);

        const takeover = await store.acquireLease(request('exec-b', later(150_001)));
        if (!takeover.acquired) throw new Error('expected the takeover');
        const error = await expectBailiffError(store.renewLease(first.lease, 60_000, later(150_002)), 'conflict');
        expect(error.message).toContain('smith-v-jones');
        expect(await store.getLease('smith-v-jones')).toEqual(takeover.lease);
      });

      it('ignores a release with an old token, and keeps counting tokens after release', async () => {
        const first = await store.acquireLease(request('exec-a', now));
        if (!first.acquired) throw new Error('expected the lease');
        const second = await store.acquireLease(request('exec-b', later(70_000)));
        if (!second.acquired) throw new Error('expected the takeover');
        await store.releaseLease(first.lease);
        expect(await store.getLease('smith-v-jones')).toEqual(second.lease);

        await store.releaseLease(second.lease);
        expect(await store.getLease('smith-v-jones')).toBeUndefined();
        await expectBailiffError(store.renewLease(second.lease, 1_000, later(70_001)), 'conflict');

        const third = await store.acquireLease(request('exec-c', later(70_002)));
        if (!third.acquired) throw new Error('expected the lease after release');
        expect(third.tookOverFrom).toBeUndefined();
        expect(third.lease.token).toBe(second.lease.token + 1);
      });

      it('force-releases whatever holds the case', async () => {
        expect(await store.forceReleaseLease('smith-v-jones')).toBeUndefined();
        const first = await store.acquireLease(request('exec-a', now));
        if (!first.acquired) throw new Error('expected the lease');
        expect(await store.forceReleaseLease('smith-v-jones')).toEqual(first.lease);
        expect(await store.getLease('smith-v-jones')).toBeUndefined();
        const next = await store.acquireLease(request('exec-b', later(1)));
        expect(next.acquired && next.lease.token).toBe(2);
      });

      it('grants exactly one of ten concurrent acquisitions', async () => {
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLease(request(`exec-${i}`, now, `plan-${i}`))));
        const granted = results.filter((result) => result.acquired);
        expect(granted).toHaveLength(1);
        const winner = granted[0];
        if (!winner?.acquired) throw new Error('unreachable');
        expect(winner.lease.token).toBe(1);
        for (const result of results) if (!result.acquired) expect(result.heldBy).toEqual(winner.lease);
        expect(await store.getLease('smith-v-jones')).toEqual(winner.lease);
      });
    });

    describe('listing plans', () => {
      const specs: Array<[id: string, caseName: string, status: PlanStatus, createdMs: number]> = [
        ['p-01', 'alpha', 'proposed', 1_000],
        ['p-02', 'beta', 'approved', 2_000],
        ['p-03', 'alpha', 'succeeded', 3_000],
        ['p-04', 'alpha', 'proposed', 3_000],
        ['p-05', 'beta', 'proposed', 4_000],
        ['p-06', 'alpha', 'approved', 5_000],
        ['p-07', 'gamma', 'proposed', 6_000],
      ];
      const newestFirst = (ids: string[]) =>
        specs
          .filter(([id]) => ids.includes(id))
          .sort((a, b) => b[3] - a[3] || (a[0] < b[0] ? 1 : -1))
          .map(([id]) => id);

      beforeEach(async () => {
        // Created out of order so insertion order cannot pass for recency.
        for (const id of ['p-04', 'p-01', 'p-07', 'p-03', 'p-06', 'p-02', 'p-05']) {
          const [, caseName, status, createdMs] = specs.find((spec) => spec[0] === id) ?? [];
          if (caseName === undefined || status === undefined || createdMs === undefined) throw new Error(`no spec for ${id}`);
          await store.createPlan(buildPlanRecord({ id, case: caseName, status, createdAt: at(createdMs) }), buildOperations(1), buildActions(1));
        }
      });

      it('lists newest first, ties broken by id', async () => {
        const page = await store.listPlans({ limit: 100 });
        expect(page.plans.map((plan) => plan.id)).toEqual(['p-07', 'p-06', 'p-05', 'p-04', 'p-03', 'p-02', 'p-01']);
        expect(page.nextPageToken).toBeUndefined();
        expect(page.plans[0]).toEqual(buildPlanRecord({ id: 'p-07', case: 'gamma', status: 'proposed', createdAt: at(6_000) }));
      });

      it('filters by case, by status and by both', async () => {
        expect((await store.listPlans({ limit: 100, case: 'alpha' })).plans.map((plan) => plan.id)).toEqual(newestFirst(['p-01', 'p-03', 'p-04', 'p-06']));
        expect((await store.listPlans({ limit: 100, status: 'proposed' })).plans.map((plan) => plan.id)).toEqual(newestFirst(['p-01', 'p-04', 'p-05', 'p-07']));
        expect((await store.listPlans({ limit: 100, case: 'alpha', status: 'proposed' })).plans.map((plan) => plan.id)).toEqual(['p-04', 'p-01']);
        expect((await store.listPlans({ limit: 100, case: 'nobody' })).plans).toEqual([]);
      });

      it('pages with tokens, covering every plan exactly once', async () => {
        for (const query of [{}, { case: 'alpha' }, { status: 'proposed' as const }]) {
          const seen: string[] = [];
          let pageToken: string | undefined;
          let pages = 0;
          do {
            const page = await store.listPlans({ ...query, limit: 2, ...(pageToken ? { pageToken } : {}) });
            expect(page.plans.length).toBeLessThanOrEqual(2);
            seen.push(...page.plans.map((plan) => plan.id));
            pageToken = page.nextPageToken;
            pages += 1;
          } while (pageToken && pages < 20);
          expect(seen).toEqual((await store.listPlans({ ...query, limit: 100 })).plans.map((plan) => plan.id));
          expect(new Set(seen).size).toBe(seen.length);
        }
        expect((await store.listPlans({ limit: 7 })).nextPageToken).toBeUndefined();
        await expectBailiffError(store.listPlans({ limit: 2, pageToken: 'not-a-token' }), 'invalid_input');
      });

      it('counts the plans one author holds in given statuses, following status changes', async () => {
        const author = buildPlanRecord().author;
        expect(await store.countPlansByAuthor(author, ['proposed', 'approved'])).toBe(6);
        expect(await store.countPlansByAuthor(author, ['proposed'])).toBe(4);
        expect(await store.countPlansByAuthor(author, [])).toBe(0);
        expect(await store.countPlansByAuthor('someone-else@firm.example', ['proposed', 'approved'])).toBe(0);
        await store.createPlan(
          buildPlanRecord({ id: 'p-08', status: 'proposed', author: 'someone-else@firm.example', createdAt: at(7_000) }),
          buildOperations(1),
          buildActions(1),
        );
        expect(await store.countPlansByAuthor('someone-else@firm.example', ['proposed', 'approved'])).toBe(1);
        const p01 = await store.getPlan('p-01');
        await store.updatePlan('p-01', p01!.revision, { status: 'rejected' });
        expect(await store.countPlansByAuthor(author, ['proposed', 'approved'])).toBe(5);
      });
    });

    describe('large plans', () => {
      it('stores and reads back an operation with 3 MiB of content', async () => {
        const bytes = new Uint8Array(3 * 1024 * 1024);
        for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 7919) % 251;
        const content = Buffer.from(bytes).toString('base64');
        const operations: Operation[] = [
          { type: 'create_dir', destination: 'Exhibits/' },
          { type: 'write_file', destination: 'Exhibits/exhibit-12.pdf', content, encoding: 'base64', overwrite: false },
          {
            type: 'write_file',
            destination: 'Exhibits/README.md',
            content: 'Ünïcödé — exhibits filed 2026-03-02 ✓'.repeat(50_000),
            encoding: 'utf8',
            overwrite: false,
          },
          { type: 'delete', source: 'Inbox/exhibit-12.pdf' },
        ];
        const plan = buildPlanRecord({ operationCount: operations.length });
        await store.createPlan(plan, operations, buildActions(4));
        expect(await store.readOperations(plan.id, 0, 10)).toEqual(operations);
        expect(await store.readOperations(plan.id, 1, 1)).toEqual([operations[1]]);
        expect(await store.readOperations(plan.id, 2, 2)).toEqual(operations.slice(2));
        expect(await store.getPlan(plan.id)).toEqual(plan);
      });

      it('stores and pages a 100,000-action plan with a large report', async () => {
        const operations = buildOperations(100_000, 0);
        const actions = buildActions(100_000);
        const longList = Array.from({ length: 20_000 }, (_, i) => `Pleadings/2024/${String(i).padStart(6, '0')} – filed scan with a long descriptive name.pdf`);
        const report = buildReport(100_000, 100_000, { diff: { added: longList, removed: longList.slice(0, 5_000), changed: [], truncated: true } });
        const plan = buildPlanRecord({ operationCount: 100_000, report });
        await store.createPlan(plan, operations, actions);
        expect(await store.getPlan(plan.id)).toEqual(plan);
        expect(await store.readActions(plan.id, 0, 3)).toEqual(actions.slice(0, 3));
        expect(await store.readActions(plan.id, 54_321, 5_000)).toEqual(actions.slice(54_321, 59_321));
        expect(await store.readActions(plan.id, 99_998, 10)).toEqual(actions.slice(99_998));
        expect(await store.readOperations(plan.id, 77_777, 2_000)).toEqual(operations.slice(77_777, 79_777));
        const updated = await store.updatePlan(plan.id, plan.revision, { status: 'queued' });
        expect(updated.report).toEqual(report);
        expect(await store.getPlan(plan.id)).toEqual(updated);
      });
    });
  });
}
