/**
 * What the executor function acknowledges and what it hands back to Pub/Sub for a retry.
 * Runs on the embedded adapters (a temporary directory and SQLite), no mocks of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../adapters/local/sqlite-plan-store.ts';
import { unavailable } from '../errors.ts';
import { DEFAULT_POLICY } from '../domain/policy.ts';
import { silentLogger } from '../logging.ts';
import { systemClock } from '../ports/clock.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { AuditCopies } from './audit-copies.ts';
import { handleExecutionEvent } from './execution-delivery.ts';
import { ExecutionSweep } from './execution-sweep.ts';
import { Executor } from './executor.ts';

const push = (payload: unknown, extra: Record<string, unknown> = {}) => ({
  message: { data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'), messageId: 'm-1' },
  subscription: 'projects/p/subscriptions/s',
  ...extra,
});

describe('handleExecutionEvent', () => {
  let dir: string;
  let plans: SqlitePlanStore;
  let objects: ObjectStore;
  const executorWith = (store: SqlitePlanStore) =>
    new Executor({
      plans: store,
      objects,
      queue: { publish: async () => {}, health: async () => {} },
      clock: systemClock,
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      options: { concurrency: 2, budgetMs: 1000, leaseTtlMs: 1000, journalBatch: 10 },
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-delivery-'));
    plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
    objects = new FsObjectStore({ root: join(dir, 'ws'), metadataDir: join(dir, 'meta') });
  });
  afterEach(async () => {
    plans.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['no message at all', { hello: 'world' }],
    ['data that is not JSON', push('{not json')],
    ['an unknown message version', push({ version: 2, planId: 'pln_x', reason: 'apply', attempt: 1 })],
    ['a message with extra fields', push({ version: 1, planId: 'pln_x', reason: 'apply', attempt: 1, token: 'secret' })],
    ['a string body', 'garbage'],
  ])('acknowledges %s as malformed', async (_name, data) => {
    await expect(handleExecutionEvent(data, executorWith(plans), silentLogger)).resolves.toBe('malformed');
  });

  it('acknowledges a request for an unknown plan', async () => {
    await expect(
      handleExecutionEvent(push({ version: 1, planId: 'pln_000000000unknown', reason: 'apply', attempt: 1 }), executorWith(plans), silentLogger),
    ).resolves.toBe('ignored');
  });

  it('throws a retryable failure back to Pub/Sub, and acknowledges one the executor gives up on', async () => {
    const failing = new SqlitePlanStore(join(dir, 'state.sqlite'));
    const flaky = Object.assign(Object.create(failing) as SqlitePlanStore, {
      getPlan: async () => {
        throw unavailable('Firestore is down');
      },
    });
    const message = push({ version: 1, planId: 'pln_000000000unknown', reason: 'apply', attempt: 1 });
    await expect(handleExecutionEvent(message, executorWith(flaky), silentLogger)).rejects.toThrow(/Firestore is down/);
    const broken = Object.assign(Object.create(failing) as SqlitePlanStore, {
      getPlan: async () => {
        throw new TypeError('a bug');
      },
    });
    await expect(handleExecutionEvent(message, executorWith(broken), silentLogger)).resolves.toBe('ignored');
    failing.close();
  });

  it("runs the sweep on the scheduler's sweep request, and throws its failure so Pub/Sub delivers it again", async () => {
    const published: unknown[] = [];
    const queue = { publish: async (message: unknown) => void published.push(message), health: async () => {} };
    const sweep = new ExecutionSweep({
      plans,
      queue,
      auditCopies: new AuditCopies(plans, objects),
      clock: systemClock,
      logger: silentLogger,
      options: { leaseTtlMs: 1000 },
    });
    const request = push({ version: 1, kind: 'sweep' });
    await expect(handleExecutionEvent(request, executorWith(plans), silentLogger, undefined, sweep)).resolves.toBe('swept');
    // Without a sweep (or with extra fields) it is not a request anyone handles.
    await expect(handleExecutionEvent(request, executorWith(plans), silentLogger)).resolves.toBe('malformed');
    await expect(handleExecutionEvent(push({ version: 1, kind: 'sweep', planId: 'x' }), executorWith(plans), silentLogger, undefined, sweep)).resolves.toBe(
      'malformed',
    );
    const down = Object.assign(Object.create(plans) as SqlitePlanStore, {
      listPlans: async () => {
        throw unavailable('Firestore is down');
      },
    });
    const failing = new ExecutionSweep({
      plans: down,
      queue,
      auditCopies: new AuditCopies(down, objects),
      clock: systemClock,
      logger: silentLogger,
      options: { leaseTtlMs: 1000 },
    });
    await expect(handleExecutionEvent(request, executorWith(plans), silentLogger, undefined, failing)).rejects.toThrow(/Firestore is down/);
  });
});
