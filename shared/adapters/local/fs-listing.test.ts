/**
 * The local store's listing beyond the shared contract: its name order is Cloud Storage's
 * (UTF-8 bytes), a paged listing resumes its walk between pages and still lists every object
 * once, and the quick listing without metadata describes objects as the full one does.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../ports/object-store.ts';
import { compareNames } from './fs-listing.ts';
import { FsObjectStore } from './fs-object-store.ts';
import { SuspendedListings } from './suspended-listings.ts';

describe('compareNames', () => {
  it('orders names as their UTF-8 bytes do, surrogate pairs included', () => {
    const names = ['a', 'ab', 'a/b', 'a-b', 'Z', 'é', '\u00ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '𝄞x', '\ud83d\ude00a', '', 'a\u0000'];
    for (const a of names) {
      for (const b of names)
        expect(Math.sign(compareNames(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });
});

describe('FsObjectStore listing', () => {
  let dir: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-fs-listing-'));
    store = new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'metadata') });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function pages(prefix: string, pageSize: number, withMetadata: boolean): Promise<ObjectInfo[][]> {
    const all: ObjectInfo[][] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.list(prefix, { pageSize, withMetadata, ...(pageToken ? { pageToken } : {}) });
      all.push(page.objects);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  }

  it('pages through folders of many files, each object once and in order, as one page would', async () => {
    const caseDir = join(dir, 'workspace', 'projects', 'c');
    for (const folder of ['a', 'b', 'b/deep', 'c']) await mkdir(join(caseDir, folder), { recursive: true });
    await mkdir(join(caseDir, 'empty'), { recursive: true });
    for (let i = 0; i < 25; i += 1) await writeFile(join(caseDir, ['a', 'b', 'b/deep', 'c'][i % 4]!, `f${String(i).padStart(2, '0')}.txt`), `file ${i}`);
    await store.write('projects/c/b/tagged.txt', Buffer.from('tagged'), { metadata: { plan: 'p1' } });

    const whole = (await store.list('projects/c/', { pageSize: 1000 })).objects;
    expect(whole.map((object) => object.name)).toEqual([...whole.map((object) => object.name)].sort(compareNames));
    expect(whole).toHaveLength(27);
    for (const pageSize of [1, 3, 7]) {
      const quick = await pages('projects/c/', pageSize, false);
      expect(quick.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
      // Without metadata the same objects, described the same way but for the custom metadata.
      expect(quick.flat()).toEqual(
        whole.map(({ md5, contentType, metadata, ...rest }) => ({ ...rest, ...(rest.name.endsWith('/') ? { md5 } : {}), metadata: {} })),
      );
      expect((await pages('projects/c/', pageSize, true)).flat()).toEqual(whole);
    }
  });

  it('reports links, names in NFD and other non-files as refused entries, not objects, on every page size', async () => {
    const caseDir = join(dir, 'workspace', 'projects', 'c');
    await mkdir(join(caseDir, 'notes'), { recursive: true });
    await mkdir(join(caseDir, 'Cafe\u0301'), { recursive: true });
    await writeFile(join(caseDir, 'Cafe\u0301', 'inside.txt'), 'behind an NFD folder');
    await writeFile(join(caseDir, 'a.txt'), 'a');
    await writeFile(join(caseDir, 'Mu\u0308ller.pdf'), 'nfd');
    await writeFile(join(caseDir, 'notes', 'n.txt'), 'n');
    await symlink('..', join(caseDir, 'notes', 'up'));
    await symlink('a.txt', join(caseDir, 'z-link.txt'));
    const objects = ['projects/c/a.txt', 'projects/c/notes/n.txt'];
    const refused = [
      { name: 'projects/c/Cafe\u0301/', kind: 'name_not_nfc' },
      { name: 'projects/c/Mu\u0308ller.pdf', kind: 'name_not_nfc' },
      { name: 'projects/c/notes/up', kind: 'symbolic_link' },
      { name: 'projects/c/z-link.txt', kind: 'symbolic_link' },
    ];
    const byName = (a: { name: string }, b: { name: string }) => compareNames(a.name, b.name);
    for (const pageSize of [1, 2, 1000]) {
      for (const withMetadata of [true, false]) {
        const seen: string[] = [];
        const found: Array<{ name: string; kind: string }> = [];
        let pageToken: string | undefined;
        do {
          const page = await store.list('projects/c/', { pageSize, withMetadata, ...(pageToken ? { pageToken } : {}) });
          expect(page.objects.length + (page.refused?.length ?? 0)).toBeLessThanOrEqual(pageSize);
          seen.push(...page.objects.map((object) => object.name));
          found.push(...(page.refused ?? []));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(seen).toEqual(objects);
        expect(found.sort(byName)).toEqual([...refused].sort(byName));
      }
    }
  });

  it('lists what changed between pages: a removed object is gone, and a fresh listing sees a new one', async () => {
    for (let i = 0; i < 6; i += 1) await store.write(`projects/c/f${i}.txt`, Buffer.from(String(i)));
    const first = await store.list('projects/c/', { pageSize: 2, withMetadata: false });
    await store.delete('projects/c/f3.txt');
    const rest: string[] = [];
    for (let pageToken = first.nextPageToken; pageToken; ) {
      const page = await store.list('projects/c/', { pageSize: 2, withMetadata: false, pageToken });
      rest.push(...page.objects.map((object) => object.name));
      pageToken = page.nextPageToken;
    }
    expect(rest).toEqual(['projects/c/f2.txt', 'projects/c/f4.txt', 'projects/c/f5.txt']);
    await store.write('projects/c/f6.txt', Buffer.from('6'));
    expect((await store.list('projects/c/', { withMetadata: false })).objects.map((object) => object.name)).toContain('projects/c/f6.txt');
  });
});

describe('SuspendedListings', () => {
  async function* names(...values: string[]): AsyncGenerator<string> {
    yield* values;
  }

  it('gives a kept walk back once, for the same prefix, within its time', () => {
    const listings = new SuspendedListings({ capacity: 2, ttlMs: 1000 });
    const walk = names('b');
    listings.keep('t1', 'p/', { walk, next: 'a' }, 0);
    expect(listings.take('t1', 'q/', 10)).toBeUndefined();
    listings.keep('t1', 'p/', { walk, next: 'a' }, 0);
    expect(listings.take('t1', 'p/', 10)).toEqual({ walk, next: 'a' });
    expect(listings.take('t1', 'p/', 10)).toBeUndefined();
    listings.keep('t2', 'p/', { walk: names(), next: 'x' }, 0);
    expect(listings.take('t2', 'p/', 1000)).toBeUndefined();
  });

  it('drops the oldest walks beyond its capacity', () => {
    const listings = new SuspendedListings({ capacity: 2, ttlMs: 1000 });
    for (const token of ['t1', 't2', 't3']) listings.keep(token, 'p/', { walk: names(), next: token }, 0);
    expect(listings.take('t1', 'p/', 1)).toBeUndefined();
    expect(listings.take('t2', 'p/', 1)?.next).toBe('t2');
    expect(listings.take('t3', 'p/', 1)?.next).toBe('t3');
  });
});
