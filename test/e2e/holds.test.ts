/**
 * Legal holds and retention on both object stores: the embedded store (which keeps and enforces
 * holds itself) and Cloud Storage on storage-testbench (which stores holds but does not enforce
 * them). A plan that would delete, overwrite or move away a held object is invalid at its dry run
 * and cannot be approved; holds placed through Bailiff are audited and follow the document's
 * backups. At execution, Cloud Storage's 403 for a held object (answered here by a fault proxy
 * with Google's documented body, since the testbench never refuses) is the permanent error
 * `object_held`: not retried, and the plan stops before touching further objects.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import { isBailiffError } from '../../shared/errors.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';
import { HoldService } from '../../shared/services/holds.ts';
import { CaseAccess } from '../../shared/services/authorization.ts';
import { testbenchEndpoint, TestbenchMarkersHidden } from '../support/storage-testbench.ts';
import { admin, agent, applyAndRun, approver, proposeApproved, seed, wire } from '../support/scenario.ts';

const CASE = 'doe-v-roe';
const full = (path: string) => `projects/${CASE}/${path}`;

interface HoldsBackend {
  objects: ObjectStore;
  plans: SqlitePlanStore;
  /** The bucket and its project, on Cloud Storage. */
  bucket?: { name: string; projectId: string };
  cleanup(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bailiff-holds-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The plan state lives in SQLite on both: what differs, and what is tested, is the object store. */
const BACKENDS: Array<{ name: string; make(): Promise<HoldsBackend> }> = [
  {
    name: 'embedded',
    async make() {
      const dir = await scratch();
      const plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
      cleanups.push(async () => plans.close());
      return { objects: new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'metadata') }), plans, cleanup: async () => undefined };
    },
  },
  {
    name: 'storage-testbench',
    async make() {
      const dir = await scratch();
      const plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
      cleanups.push(async () => plans.close());
      const projectId = 'bailiff-holds';
      const storage = createGcsStorage({ apiEndpoint: testbenchEndpoint(), projectId });
      const name = `holds-${randomBytes(6).toString('hex')}`;
      await storage.createBucket(name);
      return {
        objects: new TestbenchMarkersHidden(new GcsObjectStore({ storage, bucket: name })),
        plans,
        bucket: { name, projectId },
        cleanup: async () => undefined,
      };
    },
  },
];

describe.each(BACKENDS)('holds on $name', (backend) => {
  async function setUp() {
    const ports = await backend.make();
    const wiring = wire(ports);
    const holds = new HoldService({
      objects: ports.objects,
      plans: ports.plans,
      clock: wiring.clock,
      access: new CaseAccess({ walls: [], plans: ports.plans, clock: wiring.clock }),
    });
    await seed(ports.objects, CASE, { 'Pleadings/complaint.pdf': 'complaint', 'Pleadings/notes.txt': 'notes', 'intake/scan.pdf': 'scan' });
    return { ports, wiring, holds };
  }

  it('a held file makes every plan that deletes, overwrites or moves it invalid, and it cannot be approved', async () => {
    const { ports, wiring, holds } = await setUp();
    const placed = await holds.setHold(admin, CASE, { path: 'Pleadings/complaint.pdf', kind: 'temporary', held: true });
    expect(placed).toMatchObject({ case: CASE, path: 'Pleadings/complaint.pdf', kind: 'temporary', held: true, holds: { temporary: true }, backups: 0 });
    const listed = (await ports.objects.list(full('Pleadings/'), { withMetadata: false })).objects;
    expect(listed.map((object) => [object.name, object.holds])).toEqual([
      [full('Pleadings/complaint.pdf'), { temporary: true }],
      [full('Pleadings/notes.txt'), undefined],
    ]);

    const deleting = await wiring.service.propose(agent, { case: CASE, description: 'Tidy pleadings', operations: [{ type: 'delete', source: 'Pleadings/' }] });
    expect(deleting.report.valid).toBe(false);
    expect(deleting.report.errors).toEqual([
      {
        operation: 0,
        code: 'object_held',
        path: 'Pleadings/complaint.pdf',
        message: '`Pleadings/complaint.pdf` is under a temporary hold, so no plan may delete it',
        holds: [{ kind: 'temporary' }],
      },
    ]);
    const refused = await wiring.service
      .approve(approver, deleting.plan.id, { planHash: deleting.plan.planHash, snapshotHash: deleting.report.snapshotHash })
      .catch((error: unknown) => error);
    expect(isBailiffError(refused, 'plan_invalid')).toBe(true);

    await holds.setHold(admin, CASE, { path: 'Pleadings/complaint.pdf', kind: 'event_based', held: true });
    const moving = await wiring.service.propose(agent, {
      case: CASE,
      description: 'Archive',
      operations: [{ type: 'move', source: 'Pleadings/complaint.pdf', destination: 'Archive/complaint.pdf' }],
    });
    expect(moving.report.errors.map((error) => [error.code, error.holds])).toEqual([['object_held', [{ kind: 'temporary' }, { kind: 'event_based' }]]]);

    // Released, the same plan is valid again.
    await holds.setHold(admin, CASE, { path: 'Pleadings/complaint.pdf', kind: 'temporary', held: false });
    const released = await holds.setHold(admin, CASE, { path: 'Pleadings/complaint.pdf', kind: 'event_based', held: false });
    expect(released.holds).toEqual({});
    expect((await wiring.service.validate(agent, deleting.plan.id)).report.valid).toBe(true);

    const chain = await ports.plans.readAuditChain(CASE, 0, 100);
    expect(chain.filter((record) => record.type.startsWith('hold.')).map((record) => [record.type, record.actor, record.data.path, record.data.kind])).toEqual([
      ['hold.placed', admin.id, 'Pleadings/complaint.pdf', 'temporary'],
      ['hold.placed', admin.id, 'Pleadings/complaint.pdf', 'event_based'],
      ['hold.released', admin.id, 'Pleadings/complaint.pdf', 'temporary'],
      ['hold.released', admin.id, 'Pleadings/complaint.pdf', 'event_based'],
    ]);
  });

  it('only an administrator places holds, only on a file that exists', async () => {
    const { holds } = await setUp();
    await expect(holds.setHold(approver, CASE, { path: 'Pleadings/complaint.pdf', kind: 'temporary', held: true })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(holds.setHold(admin, CASE, { path: 'Pleadings/missing.pdf', kind: 'temporary', held: true })).rejects.toMatchObject({ code: 'not_found' });
    await expect(holds.setHold(admin, CASE, { path: '../other/x.pdf', kind: 'temporary', held: true })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(holds.setHold(admin, CASE, { path: 'Pleadings/complaint.pdf', kind: 'litigation', held: true })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it("the document's backups take the hold with it, so no lifecycle rule deletes an earlier version", async () => {
    const { ports, wiring, holds } = await setUp();
    const overwrite = await proposeApproved(wiring, {
      case: CASE,
      description: 'Revise notes',
      operations: [{ type: 'write_file', destination: 'Pleadings/notes.txt', content: 'revised', overwrite: true }],
    });
    const done = await applyAndRun(wiring, agent, overwrite);
    expect(done.plan.status).toBe('succeeded');
    const [journal] = await ports.plans.readJournal(overwrite, 0, 1);
    const backup = journal!.backup!;

    const placed = await holds.setHold(admin, CASE, { path: 'Pleadings/notes.txt', kind: 'temporary', held: true });
    expect(placed.backups).toBe(1);
    expect((await ports.objects.stat(backup))?.holds).toEqual({ temporary: true });
    await holds.setHold(admin, CASE, { path: 'Pleadings/notes.txt', kind: 'temporary', held: false });
    expect((await ports.objects.stat(backup))?.holds).toBeUndefined();
  });

  it('honours a retention it did not place (object retention until a date)', async () => {
    if (!backend.name.includes('testbench')) return; // only Cloud Storage has retention
    const { ports, wiring } = await setUp();
    // The testbench keeps `retentionExpirationTime` as given; Cloud Storage computes it from the bucket policy.
    const until = '2099-01-01T00:00:00.000Z';
    await patchObject(ports, full('intake/scan.pdf'), { retentionExpirationTime: until });
    const proposed = await wiring.service.propose(agent, {
      case: CASE,
      description: 'Drop the scan',
      operations: [{ type: 'delete', source: 'intake/scan.pdf' }],
    });
    expect(proposed.report.errors).toEqual([
      expect.objectContaining({
        code: 'object_held',
        path: 'intake/scan.pdf',
        holds: [{ kind: 'retention_policy', until }],
        message: expect.stringContaining(`retention policy until ${until}`),
      }),
    ]);
  });
});

/** Sets fields on an object behind Bailiff's back, as a person with the Cloud Console would. */
async function patchObject(ports: HoldsBackend, name: string, fields: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${testbenchEndpoint()}/storage/v1/b/${ports.bucket!.name}/o/${encodeURIComponent(name)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  expect(response.status).toBe(200);
}

describe('holds at execution', () => {
  it('embedded: a hold placed after approval fails the plan at its preflight, before its first change', async () => {
    const ports = await BACKENDS[0]!.make();
    const wiring = wire(ports, { executor: { concurrency: 1 } });
    await seed(ports.objects, CASE, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    const planId = await proposeApproved(wiring, {
      case: CASE,
      description: 'Clear out',
      operations: ['a.txt', 'b.txt', 'c.txt'].map((source) => ({ type: 'delete', source })),
    });
    await ports.objects.setHold(full('b.txt'), 'temporary', true);

    const view = await applyAndRun(wiring, agent, planId);
    expect(view.plan.status).toBe('failed');
    expect(view.execution?.lastError).toMatch(/b\.txt` is under a temporary hold placed after approval; nothing was changed/);
    // Only the held file's action is journaled, by the preflight; none ran.
    const journal = await ports.plans.readJournal(planId, 0, 10);
    expect(journal.map((entry) => [entry.action, entry.outcome])).toEqual([[1, 'stale']]);
    expect(view.plan.execution).toMatchObject({ done: 0, stale: 1, skipped: 2 });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) expect(await ports.objects.stat(full(name)), name).toBeDefined();
    const audit = await ports.plans.readPlanAudit(planId);
    expect(audit.map((record) => record.type)).not.toContain('plan.running');
    expect(audit.find((record) => record.type === 'execution.stale')?.data.objects).toEqual([expect.stringMatching(/b\.txt` is under a temporary hold/)]);
  });

  it('embedded: a hold placed outside Bailiff after the preflight still fails the action with object_held, and nothing after it runs', async () => {
    const ports = await BACKENDS[0]!.make();
    await seed(ports.objects, CASE, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    // The hold lands while the first action runs: after the preflight's listing.
    const store = ports.objects;
    const objects = new Proxy(store, {
      get(target, key) {
        if (key === 'delete') {
          return async (...args: Parameters<ObjectStore['delete']>) => {
            if (args[0] === full('a.txt')) await store.setHold(full('b.txt'), 'temporary', true);
            return store.delete(...args);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const wiring = wire(ports, { executor: { concurrency: 1 }, executorObjects: objects });
    const planId = await proposeApproved(wiring, {
      case: CASE,
      description: 'Clear out',
      operations: ['a.txt', 'b.txt', 'c.txt'].map((source) => ({ type: 'delete', source })),
    });

    const view = await applyAndRun(wiring, agent, planId);
    expect(view.plan.status).toBe('failed');
    expect(view.execution?.lastError).toMatch(/b\.txt is under a temporary hold/);
    const journal = await ports.plans.readJournal(planId, 0, 10);
    expect(journal.map((entry) => [entry.action, entry.outcome])).toEqual([
      [0, 'done'],
      [1, 'failed'],
    ]);
    expect(await ports.objects.stat(full('b.txt'))).toBeDefined();
    expect(await ports.objects.stat(full('c.txt'))).toBeDefined();
  });

  it('Cloud Storage: the 403 for a held object is object_held, never retried, and the plan stops there', async () => {
    const ports = await BACKENDS[1]!.make();
    const { name: bucket, projectId } = ports.bucket!;
    await seed(ports.objects, CASE, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    const proxy = await heldObjectProxy(testbenchEndpoint(), `${bucket}/${full('b.txt')}`);
    cleanups.push(() => proxy.close());
    // Retries on, as in production: the proxy counts that the refused delete is sent once.
    const executorObjects = new GcsObjectStore({
      storage: createGcsStorage({
        apiEndpoint: proxy.url,
        projectId,
        retryOptions: { autoRetry: true, maxRetries: 3, retryDelayMultiplier: 1.1, maxRetryDelay: 0.1 },
      }),
      bucket,
    });
    const wiring = wire(ports, { executor: { concurrency: 1 }, executorObjects });
    const planId = await proposeApproved(wiring, {
      case: CASE,
      description: 'Clear out',
      operations: ['a.txt', 'b.txt', 'c.txt'].map((source) => ({ type: 'delete', source })),
    });

    const view = await applyAndRun(wiring, agent, planId);
    expect(view.plan.status).toBe('failed');
    expect(proxy.refusedDeletes()).toBe(1);
    expect(view.execution?.lastError).toMatch(/under active Temporary hold/);
    const journal = await ports.plans.readJournal(planId, 0, 10);
    expect(journal.map((entry) => [entry.action, entry.outcome])).toEqual([
      [0, 'done'],
      [1, 'failed'],
    ]);
    expect(await ports.objects.stat(full('b.txt'))).toBeDefined();
    expect(await ports.objects.stat(full('c.txt'))).toBeDefined();
  });

  it('Cloud Storage errors: retentionPolicyNotMet is object_held, permanent', async () => {
    const { translateGcsError } = await import('../../shared/adapters/gcp/gcs-object-store.ts');
    const held = translateGcsError(
      { code: 403, message: HELD_MESSAGE('b/o'), errors: [{ reason: 'retentionPolicyNotMet', message: HELD_MESSAGE('b/o') }] },
      'delete o',
    );
    expect([held.code, held.retryable, held.httpStatus]).toEqual(['object_held', false, 423]);
    const retained = translateGcsError(
      {
        code: 403,
        message: "Object 'b/o' is subject to bucket's retention policy or object retention and cannot be deleted or overwritten until 2030-01-01T00:00:00Z",
      },
      'delete o',
    );
    expect(retained.code).toBe('object_held');
    expect(translateGcsError({ code: 403, message: 'Access denied.', errors: [{ reason: 'forbidden' }] }, 'delete o').code).toBe('internal');
  });
});

const HELD_MESSAGE = (object: string) =>
  `Object '${object}' is under active Temporary hold and cannot be deleted, overwritten or archived until hold is removed.`;

/**
 * A proxy in front of the testbench that answers every delete of `object` (`bucket/name`) as
 * Cloud Storage answers one under a temporary hold: 403 with Google's documented JSON body.
 */
async function heldObjectProxy(upstream: string, object: string): Promise<{ url: string; refusedDeletes(): number; close(): Promise<void> }> {
  const target = new URL(upstream);
  const [bucket, ...rest] = object.split('/');
  const refusedPath = `/storage/v1/b/${bucket}/o/${encodeURIComponent(rest.join('/'))}`;
  let refused = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '').split('?')[0];
    if (incoming.method === 'DELETE' && path === refusedPath) {
      refused += 1;
      incoming.resume();
      const error = {
        code: 403,
        message: HELD_MESSAGE(object),
        errors: [{ message: HELD_MESSAGE(object), domain: 'global', reason: 'retentionPolicyNotMet' }],
      };
      outgoing.writeHead(403, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify({ error }));
      return;
    }
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refusedDeletes: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
