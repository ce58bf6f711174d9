/**
 * Cloud Storage faults as Google's own clients are tested: Google's storage-testbench injects
 * them per JSON API method through its Retry Test API (each instruction is consumed by the
 * next request of that method carrying the test's `x-retry-test-id`).
 *
 * What each fault must end in, at the ObjectStore boundary:
 * - reads, listings and conditional mutations are retried (a bounded number of times) and
 *   succeed with the right content; every injected fault was really met (the Retry Test has
 *   consumed all its instructions);
 * - an unconditional mutation is not retried: it fails with `unavailable` or `rate_limited`;
 * - a lost response (the testbench acts, then breaks the stream) comes back on the retry as
 *   `precondition_failed`, which the executor resolves by looking (test/fault, below);
 * - after more faults in a row than the retry budget, a clear `unavailable` error, never a
 *   silent success.
 * And at the executor: a whole plan under faults on every method ends succeeded with every
 * object in place, by content hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { isBailiffError, type ErrorCode } from '../../shared/errors.ts';
import type { Operation } from '../../shared/domain/plan.ts';
import { testbenchBackend, type TestBackend } from '../support/backends.ts';
import { agent, applyAndRun, drain, proposeApproved, seed, snapshot, wire } from '../support/scenario.ts';
import { createRetryTest, retryTestState, testbenchStorage, type JsonApiMethod } from '../support/storage-testbench.ts';
import { auditCopiesPrefix } from '../../shared/domain/paths.ts';

// Production's retry policy (the library's defaults: up to 3 retries, conditional mutations
// only), with the waits between attempts shortened so the suite stays fast.
const FAST_RETRIES = { maxRetries: 3, maxRetryDelay: 0.05, totalTimeout: 30 };
const REWRITE_STEP = 1_048_576;

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');
// As test/support/scenario.ts's snapshot() hashes content.
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

let bucket: string;

beforeEach(async () => {
  bucket = `faults-${randomBytes(6).toString('hex')}`;
  await testbenchStorage().createBucket(bucket);
});

afterEach(async () => {
  const plain = testbenchStorage().bucket(bucket);
  await plain.deleteFiles({ force: true });
  await plain.delete();
});

/** A store whose every request carries a fresh Retry Test with these instructions. */
async function faultyStore(instructions: Partial<Record<JsonApiMethod, string[]>>): Promise<{ store: GcsObjectStore; id: string }> {
  const id = await createRetryTest(instructions);
  const storage = testbenchStorage({ retryTestId: id, retryOptions: FAST_RETRIES });
  return { store: new GcsObjectStore({ storage, bucket, maxBytesRewrittenPerCall: REWRITE_STEP }), id };
}

/** The same bucket without faults, to set up and to check. */
const cleanStore = () => new GcsObjectStore({ storage: testbenchStorage(), bucket });

async function expectAllFaultsMet(id: string): Promise<void> {
  const state = await retryTestState(id);
  expect(state.instructions, 'every injected fault was met by a request').toEqual(
    Object.fromEntries(Object.keys(state.instructions).map((method) => [method, []])),
  );
  expect(state.completed).toBe(true);
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'succeeded'> {
  try {
    await promise;
    return 'succeeded';
  } catch (error) {
    if (!isBailiffError(error)) throw error;
    return error.code;
  }
}

const TRANSIENT = ['return-503', 'return-429', 'return-reset-connection'] as const;

describe('Cloud Storage faults per JSON API method (storage-testbench Retry Test API)', () => {
  describe('storage.objects.insert', () => {
    for (const fault of TRANSIENT) {
      it(`a conditional write survives ${fault}`, async () => {
        const { store, id } = await faultyStore({ 'storage.objects.insert': [fault] });
        const data = Buffer.from(`written through ${fault}`);
        const written = await store.write('projects/c/a.txt', data, { ifGenerationMatch: '0', metadata: { 'bailiff-plan': 'p' } });
        expect(written).toMatchObject({ size: data.length, md5: md5(data) });
        expect((await cleanStore().read('projects/c/a.txt')).equals(data)).toBe(true);
        await expectAllFaultsMet(id);
      });
    }

    it('a conditional write survives a 503 after 256 KiB of a 1 MiB upload', async () => {
      const { store, id } = await faultyStore({ 'storage.objects.insert': ['return-503-after-256K'] });
      const data = randomBytes(1024 * 1024);
      await store.write('projects/c/big.pdf', data, { ifGenerationMatch: '0' });
      expect((await cleanStore().read('projects/c/big.pdf')).equals(data)).toBe(true);
      await expectAllFaultsMet(id);
    });

    it('an unconditional write is not retried: it fails as unavailable or rate_limited and writes nothing', async () => {
      const { store, id } = await faultyStore({ 'storage.objects.insert': ['return-503', 'return-429'] });
      expect(await codeOf(store.write('projects/c/u.txt', Buffer.from('x')))).toBe('unavailable');
      expect(await codeOf(store.write('projects/c/u.txt', Buffer.from('x')))).toBe('rate_limited');
      expect(await cleanStore().stat('projects/c/u.txt')).toBeUndefined();
      await expectAllFaultsMet(id);
    });

    it('a lost response (written, then the stream broke) comes back as precondition_failed, with the object written once', async () => {
      const { store, id } = await faultyStore({ 'storage.objects.insert': ['return-broken-stream'] });
      const data = Buffer.from('landed, but the answer was lost');
      expect(await codeOf(store.write('projects/c/lost.txt', data, { ifGenerationMatch: '0', metadata: { 'bailiff-action': '7' } }))).toBe(
        'precondition_failed',
      );
      // The caller resolves the ambiguity by looking: the object is there, with its provenance.
      expect(await cleanStore().stat('projects/c/lost.txt')).toMatchObject({ md5: md5(data), metadata: { 'bailiff-action': '7' } });
      await expectAllFaultsMet(id);
    });
  });

  describe('storage.objects.rewrite', () => {
    for (const fault of TRANSIENT) {
      it(`a conditional copy survives ${fault}`, async () => {
        const source = await cleanStore().write('projects/c/src.pdf', Buffer.from('source'));
        const { store, id } = await faultyStore({ 'storage.objects.rewrite': [fault] });
        await store.copy('projects/c/src.pdf', 'projects/c/dst.pdf', { ifSourceGenerationMatch: source.generation, ifGenerationMatch: '0' });
        expect((await cleanStore().read('projects/c/dst.pdf')).toString()).toBe('source');
        await expectAllFaultsMet(id);
      });
    }

    it('a copy that takes three rewrite calls survives a 503 and a reset, byte for byte', async () => {
      const data = randomBytes(2.5 * 1024 * 1024);
      const source = await cleanStore().write('projects/c/big.pdf', data);
      const { store, id } = await faultyStore({ 'storage.objects.rewrite': ['return-503', 'return-reset-connection'] });
      const copied = await store.copy('projects/c/big.pdf', 'projects/c/copy.pdf', {
        ifSourceGenerationMatch: source.generation,
        ifGenerationMatch: '0',
        metadata: { 'bailiff-plan': 'p' },
      });
      expect(copied).toMatchObject({ size: data.length, md5: md5(data) });
      expect((await cleanStore().read('projects/c/copy.pdf')).equals(data)).toBe(true);
      await expectAllFaultsMet(id);
    });

    it('an unconditional copy is not retried', async () => {
      await cleanStore().write('projects/c/src.pdf', Buffer.from('source'));
      const { store, id } = await faultyStore({ 'storage.objects.rewrite': ['return-503'] });
      expect(await codeOf(store.copy('projects/c/src.pdf', 'projects/c/dst.pdf'))).toBe('unavailable');
      expect(await cleanStore().stat('projects/c/dst.pdf')).toBeUndefined();
      await expectAllFaultsMet(id);
    });

    it('a lost rewrite response comes back as precondition_failed, with the copy made once', async () => {
      const source = await cleanStore().write('projects/c/src.pdf', Buffer.from('source'));
      const { store, id } = await faultyStore({ 'storage.objects.rewrite': ['return-broken-stream'] });
      expect(await codeOf(store.copy('projects/c/src.pdf', 'projects/c/dst.pdf', { ifSourceGenerationMatch: source.generation, ifGenerationMatch: '0' }))).toBe(
        'precondition_failed',
      );
      expect((await cleanStore().read('projects/c/dst.pdf')).toString()).toBe('source');
      await expectAllFaultsMet(id);
    });
  });

  describe('storage.objects.delete', () => {
    for (const fault of TRANSIENT) {
      it(`a conditional delete survives ${fault}`, async () => {
        const written = await cleanStore().write('projects/c/gone.pdf', Buffer.from('x'));
        const { store, id } = await faultyStore({ 'storage.objects.delete': [fault] });
        await store.delete('projects/c/gone.pdf', { ifGenerationMatch: written.generation });
        expect(await cleanStore().stat('projects/c/gone.pdf')).toBeUndefined();
        await expectAllFaultsMet(id);
      });
    }

    it('an unconditional delete is not retried, and the object stays', async () => {
      await cleanStore().write('projects/c/stay.pdf', Buffer.from('x'));
      const { store, id } = await faultyStore({ 'storage.objects.delete': ['return-503'] });
      expect(await codeOf(store.delete('projects/c/stay.pdf'))).toBe('unavailable');
      expect(await cleanStore().stat('projects/c/stay.pdf')).toBeDefined();
      await expectAllFaultsMet(id);
    });

    it('an unconditional write leaves retries on for the requests after it', async () => {
      const { store, id } = await faultyStore({ 'storage.objects.delete': ['return-503'], 'storage.objects.get': ['return-503'] });
      // The audit file is written this way, by the same client as the plan's own mutations.
      const written = await store.write('projects/c/audit.jsonl', Buffer.from('{}\n'));
      await store.delete('projects/c/audit.jsonl', { ifGenerationMatch: written.generation });
      expect(await store.stat('projects/c/audit.jsonl')).toBeUndefined();
      await expectAllFaultsMet(id);
    });
  });

  describe('storage.objects.get and list', () => {
    for (const fault of [...TRANSIENT, 'return-broken-stream']) {
      it(`stat survives ${fault}`, async () => {
        const written = await cleanStore().write('projects/c/a.pdf', Buffer.from('x'));
        const { store, id } = await faultyStore({ 'storage.objects.get': [fault] });
        expect(await store.stat('projects/c/a.pdf')).toMatchObject({ generation: written.generation });
        await expectAllFaultsMet(id);
      });
    }

    it('a read survives a stream broken after 256 KiB of 1 MiB, byte for byte', async () => {
      const data = randomBytes(1024 * 1024);
      await cleanStore().write('projects/c/big.pdf', data);
      const { store, id } = await faultyStore({ 'storage.objects.get': ['return-broken-stream-after-256K'] });
      expect((await store.read('projects/c/big.pdf')).equals(data)).toBe(true);
      await expectAllFaultsMet(id);
    });

    it('a listing survives a 503 and a reset', async () => {
      await cleanStore().write('projects/c/a.pdf', Buffer.from('x'));
      const { store, id } = await faultyStore({ 'storage.objects.list': ['return-503', 'return-reset-connection'] });
      expect((await store.list('projects/c/')).objects.map((object) => object.name)).toEqual(['projects/c/a.pdf']);
      await expectAllFaultsMet(id);
    });

    it('gives up with a clear unavailable error after more faults in a row than the retry budget', async () => {
      await cleanStore().write('projects/c/a.pdf', Buffer.from('x'));
      const { store } = await faultyStore({ 'storage.objects.get': Array(6).fill('return-503') });
      let caught: unknown;
      await store.read('projects/c/a.pdf').catch((error: unknown) => (caught = error));
      expect(isBailiffError(caught) && caught.code).toBe('unavailable');
      expect(String((caught as Error).message)).toMatch(/read projects\/c\/a\.pdf: Cloud Storage answered 503/);
    });
  });
});

describe('a plan executed while Cloud Storage fails on every method', () => {
  const CASE = 'faulty-storage';
  let backend: TestBackend;
  beforeEach(async () => {
    backend = await testbenchBackend.make();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  const big = randomBytes(2.5 * 1024 * 1024);
  async function seedCase(target: TestBackend): Promise<void> {
    const files: Record<string, string> = { 'notes/draft.docx': 'draft v1', 'notes/old.txt': 'old', 'keep/me.txt': 'kept' };
    for (let i = 0; i < 12; i += 1) files[`intake/scan-${i}.pdf`] = `scan ${i}`;
    await seed(target.objects, CASE, files);
    await target.objects.write(`projects/${CASE}/intake/large.pdf`, big);
  }
  function operations(): Operation[] {
    const ops: Operation[] = [{ type: 'create_dir', destination: 'Medical Records' }];
    for (let i = 0; i < 12; i += 1) ops.push({ type: 'move', source: `intake/scan-${i}.pdf`, destination: `Medical Records/scan-${i}.pdf`, overwrite: false });
    ops.push({ type: 'move', source: 'intake/large.pdf', destination: 'Medical Records/large.pdf', overwrite: false });
    ops.push({ type: 'copy', source: 'Medical Records/large.pdf', destination: 'Copies/large.pdf', overwrite: false });
    for (let i = 0; i < 6; i += 1)
      ops.push({ type: 'write_file', destination: `Reports/report-${i}.md`, content: `report ${i}`, encoding: 'utf8', overwrite: false });
    ops.push({ type: 'write_file', destination: 'notes/draft.docx', content: 'draft v2', encoding: 'utf8', overwrite: true });
    ops.push({ type: 'delete', source: 'notes/old.txt' });
    return ops;
  }

  it('ends succeeded with every object in place, by content hash, and every backup kept', { timeout: 120_000 }, async () => {
    // The outcome without faults, on a backend of the same kind.
    const reference = await testbenchBackend.make();
    let expected: Map<string, string>;
    try {
      await seedCase(reference);
      const wiring = wire(reference);
      const planId = await proposeApproved(wiring, { case: CASE, description: 'sort', operations: operations() });
      expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
      expected = await snapshot(reference.objects, CASE);
    } finally {
      await reference.cleanup();
    }

    await seedCase(backend);
    // At most three faults per method: even if all of them meet one request (actions run 8 at
    // a time, so which request meets which fault varies), its retry budget (3) outlasts them.
    // Lost answers (broken-stream: done, then the answer cut off) as well as refusals.
    const id = await createRetryTest({
      'storage.objects.insert': ['return-503', 'return-broken-stream', 'return-429'],
      'storage.objects.rewrite': ['return-429', 'return-broken-stream', 'return-503'],
      'storage.objects.delete': ['return-503', 'return-429', 'return-reset-connection'],
      'storage.objects.get': ['return-503', 'return-broken-stream', 'return-reset-connection'],
      'storage.objects.list': ['return-503', 'return-reset-connection'],
    });
    const faulty = backend.objectsWith!({ retryOptions: FAST_RETRIES, requestHeaders: { 'x-retry-test-id': id } });
    const wiring = wire(backend, { executorObjects: faulty });
    const planId = await proposeApproved(wiring, { case: CASE, description: 'sort', operations: operations() });
    const result = await applyAndRun(wiring, agent, planId);
    expect(`${result.plan.status} ${result.execution?.lastError ?? ''}`).toBe('succeeded ');
    await expectAllFaultsMet(id);
    expect(await snapshot(backend.objects, CASE)).toEqual(expected);
    const backups = await backend.objects.list(`.bailiff/backups/${planId}/`);
    expect(backups.objects.map((object) => object.name.replace(/^.*?\/\d+\//, '')).sort()).toEqual([
      `projects/${CASE}/notes/draft.docx`,
      `projects/${CASE}/notes/old.txt`,
    ]);
    expect((await backend.objects.list(auditCopiesPrefix(CASE, planId))).objects).toHaveLength(1);
  });

  it('after more 503s in a row than the retry budget, gives up with a clear error, and the redelivery finishes losing nothing', async () => {
    await seed(backend.objects, CASE, { 'intake/a.pdf': 'a', 'intake/b.pdf': 'b', 'intake/c.pdf': 'c' });
    // Four 503s meet the first delete (a move's second half) and all three of its retries.
    const id = await createRetryTest({ 'storage.objects.delete': Array(4).fill('return-503') });
    const faulty = backend.objectsWith!({ retryOptions: FAST_RETRIES, requestHeaders: { 'x-retry-test-id': id } });
    const wiring = wire(backend, { executorObjects: faulty, executor: { concurrency: 1 } });
    const planId = await proposeApproved(wiring, {
      case: CASE,
      description: 'sort',
      operations: ['a', 'b', 'c'].map((name) => ({ type: 'move', source: `intake/${name}.pdf`, destination: `sorted/${name}.pdf`, overwrite: false })),
    });
    await wiring.service.apply(agent, planId);
    const [message] = wiring.queue.take();
    // Unavailable storage is not the plan's fault: the invocation fails, naming what Cloud
    // Storage said, so Pub/Sub redelivers; nothing is skipped or recorded as done.
    await expect(wiring.executor.handle(message!)).rejects.toThrow(/delete projects\/faulty-storage\/intake\/a\.pdf: Cloud Storage answered 503/);
    await expectAllFaultsMet(id);
    expect((await wiring.service.get(agent, planId)).plan.status).toBe('running');
    // The redelivery, once the dead invocation's lease has expired, resumes from the journal.
    wiring.clock.advance(60_000);
    await wiring.executor.handle(message!, { attempt: 2 });
    await drain(wiring);
    expect((await wiring.service.get(agent, planId)).plan.status).toBe('succeeded');
    expect(await snapshot(backend.objects, CASE)).toEqual(
      new Map([
        ['sorted/a.pdf', sha('a')],
        ['sorted/b.pdf', sha('b')],
        ['sorted/c.pdf', sha('c')],
      ]),
    );
  });
});
