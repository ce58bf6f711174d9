/**
 * One document's chain of custody on both plan stores (SQLite embedded; Firestore on its
 * emulator): a document moved three times and overwritten once lists all four changes, newest
 * first, with who proposed and approved them (and their comments), whichever of its paths is
 * asked about; a rollback appears too; each change names an audit record that is really in the
 * case's chain; the history is paged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import { SqliteFileHistoryIndex } from '../../shared/adapters/local/sqlite-file-history-index.ts';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { FirestoreFileHistoryIndex } from '../../shared/adapters/gcp/firestore-file-history-index.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';
import type { FileHistoryIndex } from '../../shared/ports/file-history-index.ts';
import { FileHistoryService } from '../../shared/services/file-history.ts';
import { agent, approver, applyAndRun, secondApprover, seed, wire, type Wiring } from '../support/scenario.ts';

interface HistoryBackend {
  objects: ObjectStore;
  plans: PlanStore;
  index: FileHistoryIndex;
  cleanup(): Promise<void>;
}

const BACKENDS: Array<{ name: string; make(dir: string): Promise<HistoryBackend> }> = [
  {
    name: 'embedded (SQLite)',
    async make(dir) {
      const plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
      const index = new SqliteFileHistoryIndex(join(dir, 'file-history.sqlite'));
      return {
        objects: new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'meta') }),
        plans,
        index,
        cleanup: async () => (plans.close(), index.close()),
      };
    },
  },
  {
    name: 'Firestore',
    async make(dir: string): Promise<HistoryBackend> {
      if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including firestore');
      const firestore = new Firestore({ projectId: `bailiff-${randomBytes(5).toString('hex')}`, ignoreUndefinedProperties: true });
      return {
        objects: new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'meta') }),
        plans: new FirestorePlanStore({ firestore }),
        index: new FirestoreFileHistoryIndex({ firestore }),
        cleanup: () => firestore.terminate(),
      };
    },
  },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function run(wiring: Wiring, operations: unknown[], comment: string): Promise<string> {
  const proposed = await wiring.service.propose(agent, { case: 'hist', description: comment, operations });
  expect(proposed.report.errors).toEqual([]);
  const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
  let view = await wiring.service.approve(approver, proposed.plan.id, { ...reviewed, comment });
  if (view.decisions.approvals.remaining > 0) view = await wiring.service.approve(secondApprover, proposed.plan.id, reviewed);
  const done = await applyAndRun(wiring, agent, proposed.plan.id);
  expect(done.plan.status).toBe('succeeded');
  return proposed.plan.id;
}

describe.each(BACKENDS)('document history on $name', (backendFactory) => {
  it('follows a document moved three times and overwritten once, with its approvers, from any of its paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-history-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const backend = await backendFactory.make(dir);
    cleanups.push(() => backend.cleanup());
    const wiring = wire(backend);
    const history = new FileHistoryService({ plans: backend.plans, index: backend.index, access: wiring.service.access });
    await seed(backend.objects, 'hist', { 'intake/scan.pdf': 'first version', 'intake/other.pdf': 'unrelated' });

    const first = await run(wiring, [{ type: 'move', source: 'intake/scan.pdf', destination: 'sorted/scan.pdf' }], 'sort the scan');
    // An earlier query builds the index part-way; later ones catch up from its mark.
    expect((await history.history(agent, 'hist', { path: 'sorted/scan.pdf' })).changes).toHaveLength(1);
    const second = await run(wiring, [{ type: 'move', source: 'sorted/scan.pdf', destination: 'Medical/scan.pdf' }], 'file under Medical');
    const third = await run(
      wiring,
      [{ type: 'write_file', destination: 'Medical/scan.pdf', content: 'second version', overwrite: true }],
      'replace with the clean scan',
    );
    const fourth = await run(
      wiring,
      [
        { type: 'move', source: 'Medical/scan.pdf', destination: 'Final/records.pdf' },
        { type: 'move', source: 'intake/other.pdf', destination: 'Final/other.pdf' },
      ],
      'final name',
    );

    const expected = [
      { planId: fourth, change: 'moved', pathBefore: 'Medical/scan.pdf', pathAfter: 'Final/records.pdf', comment: 'final name' },
      { planId: third, change: 'overwritten', pathAfter: 'Medical/scan.pdf', comment: 'replace with the clean scan' },
      { planId: second, change: 'moved', pathBefore: 'sorted/scan.pdf', pathAfter: 'Medical/scan.pdf', comment: 'file under Medical' },
      { planId: first, change: 'moved', pathBefore: 'intake/scan.pdf', pathAfter: 'sorted/scan.pdf', comment: 'sort the scan' },
    ];
    for (const path of ['Final/records.pdf', 'Medical/scan.pdf', 'sorted/scan.pdf', 'intake/scan.pdf']) {
      const page = await history.history(approver, 'hist', { path });
      expect(
        page.changes.map((change) => ({
          planId: change.planId,
          change: change.change,
          pathBefore: change.pathBefore,
          pathAfter: change.pathAfter,
          comment: change.approvers[0]?.comment,
        })),
        path,
      ).toEqual(expected.map(({ pathBefore, ...rest }) => ({ ...rest, pathBefore })));
      expect(page.truncated).toBe(false);
      for (const change of page.changes) {
        expect(change.proposer).toBe(agent.id);
        expect(change.approvers[0]?.principal).toBe(approver.id);
        expect(change.generation).toBeTruthy();
      }
    }

    // Each change names a record of the case's chain, by seq and hash, as /audit/verify checks them.
    const { changes } = await history.history(agent, 'hist', { path: 'Final/records.pdf' });
    const chain = await backend.plans.readAuditChain('hist', 0, 1000);
    for (const change of changes) {
      const record = chain.find((candidate) => candidate.seq === change.audit.seq);
      expect(record?.hash).toBe(change.audit.hash);
      expect(record?.planId).toBe(change.planId);
    }
    expect(changes[1]!.md5).toBe(createHash('md5').update('second version').digest('hex'));

    // Paged: two at a time, newest first, then the rest.
    const pageOne = await history.history(agent, 'hist', { path: 'Final/records.pdf', limit: '2' });
    expect(pageOne.changes.map((change) => change.planId)).toEqual([fourth, third]);
    const pageTwo = await history.history(agent, 'hist', { path: 'Final/records.pdf', limit: '2', pageToken: pageOne.nextPageToken });
    expect(pageTwo.changes.map((change) => change.planId)).toEqual([second, first]);
    expect(pageTwo.nextPageToken).toBeUndefined();

    // A rollback of the last move is part of the history too, at the path it put the document back to.
    const rollback = await wiring.service.rollback(agent, fourth);
    const reviewed = { planHash: rollback.plan.planHash, snapshotHash: rollback.report.snapshotHash };
    let view = await wiring.service.approve(approver, rollback.plan.id, reviewed);
    if (view.decisions.approvals.remaining > 0) view = await wiring.service.approve(secondApprover, rollback.plan.id, reviewed);
    expect((await applyAndRun(wiring, agent, rollback.plan.id)).plan.status).toBe('succeeded');
    const after = await history.history(agent, 'hist', { path: 'Medical/scan.pdf' });
    expect(after.changes[0]).toMatchObject({
      planId: rollback.plan.id,
      planKind: 'rollback',
      rollbackOf: fourth,
      change: 'moved',
      pathBefore: 'Final/records.pdf',
      pathAfter: 'Medical/scan.pdf',
    });
    expect(after.changes.map((change) => change.planId)).toEqual([rollback.plan.id, fourth, third, second, first]);

    // The other document has a history of its own: moved with the fourth plan, and back by its rollback.
    expect((await history.history(agent, 'hist', { path: 'intake/other.pdf' })).changes.map((change) => [change.planId, change.pathAfter])).toEqual([
      [rollback.plan.id, 'intake/other.pdf'],
      [fourth, 'Final/other.pdf'],
    ]);
  });
});
