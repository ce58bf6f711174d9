/**
 * The ObjectStore contract: the one suite every adapter must pass, so the executor can rely
 * on the same behaviour from a bucket and from a local directory.
 *
 * Backends differ in one respect the suite makes explicit rather than skipping: which
 * preconditions the backend itself enforces. Each adapter run declares its
 * `ObjectStoreCapabilities`; for a capability declared `false` (fake-gcs-server v1.56.1 ignores
 * preconditions on rewrite and delete) the suite registers a test that pins down the gap — it
 * asserts the backend really does ignore it — instead of the enforcement test. So the set of
 * assertions per adapter is visible in the test names, and a backend upgrade that closes a gap
 * fails loudly until the capability is switched on.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invalidInput, isBailiffError, type ErrorCode } from '../../shared/errors.ts';
import { listAll, type ObjectInfo, type ObjectStore } from '../../shared/ports/object-store.ts';

/** What the backend behind an adapter enforces, where backends differ. */
export interface ObjectStoreCapabilities {
  /** Copy refuses a destination whose generation differs from `ifGenerationMatch` (incl. `"0"`). */
  copyDestinationPreconditions: boolean;
  /** Copy refuses a source whose generation differs from `ifSourceGenerationMatch`. */
  copySourcePreconditions: boolean;
  /** Delete refuses an object whose generation differs from `ifGenerationMatch`. */
  deletePreconditions: boolean;
  /** The adapter offers the optional atomic `rename()`. */
  rename: boolean;
  /** Listing honours `pageSize` and returns page tokens (the testbench answers in one page). */
  listPagination: boolean;
  /** A copy given new custom metadata replaces the source's (the testbench merges them). */
  copyReplacesMetadata: boolean;
}

/** Every precondition enforced: what real Cloud Storage and the local adapter do. */
export const ALL_PRECONDITIONS = {
  copyDestinationPreconditions: true,
  copySourcePreconditions: true,
  deletePreconditions: true,
} as const satisfies Partial<ObjectStoreCapabilities>;

/** How real Cloud Storage and the local adapter list and copy. */
export const FAITHFUL_LISTING_AND_COPY = {
  listPagination: true,
  copyReplacesMetadata: true,
} as const satisfies Partial<ObjectStoreCapabilities>;

export interface ObjectStoreFixture {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('base64');

/** The error a verifying upload raises when the bytes do not match what was declared. */
function mismatchError(): Error {
  return invalidInput('the uploaded bytes do not match the declared hash');
}

/** Awaits a promise expected to fail with a BailiffError of `code`, and returns the error. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a BailiffError ${code}`).toBeDefined();
  if (!isBailiffError(caught)) throw new Error(`expected a BailiffError ${code}, got ${String(caught)}`, { cause: caught });
  expect(caught.code).toBe(code);
}

async function names(store: ObjectStore, prefix: string): Promise<string[]> {
  const all: string[] = [];
  for await (const page of listAll(store, prefix)) all.push(...page.objects.map((object) => object.name));
  return all;
}

function settledCodes(results: PromiseSettledResult<unknown>[]): { fulfilled: number; codes: string[] } {
  return {
    fulfilled: results.filter((result) => result.status === 'fulfilled').length,
    codes: results
      .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
      .map((result) => (isBailiffError(result.reason) ? result.reason.code : `not a BailiffError: ${String(result.reason)}`)),
  };
}

/**
 * Registers the contract suite for one adapter. `makeStore` runs before every test and must
 * return an empty store (a fresh bucket, a fresh directory); `cleanup` runs after it.
 */
export function describeObjectStoreContract(adapterName: string, makeStore: () => Promise<ObjectStoreFixture>, capabilities: ObjectStoreCapabilities): void {
  describe(`ObjectStore contract: ${adapterName}`, () => {
    let fixture: ObjectStoreFixture | undefined;
    let store: ObjectStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    describe('write, stat, read', () => {
      it('round-trips content, size, md5 and custom metadata', async () => {
        const data = Buffer.from('Witness statement, signed.\n');
        const metadata = { 'bailiff-plan': 'plan-1', 'bailiff-action': '3' };
        const written = await store.write('projects/case-1/Statements/w1.txt', data, { metadata, contentType: 'text/plain' });
        expect(written).toMatchObject({ name: 'projects/case-1/Statements/w1.txt', size: data.length, md5: md5(data), metadata });
        expect(written.generation).toMatch(/\S/);
        expect(Number.isNaN(Date.parse(written.updated))).toBe(false);

        const stat = await store.stat('projects/case-1/Statements/w1.txt');
        expect(stat).toMatchObject({ name: written.name, size: data.length, generation: written.generation, md5: md5(data), metadata });
        expect(await store.read('projects/case-1/Statements/w1.txt')).toEqual(data);
      });

      it('keeps binary content byte for byte', async () => {
        const data = randomBytes(256 * 1024);
        const written = await store.write('projects/case-1/scan.pdf', data);
        expect(written.md5).toBe(md5(data));
        expect((await store.read('projects/case-1/scan.pdf')).equals(data)).toBe(true);
      });

      it('stores an empty object', async () => {
        const written = await store.write('projects/case-1/empty.txt', Buffer.alloc(0));
        expect(written).toMatchObject({ size: 0, md5: md5('') });
        expect((await store.read('projects/case-1/empty.txt')).length).toBe(0);
      });

      it('answers undefined / not_found for a missing object', async () => {
        expect(await store.stat('projects/case-1/missing.txt')).toBeUndefined();
        await expectCode(store.read('projects/case-1/missing.txt'), 'not_found');
      });

      it('replaces content and metadata on overwrite, with a new generation', async () => {
        const first = await store.write('projects/case-1/a.txt', Buffer.from('one'), { metadata: { keep: 'no' } });
        const second = await store.write('projects/case-1/a.txt', Buffer.from('two'));
        expect(second.generation).not.toBe(first.generation);
        expect(second.metadata).toEqual({});
        expect((await store.read('projects/case-1/a.txt')).toString()).toBe('two');
        expect((await store.stat('projects/case-1/a.txt'))?.generation).toBe(second.generation);
      });

      it('never reuses a generation for a name, even after delete and identical re-creation', async () => {
        const generations = new Set<string>();
        const name = 'projects/case-1/again.txt';
        generations.add((await store.write(name, Buffer.from('v1'))).generation);
        generations.add((await store.write(name, Buffer.from('v2'))).generation);
        await store.delete(name);
        generations.add((await store.write(name, Buffer.from('v1'))).generation);
        generations.add((await store.write(name, Buffer.from('v1'))).generation);
        expect(generations.size).toBe(4);
      });
    });

    describe('write preconditions', () => {
      it('ifGenerationMatch "0" creates only when absent', async () => {
        const created = await store.write('projects/case-1/new.txt', Buffer.from('first'), { ifGenerationMatch: '0' });
        await expectCode(store.write('projects/case-1/new.txt', Buffer.from('second'), { ifGenerationMatch: '0' }), 'precondition_failed');
        expect((await store.read('projects/case-1/new.txt')).toString()).toBe('first');
        expect((await store.stat('projects/case-1/new.txt'))?.generation).toBe(created.generation);
      });

      it('ifGenerationMatch overwrites only the generation seen', async () => {
        const first = await store.write('projects/case-1/doc.txt', Buffer.from('v1'));
        const second = await store.write('projects/case-1/doc.txt', Buffer.from('v2'), { ifGenerationMatch: first.generation });
        await expectCode(store.write('projects/case-1/doc.txt', Buffer.from('stale'), { ifGenerationMatch: first.generation }), 'precondition_failed');
        expect((await store.read('projects/case-1/doc.txt')).toString()).toBe('v2');
        expect((await store.stat('projects/case-1/doc.txt'))?.generation).toBe(second.generation);
      });

      it('ifGenerationMatch on a missing object fails', async () => {
        const other = await store.write('projects/case-1/other.txt', Buffer.from('x'));
        await expectCode(store.write('projects/case-1/absent.txt', Buffer.from('y'), { ifGenerationMatch: other.generation }), 'precondition_failed');
        expect(await store.stat('projects/case-1/absent.txt')).toBeUndefined();
      });

      it('10 concurrent creates of one name: exactly one wins, the rest are precondition_failed', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.write('projects/case-1/race.txt', Buffer.from(`writer ${i}`), { ifGenerationMatch: '0' })),
        );
        expect(settledCodes(results)).toEqual({ fulfilled: 1, codes: Array(9).fill('precondition_failed') });
        const winner = results.findIndex((result) => result.status === 'fulfilled');
        expect((await store.read('projects/case-1/race.txt')).toString()).toBe(`writer ${winner}`);
      });

      it('10 concurrent overwrites of one generation: exactly one wins', async () => {
        const base = await store.write('projects/case-1/race2.txt', Buffer.from('base'));
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.write('projects/case-1/race2.txt', Buffer.from(`writer ${i}`), { ifGenerationMatch: base.generation })),
        );
        expect(settledCodes(results)).toEqual({ fulfilled: 1, codes: Array(9).fill('precondition_failed') });
      });
    });

    describe('list', () => {
      const sevenNames = ['projects/case-7/e.txt', 'projects/case-7/a.txt', 'projects/case-7/d/x.txt', 'projects/case-7/b.txt', 'projects/case-7/c.txt'];
      async function pagesOfTwo(): Promise<{ pages: ObjectInfo[][]; generations: Map<string, string> }> {
        const generations = new Map<string, string>();
        for (const name of sevenNames) generations.set(name, (await store.write(name, Buffer.from(name))).generation);
        const pages: ObjectInfo[][] = [];
        let pageToken: string | undefined;
        do {
          const page = await store.list('projects/case-7/', { pageSize: 2, ...(pageToken ? { pageToken } : {}) });
          pages.push(page.objects);
          pageToken = page.nextPageToken;
        } while (pageToken && pages.length < 10);
        return { pages, generations };
      }

      if (capabilities.listPagination) {
        it('pages through objects in lexicographic order with pageSize 2', async () => {
          const { pages, generations } = await pagesOfTwo();
          expect(pages.map((page) => page.map((object) => object.name))).toEqual([
            ['projects/case-7/a.txt', 'projects/case-7/b.txt'],
            ['projects/case-7/c.txt', 'projects/case-7/d/x.txt'],
            ['projects/case-7/e.txt'],
          ]);
          for (const object of pages.flat()) {
            expect(object.generation).toBe(generations.get(object.name));
            expect(object.size).toBe(Buffer.byteLength(object.name));
          }
        });
      } else {
        it('documents a gap: this backend ignores pageSize and lists everything in one page, in order', async () => {
          const { pages } = await pagesOfTwo();
          // If this starts failing, the backend pages now: set listPagination.
          expect(pages.map((page) => page.map((object) => object.name))).toEqual([[...sevenNames].sort()]);
        });
      }

      it('orders by bytes: `-` before `/` before `0`', async () => {
        for (const name of ['p/a0', 'p/a/c/d', 'p/a-b', 'p/a/b']) await store.write(name, Buffer.from('x'));
        expect(await names(store, 'p/')).toEqual(['p/a-b', 'p/a/b', 'p/a/c/d', 'p/a0']);
      });

      it('a prefix with a trailing slash does not list a sibling case that merely starts the same', async () => {
        await store.write('projects/case-12/a.txt', Buffer.from('12'));
        await store.write('projects/case-123/b.txt', Buffer.from('123'));
        await store.write('projects/case-12/sub/c.txt', Buffer.from('12'));
        expect(await names(store, 'projects/case-12/')).toEqual(['projects/case-12/a.txt', 'projects/case-12/sub/c.txt']);
        expect(await names(store, 'projects/case-12')).toEqual(['projects/case-12/a.txt', 'projects/case-12/sub/c.txt', 'projects/case-123/b.txt']);
      });

      it('returns custom metadata in listings', async () => {
        await store.write('projects/case-1/m.txt', Buffer.from('m'), { metadata: { 'bailiff-plan': 'p9' } });
        const page = await store.list('projects/case-1/');
        expect(page.objects).toHaveLength(1);
        expect(page.objects[0]?.metadata).toEqual({ 'bailiff-plan': 'p9' });
        expect(page.nextPageToken).toBeUndefined();
      });

      it('lists the same names, sizes and generations when the caller does not want metadata', async () => {
        await store.write('projects/case-1/m.txt', Buffer.from('mm'), { metadata: { 'bailiff-plan': 'p9' } });
        await store.write('projects/case-1/n.txt', Buffer.from('n'));
        const strip = (objects: ObjectInfo[]) => objects.map(({ name, size, generation }) => ({ name, size, generation }));
        const full = await store.list('projects/case-1/');
        const lean = await store.list('projects/case-1/', { withMetadata: false });
        expect(strip(lean.objects)).toEqual(strip(full.objects));
        expect(strip(lean.objects).map((object) => object.size)).toEqual([2, 1]);
      });

      it('lists nothing for an unknown prefix', async () => {
        await store.write('projects/case-1/x.txt', Buffer.from('x'));
        expect(await store.list('projects/nope/')).toEqual({ objects: [] });
      });
    });

    describe('folder markers', () => {
      it('a zero-byte name ending in / is a folder marker that can be stat-ed, listed, read and deleted', async () => {
        const marker = await store.write('projects/case-1/Empty/', Buffer.alloc(0));
        expect(marker).toMatchObject({ name: 'projects/case-1/Empty/', size: 0, md5: md5('') });
        expect(await store.stat('projects/case-1/Empty/')).toMatchObject({ name: 'projects/case-1/Empty/', size: 0, generation: marker.generation });
        await store.write('projects/case-1/file.txt', Buffer.from('f'));
        expect(await names(store, 'projects/case-1/')).toEqual(['projects/case-1/Empty/', 'projects/case-1/file.txt']);
        expect((await store.read('projects/case-1/Empty/')).length).toBe(0);
        await store.delete('projects/case-1/Empty/', { ifGenerationMatch: marker.generation });
        expect(await store.stat('projects/case-1/Empty/')).toBeUndefined();
        expect(await names(store, 'projects/case-1/')).toEqual(['projects/case-1/file.txt']);
      });

      it('a marker must not exist yet when created with ifGenerationMatch "0"', async () => {
        await store.write('projects/case-1/Dir/', Buffer.alloc(0), { ifGenerationMatch: '0' });
        await expectCode(store.write('projects/case-1/Dir/', Buffer.alloc(0), { ifGenerationMatch: '0' }), 'precondition_failed');
      });

      it('refuses content under a marker name', async () => {
        await expectCode(store.write('projects/case-1/Dir/', Buffer.from('data')), 'invalid_input');
      });
    });

    describe('copy', () => {
      it('copies content and sets the given custom metadata', async () => {
        const source = await store.write('projects/case-1/src.txt', Buffer.from('original'), { metadata: { a: '1', b: '2' } });
        const copied = await store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', {
          ifSourceGenerationMatch: source.generation,
          ifGenerationMatch: '0',
          metadata: { 'bailiff-plan': 'p1', 'bailiff-action': '0' },
        });
        expect(copied).toMatchObject({ name: 'projects/case-1/dst.txt', size: 8, md5: md5('original') });
        expect(copied.metadata).toMatchObject({ 'bailiff-plan': 'p1', 'bailiff-action': '0' });
        expect((await store.read('projects/case-1/dst.txt')).toString()).toBe('original');
        expect((await store.stat('projects/case-1/dst.txt'))?.metadata).toEqual(copied.metadata);
        expect(await store.stat('projects/case-1/src.txt')).toMatchObject({ generation: source.generation, metadata: { a: '1', b: '2' } });
        if (capabilities.copyReplacesMetadata) {
          expect(copied.metadata).toEqual({ 'bailiff-plan': 'p1', 'bailiff-action': '0' });
        } else {
          // Documents a gap: this backend merges the source's keys in. If this starts failing,
          // it replaces them now: set copyReplacesMetadata.
          expect(copied.metadata).toEqual({ a: '1', b: '2', 'bailiff-plan': 'p1', 'bailiff-action': '0' });
        }
      });

      it('copies an object larger than one rewrite step byte for byte', async () => {
        // 2.5 MiB: three rewrite calls where the adapter asks for 1 MiB per call.
        const data = randomBytes(2.5 * 1024 * 1024);
        const source = await store.write('projects/case-1/big.pdf', data);
        const copied = await store.copy('projects/case-1/big.pdf', 'projects/case-1/copy/big.pdf', {
          ifSourceGenerationMatch: source.generation,
          ifGenerationMatch: '0',
          metadata: { 'bailiff-plan': 'p1' },
        });
        expect(copied).toMatchObject({ size: data.length, md5: md5(data), metadata: { 'bailiff-plan': 'p1' } });
        expect((await store.read('projects/case-1/copy/big.pdf')).equals(data)).toBe(true);
      });

      it('keeps the source metadata when none is given', async () => {
        await store.write('projects/case-1/src.txt', Buffer.from('x'), { metadata: { a: '1' } });
        const copied = await store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt');
        expect(copied.metadata).toEqual({ a: '1' });
      });

      it('overwrites the destination generation it names', async () => {
        await store.write('projects/case-1/src.txt', Buffer.from('new'));
        const old = await store.write('projects/case-1/dst.txt', Buffer.from('old'));
        const copied = await store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifGenerationMatch: old.generation });
        expect(copied.generation).not.toBe(old.generation);
        expect((await store.read('projects/case-1/dst.txt')).toString()).toBe('new');
      });

      it('fails with not_found for a missing source', async () => {
        await expectCode(store.copy('projects/case-1/missing.txt', 'projects/case-1/dst.txt'), 'not_found');
        expect(await store.stat('projects/case-1/dst.txt')).toBeUndefined();
      });

      if (capabilities.copySourcePreconditions) {
        it('refuses a stale source generation (ifSourceGenerationMatch)', async () => {
          const v1 = await store.write('projects/case-1/src.txt', Buffer.from('v1'));
          await store.write('projects/case-1/src.txt', Buffer.from('v2'));
          await expectCode(store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifSourceGenerationMatch: v1.generation }), 'precondition_failed');
          expect(await store.stat('projects/case-1/dst.txt')).toBeUndefined();
        });
      } else {
        it('documents a gap: this backend ignores ifSourceGenerationMatch on copy', async () => {
          const v1 = await store.write('projects/case-1/src.txt', Buffer.from('v1'));
          await store.write('projects/case-1/src.txt', Buffer.from('v2'));
          // If this starts failing, the backend enforces it now: set copySourcePreconditions.
          await store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifSourceGenerationMatch: v1.generation });
          expect((await store.read('projects/case-1/dst.txt')).toString()).toBe('v2');
        });
      }

      if (capabilities.copyDestinationPreconditions) {
        it('refuses an existing destination with ifGenerationMatch "0", and a stale destination generation', async () => {
          await store.write('projects/case-1/src.txt', Buffer.from('new'));
          const v1 = await store.write('projects/case-1/dst.txt', Buffer.from('keep me'));
          await expectCode(store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifGenerationMatch: '0' }), 'precondition_failed');
          const v2 = await store.write('projects/case-1/dst.txt', Buffer.from('keep me too'));
          await expectCode(store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifGenerationMatch: v1.generation }), 'precondition_failed');
          expect(await store.stat('projects/case-1/dst.txt')).toMatchObject({ generation: v2.generation, md5: md5('keep me too') });
        });

        it('10 concurrent copies to one new name: exactly one wins', async () => {
          await store.write('projects/case-1/src.txt', Buffer.from('s'));
          const results = await Promise.allSettled(
            Array.from({ length: 10 }, () => store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifGenerationMatch: '0' })),
          );
          expect(settledCodes(results)).toEqual({ fulfilled: 1, codes: Array(9).fill('precondition_failed') });
        });
      } else {
        it('documents a gap: this backend ignores ifGenerationMatch on the copy destination', async () => {
          await store.write('projects/case-1/src.txt', Buffer.from('new'));
          await store.write('projects/case-1/dst.txt', Buffer.from('old'));
          // If this starts failing, the backend enforces it now: set copyDestinationPreconditions.
          await store.copy('projects/case-1/src.txt', 'projects/case-1/dst.txt', { ifGenerationMatch: '0' });
          expect((await store.read('projects/case-1/dst.txt')).toString()).toBe('new');
        });
      }
    });

    describe('delete', () => {
      it('deletes the generation it names', async () => {
        const written = await store.write('projects/case-1/gone.txt', Buffer.from('x'));
        await store.delete('projects/case-1/gone.txt', { ifGenerationMatch: written.generation });
        expect(await store.stat('projects/case-1/gone.txt')).toBeUndefined();
        await expectCode(store.read('projects/case-1/gone.txt'), 'not_found');
      });

      it('fails with not_found for a missing object', async () => {
        await expectCode(store.delete('projects/case-1/missing.txt'), 'not_found');
      });

      it('10 concurrent deletes of one generation: exactly one succeeds', async () => {
        const written = await store.write('projects/case-1/once.txt', Buffer.from('x'));
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.delete('projects/case-1/once.txt', { ifGenerationMatch: written.generation })),
        );
        const { fulfilled, codes } = settledCodes(results);
        expect(fulfilled).toBe(1);
        // Losers see the object gone (not_found) or no longer at that generation.
        for (const code of codes) expect(['not_found', 'precondition_failed']).toContain(code);
        expect(await store.stat('projects/case-1/once.txt')).toBeUndefined();
      });

      if (capabilities.deletePreconditions) {
        it('refuses a stale generation and keeps the newer object', async () => {
          const v1 = await store.write('projects/case-1/keep.txt', Buffer.from('v1'));
          const v2 = await store.write('projects/case-1/keep.txt', Buffer.from('v2'));
          await expectCode(store.delete('projects/case-1/keep.txt', { ifGenerationMatch: v1.generation }), 'precondition_failed');
          expect(await store.stat('projects/case-1/keep.txt')).toMatchObject({ generation: v2.generation });
        });
      } else {
        it('documents a gap: this backend ignores ifGenerationMatch on delete', async () => {
          const v1 = await store.write('projects/case-1/keep.txt', Buffer.from('v1'));
          await store.write('projects/case-1/keep.txt', Buffer.from('v2'));
          // If this starts failing, the backend enforces it now: set deletePreconditions.
          await store.delete('projects/case-1/keep.txt', { ifGenerationMatch: v1.generation });
          expect(await store.stat('projects/case-1/keep.txt')).toBeUndefined();
        });
      }
    });

    if (capabilities.rename) {
      describe('rename', () => {
        it('moves content and metadata', async () => {
          const rename = store.rename!.bind(store);
          const source = await store.write('projects/case-1/in/a.txt', Buffer.from('moving'), { metadata: { a: '1' } });
          const moved = await rename('projects/case-1/in/a.txt', 'projects/case-1/out/b.txt', {
            ifSourceGenerationMatch: source.generation,
            ifGenerationMatch: '0',
          });
          expect(moved).toMatchObject({ name: 'projects/case-1/out/b.txt', size: 6, md5: md5('moving'), metadata: { a: '1' } });
          expect(await store.stat('projects/case-1/in/a.txt')).toBeUndefined();
          expect((await store.read('projects/case-1/out/b.txt')).toString()).toBe('moving');
          expect((await store.stat('projects/case-1/out/b.txt'))?.generation).toBe(moved.generation);
        });

        it('honours both preconditions and loses nothing when refused', async () => {
          const rename = store.rename!.bind(store);
          const v1 = await store.write('projects/case-1/src.txt', Buffer.from('v1'));
          const v2 = await store.write('projects/case-1/src.txt', Buffer.from('v2'));
          const other = await store.write('projects/case-1/taken.txt', Buffer.from('taken'));
          await expectCode(rename('projects/case-1/src.txt', 'projects/case-1/new.txt', { ifSourceGenerationMatch: v1.generation }), 'precondition_failed');
          await expectCode(rename('projects/case-1/src.txt', 'projects/case-1/taken.txt', { ifGenerationMatch: '0' }), 'precondition_failed');
          await expectCode(rename('projects/case-1/missing.txt', 'projects/case-1/x.txt'), 'not_found');
          expect(await store.stat('projects/case-1/src.txt')).toMatchObject({ generation: v2.generation });
          expect(await store.stat('projects/case-1/taken.txt')).toMatchObject({ generation: other.generation });
          expect(await store.stat('projects/case-1/new.txt')).toBeUndefined();
          const replaced = await rename('projects/case-1/src.txt', 'projects/case-1/taken.txt', {
            ifSourceGenerationMatch: v2.generation,
            ifGenerationMatch: other.generation,
          });
          expect(replaced.generation).not.toBe(other.generation);
          expect((await store.read('projects/case-1/taken.txt')).toString()).toBe('v2');
          expect(await store.stat('projects/case-1/src.txt')).toBeUndefined();
        });

        it('10 concurrent moves of one source to one new name: exactly one wins, the content is in one place', async () => {
          const rename = store.rename!.bind(store);
          const source = await store.write('projects/case-1/one.txt', Buffer.from('only copy'));
          const results = await Promise.allSettled(
            Array.from({ length: 10 }, () =>
              rename('projects/case-1/one.txt', 'projects/case-1/two.txt', { ifSourceGenerationMatch: source.generation, ifGenerationMatch: '0' }),
            ),
          );
          const { fulfilled, codes } = settledCodes(results);
          expect(fulfilled).toBe(1);
          for (const code of codes) expect(['not_found', 'precondition_failed']).toContain(code);
          expect(await names(store, 'projects/case-1/')).toEqual(['projects/case-1/two.txt']);
          expect((await store.read('projects/case-1/two.txt')).toString()).toBe('only copy');
        });
      });
    } else {
      it('offers no rename(): moves are copy, verify, delete', () => {
        expect(store.rename).toBeUndefined();
      });
    }

    describe('streaming: openRead, writeFrom, content type', () => {
      it('records the content type on write and keeps it through a copy', async () => {
        await store.write('projects/case-1/a.pdf', Buffer.from('%PDF-1.7'), { contentType: 'application/pdf' });
        expect((await store.stat('projects/case-1/a.pdf'))?.contentType).toBe('application/pdf');
        await store.copy('projects/case-1/a.pdf', 'projects/case-1/b.pdf', { metadata: { 'bailiff-plan': 'p' } });
        expect((await store.stat('projects/case-1/b.pdf'))?.contentType).toBe('application/pdf');
        const listed = (await store.list('projects/case-1/')).objects.find((object) => object.name === 'projects/case-1/a.pdf');
        expect(listed?.contentType).toBe('application/pdf');
      });

      it('keeps the content type through a copy given the headers a listing recorded (the executor copies so, without reading the source)', async () => {
        const written = await store.write('projects/case-1/r.pdf', Buffer.from('%PDF-1.7 recorded'), { contentType: 'application/pdf' });
        const listed = (await store.list('projects/case-1/')).objects.find((object) => object.name === 'projects/case-1/r.pdf')!;
        const copied = await store.copy('projects/case-1/r.pdf', 'projects/case-1/s.pdf', {
          ifSourceGenerationMatch: written.generation,
          ifGenerationMatch: '0',
          metadata: { 'bailiff-plan': 'p' },
          sourceHeaders: { ...(listed.contentType ? { contentType: listed.contentType } : {}), ...(listed.headers ? { headers: listed.headers } : {}) },
        });
        expect(copied).toMatchObject({ size: written.size, md5: written.md5, metadata: { 'bailiff-plan': 'p' } });
        expect((await store.stat('projects/case-1/s.pdf'))?.contentType).toBe('application/pdf');
      });

      it('streams the whole object and describes exactly the version streamed', async () => {
        const data = randomBytes(300 * 1024);
        const written = await store.write('projects/case-1/scan.bin', data, { contentType: 'application/octet-stream' });
        const { info, stream } = await store.openRead('projects/case-1/scan.bin');
        expect(info).toMatchObject({ size: data.length, generation: written.generation });
        expect((await collect(stream)).equals(data)).toBe(true);
      });

      it('streams a byte range, both ends inclusive, and clamps an end past the object', async () => {
        const data = Buffer.from('0123456789abcdef');
        await store.write('projects/case-1/r.txt', data);
        expect((await collect((await store.openRead('projects/case-1/r.txt', { range: { start: 2, end: 5 } })).stream)).toString()).toBe('2345');
        expect((await collect((await store.openRead('projects/case-1/r.txt', { range: { start: 10 } })).stream)).toString()).toBe('abcdef');
        expect((await collect((await store.openRead('projects/case-1/r.txt', { range: { start: 14, end: 99 } })).stream)).toString()).toBe('ef');
        await expectCode(store.openRead('projects/case-1/r.txt', { range: { start: 16 } }), 'invalid_input');
      });

      it('refuses a missing object and a stale generation', async () => {
        await expectCode(store.openRead('projects/case-1/none.txt'), 'not_found');
        const written = await store.write('projects/case-1/g.txt', Buffer.from('v1'));
        await store.write('projects/case-1/g.txt', Buffer.from('v2'));
        await expectCode(store.openRead('projects/case-1/g.txt', { ifGenerationMatch: written.generation }), 'precondition_failed');
      });

      it('writes from a stream of many chunks with md5, content type, metadata and preconditions', async () => {
        const chunks = Array.from({ length: 40 }, () => randomBytes(64 * 1024));
        const data = Buffer.concat(chunks);
        const written = await store.writeFrom('projects/case-1/big.bin', Readable.from(chunks), {
          contentType: 'application/pdf',
          metadata: { 'bailiff-plan': 'p1' },
          ifGenerationMatch: '0',
        });
        expect(written).toMatchObject({ size: data.length, md5: md5(data), metadata: { 'bailiff-plan': 'p1' } });
        expect((await store.stat('projects/case-1/big.bin'))?.contentType).toBe('application/pdf');
        expect((await store.read('projects/case-1/big.bin')).equals(data)).toBe(true);
        await expectCode(store.writeFrom('projects/case-1/big.bin', Readable.from([Buffer.from('x')]), { ifGenerationMatch: '0' }), 'precondition_failed');
        expect((await store.read('projects/case-1/big.bin')).equals(data)).toBe(true);
      });

      it('publishes nothing when the source fails part-way (a verifying transform refusing the bytes)', async () => {
        const refuse = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            done(null, chunk);
          },
          flush(done) {
            done(mismatchError());
          },
        });
        const source = Readable.from([randomBytes(128 * 1024), randomBytes(128 * 1024)]).pipe(refuse);
        await expectCode(store.writeFrom('projects/case-1/refused.bin', source), 'invalid_input');
        expect(await store.stat('projects/case-1/refused.bin')).toBeUndefined();
      });
    });

    it('health() resolves', async () => {
      await expect(store.health()).resolves.toBeUndefined();
    });
  });
}
