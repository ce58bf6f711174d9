/**
 * Audit copies in a store of their own with a retention policy (issue 19): a policy refuses to
 * overwrite or delete a copy before it expires, so a copy is created once under a name never
 * used before (its record count), a plan that gains records (its rollback ran) gets a further
 * copy beside the first, a redelivery writes nothing twice, and `/audit/verify` checks each
 * copy and that the newest of each plan holds all its records. Embedded (a second directory),
 * and on storage-testbench with a bucket created with a retention policy.
 *
 * The testbench stores a bucket's retention policy and reports each object's
 * `retentionExpirationTime`, but does not refuse overwrites or deletes as Cloud Storage does;
 * `Retained` below refuses them by the same rule, on top of the real store, so a copy written
 * twice fails here as it would on Google Cloud. The tampering further down goes around it, as
 * someone who can bypass the policy (or once it has expired) would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { AUDIT_PREFIX, auditCopiesPrefix, parseAuditObjectName } from '../../shared/domain/paths.ts';
import type { SettableHoldKind } from '../../shared/domain/holds.ts';
import { objectHeld } from '../../shared/errors.ts';
import {
  listAll,
  type CopyOptions,
  type GenerationPrecondition,
  type ListOptions,
  type ObjectStore,
  type OpenReadOptions,
  type WriteOptions,
} from '../../shared/ports/object-store.ts';
import { embeddedBackend, testbenchBackend, type BackendFactory, type TestBackend } from '../support/backends.ts';
import { admin, agent, applyAndRun, approver, drain, proposeApproved, seed, wire } from '../support/scenario.ts';

const CASE = 'retained-v-copies';
const RETENTION_SECONDS = 3600;

/** Cloud Storage's rule for a bucket with a retention policy: no object is replaced or deleted before it may be. */
class Retained implements ObjectStore {
  readonly #store: ObjectStore;
  constructor(store: ObjectStore) {
    this.#store = store;
  }
  async #refuseIfThere(name: string, precondition: GenerationPrecondition = {}): Promise<void> {
    // The precondition is checked first: "must not exist" on an existing object is a 412.
    if (precondition.ifGenerationMatch === '0') return;
    if (await this.#store.stat(name)) throw objectHeld(`${name} is subject to the bucket's retention policy`);
  }
  list(prefix: string, options?: ListOptions) {
    return this.#store.list(prefix, options);
  }
  stat(name: string) {
    return this.#store.stat(name);
  }
  read(name: string) {
    return this.#store.read(name);
  }
  openRead(name: string, options?: OpenReadOptions) {
    return this.#store.openRead(name, options);
  }
  async write(name: string, data: Buffer, options?: WriteOptions) {
    await this.#refuseIfThere(name, options);
    return this.#store.write(name, data, options);
  }
  async writeFrom(name: string, source: Readable, options?: WriteOptions) {
    await this.#refuseIfThere(name, options);
    return this.#store.writeFrom(name, source, options);
  }
  async copy(source: string, destination: string, options?: CopyOptions) {
    await this.#refuseIfThere(destination, options);
    return this.#store.copy(source, destination, options);
  }
  async delete(name: string): Promise<void> {
    throw objectHeld(`${name} is subject to the bucket's retention policy`);
  }
  setHold(name: string, kind: SettableHoldKind, held: boolean) {
    return this.#store.setHold(name, kind, held);
  }
  health() {
    return this.#store.health();
  }
}

interface CopiesStore {
  /** The store as the services get it. */
  retained: ObjectStore;
  /** The same objects without the policy: for tampering. */
  raw: ObjectStore;
  /** Whether the objects report the policy's expiry. */
  reportsRetention: boolean;
  cleanup(): Promise<void>;
}

async function copiesStoreFor(factory: BackendFactory): Promise<CopiesStore> {
  if (factory === embeddedBackend) {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-audit-copies-'));
    const raw = new FsObjectStore({ root: join(dir, 'copies'), metadataDir: join(dir, 'metadata') });
    return { raw, retained: new Retained(raw), reportsRetention: false, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const storage = createGcsStorage({ apiEndpoint: process.env.STORAGE_TESTBENCH_HOST!, projectId: `bailiff-${randomBytes(5).toString('hex')}` });
  const bucket = `audit-${randomBytes(6).toString('hex')}`;
  await storage.createBucket(bucket, { retentionPolicy: { retentionPeriod: RETENTION_SECONDS } });
  const raw = new GcsObjectStore({ storage, bucket });
  return { raw, retained: new Retained(raw), reportsRetention: true, cleanup: async () => {} };
}

async function copiesOf(store: ObjectStore): Promise<{ name: string; generation: string; records: number; retentionExpires?: string }[]> {
  const found: { name: string; generation: string; records: number; retentionExpires?: string }[] = [];
  for await (const page of listAll(store, AUDIT_PREFIX)) {
    for (const object of page.objects) {
      found.push({
        name: object.name,
        generation: object.generation,
        records: parseAuditObjectName(object.name)!.records!,
        ...(object.holds?.retentionExpires ? { retentionExpires: object.holds.retentionExpires } : {}),
      });
    }
  }
  return found;
}

for (const factory of [embeddedBackend, testbenchBackend]) {
  describe(`audit copies in a retention-locked store (${factory.name})`, () => {
    let backend: TestBackend;
    let copies: CopiesStore;
    beforeEach(async () => {
      backend = await factory.make();
      copies = await copiesStoreFor(factory);
      await seed(backend.objects, CASE, { 'intake/a.pdf': 'scan a', 'intake/b.pdf': 'scan b' });
    });
    afterEach(async () => {
      await copies.cleanup();
      await backend.cleanup();
    });

    it('writes each copy once under a name never used before, keeps the earlier copy when a rollback adds records, and verify checks the newest', async () => {
      const wiring = wire(backend, { auditCopies: copies.retained });
      const planId = await proposeApproved(wiring, {
        case: CASE,
        description: 'file the intake',
        operations: [
          { type: 'move', source: 'intake/a.pdf', destination: 'sorted/a.pdf' },
          { type: 'move', source: 'intake/b.pdf', destination: 'sorted/b.pdf' },
        ],
      });
      expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');

      const first = await copiesOf(copies.raw);
      const planRecords = (await backend.plans.readPlanAudit(planId)).length;
      expect(first.map((copy) => copy.name)).toEqual([`${auditCopiesPrefix(CASE, planId)}${planRecords}.jsonl`]);
      if (copies.reportsRetention) expect(Date.parse(first[0]!.retentionExpires ?? '')).toBeGreaterThan(Date.now() + (RETENTION_SECONDS - 60) * 1000);
      // Not in the workspace: the copies have a store of their own.
      expect((await backend.objects.list(AUDIT_PREFIX)).objects).toEqual([]);
      expect(await wiring.service.verifyAudit(admin)).toMatchObject({ ok: true, files: 1, missingFiles: [] });

      // A redelivery of the finished plan's request writes nothing again (an overwrite would be refused).
      await wiring.executor.handle({ version: 1, planId, reason: 'retry', attempt: 1 });
      expect(await copiesOf(copies.raw)).toEqual(first);

      // The rollback adds records to the plan it undoes: that plan gets a second copy, the first stays as it was.
      const rollback = await wiring.service.rollback(agent, planId);
      await wiring.service.approve(approver, rollback.plan.id, { planHash: rollback.plan.planHash, snapshotHash: rollback.report.snapshotHash });
      await wiring.service.apply(agent, rollback.plan.id);
      await drain(wiring);
      expect((await wiring.service.get(agent, rollback.plan.id)).plan.status).toBe('succeeded');
      const after = await copiesOf(copies.raw);
      const ofPlan = after.filter((copy) => copy.name.startsWith(auditCopiesPrefix(CASE, planId))).sort((a, b) => a.records - b.records);
      expect(ofPlan).toHaveLength(2);
      expect(ofPlan[0]).toEqual(first[0]);
      expect(ofPlan[1]!.records).toBe((await backend.plans.readPlanAudit(planId)).length);
      expect(ofPlan[1]!.records).toBeGreaterThan(planRecords);
      expect(after.filter((copy) => copy.name.startsWith(auditCopiesPrefix(CASE, rollback.plan.id)))).toHaveLength(1);
      expect(await wiring.service.verifyAudit(admin)).toMatchObject({ ok: true, files: 3, missingFiles: [] });

      // The newest copy deleted (going round the policy): the earlier one no longer holds all the records.
      const newest = ofPlan[1]!.name;
      const newestText = await copies.raw.read(newest);
      await copies.raw.delete(newest);
      let result = await wiring.service.verifyAudit(admin);
      expect(result.ok).toBe(false);
      expect(result.firstBreak).toMatchObject({ chain: CASE, file: ofPlan[0]!.name });
      expect(result.firstBreak?.reason).toContain('newer copy is missing');
      await copies.raw.write(newest, newestText);
      expect((await wiring.service.verifyAudit(admin)).ok).toBe(true);

      // An earlier copy cut short is caught too: its name says how many records it holds.
      const older = ofPlan[0]!.name;
      const olderText = (await copies.raw.read(older)).toString('utf8');
      await copies.raw.write(older, Buffer.from(`${olderText.trim().split('\n').slice(0, -1).join('\n')}\n`));
      result = await wiring.service.verifyAudit(admin);
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.file).toBe(older);
      expect(result.firstBreak?.reason).toContain('truncated');

      // Through the policy, neither can be replaced or deleted.
      await expect(copies.retained.write(older, Buffer.from(olderText))).rejects.toMatchObject({ code: 'object_held' });
      await expect(copies.retained.delete(older)).rejects.toMatchObject({ code: 'object_held' });
    });

    it('still verifies a copy written before names carried the record count, and catches it cut short', async () => {
      const wiring = wire(backend, { auditCopies: copies.retained });
      const planId = await proposeApproved(wiring, {
        case: CASE,
        description: 'file a',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'sorted/a.pdf' }],
      });
      expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
      const [copy] = await copiesOf(copies.raw);
      const text = await copies.raw.read(copy!.name);
      const legacy = `${AUDIT_PREFIX}${CASE}/${planId}.jsonl`;
      await copies.raw.delete(copy!.name);
      await copies.raw.write(legacy, text);
      expect(await wiring.service.verifyAudit(admin)).toMatchObject({ ok: true, files: 1, missingFiles: [] });
      await copies.raw.delete(legacy);
      await copies.raw.write(legacy, Buffer.from(`${text.toString('utf8').trim().split('\n').slice(0, -1).join('\n')}\n`));
      const result = await wiring.service.verifyAudit(admin);
      expect(result.ok).toBe(false);
      expect(result.firstBreak).toMatchObject({ file: legacy });
    });
  });
}
