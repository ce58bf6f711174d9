/**
 * Stored plans have quotas: a proposal over the policy's `maxOperations` is refused before it is
 * simulated, and nothing of it is stored or audited; and a principal holding the configured
 * number of open plans cannot propose another until one is finished. On the embedded plan store
 * (SQLite) and on Firestore (emulator), each with the embedded workspace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import { parseConfig } from '../../shared/config.ts';
import { policySchema } from '../../shared/domain/policy.ts';
import { isBailiffError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';
import { PlanReviewService } from '../../shared/services/plan-review.ts';
import { PlanService } from '../../shared/services/plan-service.ts';
import { agent, approver, ManualClock, CollectingQueue, seed } from '../support/scenario.ts';

const CASE = 'quota-case';
const policy = policySchema.parse({ version: 'quota-test', limits: { maxOperations: 50 } });

const planStores: Array<{ name: string; make(dir: string): Promise<{ plans: PlanStore; close(): Promise<void> }> }> = [
  {
    name: 'SQLite',
    async make(dir) {
      const plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
      return { plans, close: async () => plans.close() };
    },
  },
  {
    name: 'Firestore (emulator)',
    async make() {
      if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including firestore');
      const firestore = new Firestore({ projectId: `bailiff-${randomBytes(5).toString('hex')}`, ignoreUndefinedProperties: true });
      return { plans: new FirestorePlanStore({ firestore }), close: async () => firestore.terminate() };
    },
  },
];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isBailiffError(error) ? error.code : `not a BailiffError: ${String(error)}`),
  );
}

it('reads the open-plan cap once, from the environment, with a default', () => {
  expect(parseConfig({}).BAILIFF_MAX_OPEN_PLANS).toBe(200);
  expect(parseConfig({ BAILIFF_MAX_OPEN_PLANS: '0' }).BAILIFF_MAX_OPEN_PLANS).toBe(0);
  expect(() => parseConfig({ BAILIFF_MAX_OPEN_PLANS: '-1' })).toThrow(/invalid configuration/);
});

for (const backend of planStores) {
  describe(`plan quotas: ${backend.name}`, () => {
    let dir: string;
    let plans: PlanStore;
    let close: () => Promise<void>;
    let objects: FsObjectStore;
    let service: PlanService;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bailiff-quotas-'));
      ({ plans, close } = await backend.make(dir));
      objects = new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'metadata') });
      await seed(objects, CASE, { 'a.txt': 'a' });
      service = new PlanService({
        plans,
        objects,
        queue: new CollectingQueue(),
        clock: new ManualClock(),
        policy,
        logger: silentLogger,
        options: { approvalTtlMs: 3600_000, maxOpenPlansPerPrincipal: 3 },
      });
    });

    afterEach(async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses a plan over maxOperations before simulating it, storing and auditing nothing', async () => {
      // Every operation would fail the dry run too: the refusal must come before the simulation reads anything.
      const operations = Array.from({ length: 51 }, (_, i) => ({ type: 'delete', source: `missing-${i}.txt` }));
      let listed = 0;
      const list = objects.list.bind(objects);
      objects.list = (...args) => {
        listed += 1;
        return list(...args);
      };
      const refused = service.propose(agent, { case: CASE, description: 'too big', operations });
      expect(await codeOf(refused)).toBe('plan_invalid');
      await refused.catch((error: Error) => expect(error.message).toMatch(/51 operations exceed the policy's limit of 50/));
      expect(listed).toBe(0);
      expect((await plans.listPlans({ limit: 10 })).plans).toEqual([]);
      expect(await plans.readAuditChain(CASE, 0, 10)).toEqual([]);
      // At the limit, the plan is proposed as usual.
      const atLimit = await service.propose(agent, { case: CASE, description: 'just fits', operations: operations.slice(0, 50) });
      expect(atLimit.plan.operationCount).toBe(50);
      expect(listed).toBeGreaterThan(0);
      expect((await plans.readAuditChain(CASE, 0, 10)).length).toBeGreaterThan(0);
    });

    it('keeps an invalid proposal small: its report and operations, not its per-object actions, until it validates', async () => {
      await seed(objects, CASE, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`big/f${i}.txt`, `file ${i}`])));
      const operations = [
        { type: 'copy', source: 'big/', destination: 'copy/' },
        { type: 'delete', source: 'not-yet.txt' },
      ];
      const proposed = await service.propose(agent, { case: CASE, description: 'one operation fails', operations });
      const id = proposed.plan.id;
      expect(proposed.report.valid).toBe(false);
      expect(proposed.report.totals.actions).toBe(30);
      expect(proposed.report.errors).toEqual([expect.objectContaining({ code: 'source_missing', path: 'not-yet.txt' })]);
      expect(await plans.readActions(id, 0, 100)).toEqual([]);
      // What the console and the API show of it still answers.
      const review = new PlanReviewService({ plans, clock: new ManualClock(), access: service.access });
      expect(await review.results(agent, id, {})).toEqual({ planId: id, offset: 0, total: 0, actions: [] });
      expect((await review.operations(agent, id, {})).total).toBe(2);
      expect((await service.get(agent, id)).report.errors).toHaveLength(1);
      // Once the dry run is valid, the actions are kept and the results page lists them.
      await seed(objects, CASE, { 'not-yet.txt': 'here now' });
      const validated = await service.validate(agent, id);
      expect(validated.report.valid).toBe(true);
      expect(await plans.readActions(id, 0, 100)).toHaveLength(31);
      expect((await review.results(agent, id, {})).total).toBe(31);
      // And an invalid dry run again drops them.
      await objects.delete(`projects/${CASE}/big/f0.txt`);
      await objects.delete(`projects/${CASE}/not-yet.txt`);
      expect((await service.validate(agent, id)).report.valid).toBe(false);
      expect(await plans.readActions(id, 0, 100)).toEqual([]);
    });

    it('caps the plans one principal holds open, and frees a place when one is finished', async () => {
      const proposal = (n: number) => ({ case: CASE, description: `plan ${n}`, operations: [{ type: 'write_file', destination: `n-${n}.txt`, content: 'x' }] });
      const ids: string[] = [];
      for (let n = 0; n < 3; n += 1) ids.push((await service.propose(agent, proposal(n))).plan.id);
      const refused = service.propose(agent, proposal(3));
      expect(await codeOf(refused)).toBe('conflict');
      await refused.catch((error: Error) => expect(error.message).toMatch(/already holds 3 open plans/));
      expect((await plans.listPlans({ limit: 10 })).plans).toHaveLength(3);
      // Another principal is not held to this one's count.
      const other = { ...agent, id: 'other-agent@firm.example' };
      expect((await service.propose(other, proposal(4))).plan.status).toBe('proposed');
      // A rejected plan is no longer open.
      await service.reject(approver, ids[0]!, { reason: 'not this one' });
      expect((await service.propose(agent, proposal(5))).plan.status).toBe('proposed');
    });
  });
}
