/**
 * What the contract suite cannot show for SQLite: state surviving a restart, and several
 * connections (threads standing in for processes) contending for one file, where only the
 * `BEGIN IMMEDIATE` lock keeps compare-and-set, audit appends and leases honest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../domain/audit.ts';
import { buildActions, buildOperations, buildPlanRecord } from '../../../test/contract/plan-store.contract.ts';
import { isBailiffError } from '../../errors.ts';
import { SqlitePlanStore } from './sqlite-plan-store.ts';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-sqlite-'));
  file = join(dir, 'state.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Runs in a worker thread with its own connection; all workers start together at a barrier.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { SqlitePlanStore } = await import(workerData.module);
  const store = new SqlitePlanStore(workerData.file, { busyTimeoutMs: 20000 });
  const barrier = new Int32Array(workerData.barrier);
  Atomics.add(barrier, 0, 1);
  while (Atomics.load(barrier, 0) < workerData.workers) Atomics.wait(barrier, 0, Atomics.load(barrier, 0), 10);
  const outcome = { cas: 'lost', lease: false, audit: 0 };
  try {
    await store.updatePlan('plan-shared', 1, { description: 'writer ' + workerData.id });
    outcome.cas = 'won';
  } catch (error) {
    outcome.cas = error.code;
  }
  for (let i = 0; i < workerData.appends; i += 1) {
    await store.appendAudit([{ chain: 'shared-case', type: 'execution.actions', actor: 'w' + workerData.id, at: new Date().toISOString(), data: { i } }]);
    outcome.audit += 1;
  }
  const lease = await store.acquireLease({ case: 'shared-case', planId: 'plan-shared', owner: 'w' + workerData.id, ttlMs: 600000, now: new Date() });
  outcome.lease = lease.acquired;
  store.close();
  parentPort.postMessage(outcome);
})().catch((error) => { parentPort.postMessage({ error: String(error && error.stack || error) }); });
`;

describe('SqlitePlanStore on a file', () => {
  it('keeps plans, journal, audit chain and the lease counter across a restart', async () => {
    const plan = buildPlanRecord({ revision: 1 });
    const first = new SqlitePlanStore(file);
    await first.createPlan(plan, buildOperations(10), buildActions(10));
    await first.appendJournal(plan.id, [{ action: 0, outcome: 'done', at: plan.createdAt }]);
    const [record] = await first.appendAudit([{ chain: plan.case, type: 'plan.proposed', planId: plan.id, actor: plan.author, at: plan.createdAt, data: {} }]);
    const lease = await first.acquireLease({ case: plan.case, planId: plan.id, owner: 'exec-1', ttlMs: 1_000, now: new Date(0) });
    if (!lease.acquired) throw new Error('expected the lease');
    await first.releaseLease(lease.lease);
    first.close();

    const second = new SqlitePlanStore(file);
    expect(await second.getPlan(plan.id)).toEqual(plan);
    expect(await second.readOperations(plan.id, 0, 100)).toEqual(buildOperations(10));
    expect(await second.readJournal(plan.id, 0, 10)).toEqual([{ action: 0, outcome: 'done', at: plan.createdAt }]);
    expect(await second.listAuditChains()).toEqual([{ chain: plan.case, seq: 1, hash: record?.hash }]);
    const again = await second.acquireLease({ case: plan.case, planId: plan.id, owner: 'exec-2', ttlMs: 1_000, now: new Date(0) });
    expect(again.acquired && again.lease.token).toBe(2);
    second.close();
    await expect(second.health()).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'unavailable'));
  });

  it('serialises writers on separate connections to one file', async () => {
    const setup = new SqlitePlanStore(file);
    await setup.createPlan(buildPlanRecord({ id: 'plan-shared', revision: 1 }), buildOperations(1), buildActions(1));
    const workers = 4;
    const appends = 25;
    const barrier = new SharedArrayBuffer(4);
    const module = new URL('./sqlite-plan-store.ts', import.meta.url).href;
    const outcomes = await Promise.all(
      Array.from(
        { length: workers },
        (_, id) =>
          new Promise<{ cas: string; lease: boolean; audit: number; error?: string }>((resolve, reject) => {
            const worker = new Worker(WORKER, { eval: true, workerData: { module, file, barrier, workers, appends, id } });
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    for (const outcome of outcomes) expect(outcome.error).toBeUndefined();
    expect(outcomes.filter((outcome) => outcome.cas === 'won')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.cas === 'conflict')).toHaveLength(workers - 1);
    expect(outcomes.filter((outcome) => outcome.lease)).toHaveLength(1);
    const chain = await setup.readAuditChain('shared-case', 0, 1_000);
    expect(chain.map((record) => record.seq)).toEqual(Array.from({ length: workers * appends }, (_, i) => i + 1));
    expect(verifyAuditChain(chain)).toBeUndefined();
    expect((await setup.getPlan('plan-shared'))?.revision).toBe(2);
    setup.close();
  });

  it('refuses a page token it did not issue and a database from a newer schema', async () => {
    const store = new SqlitePlanStore(file);
    await expect(store.listPlans({ limit: 1, pageToken: Buffer.from('{"x":1}').toString('base64url') })).rejects.toSatisfy((error: unknown) =>
      isBailiffError(error, 'invalid_input'),
    );
    store.close();
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(file);
    raw.exec('PRAGMA user_version = 99');
    raw.close();
    expect(() => new SqlitePlanStore(file)).toThrow(/newer Bailiff/);
  });
});
