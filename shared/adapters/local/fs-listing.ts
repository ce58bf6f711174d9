/**
 * Listing a local workspace as Cloud Storage lists a bucket: names under a prefix in UTF-8 byte
 * order, page by page, with a page token naming the last name returned. The directory walk of a
 * paged listing is kept for its next page (see suspended-listings.ts), so a long listing reads
 * each directory once.
 */
import { lstatSync, type BigIntStats, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { invalidInput } from '../../errors.ts';
import { mapLimited } from '../../map-limited.ts';
import type { RefusedKind } from '../../domain/objects.ts';
import type { ListOptions, ListPage, ObjectInfo } from '../../ports/object-store.ts';
import { hasCode } from './fs-errors.ts';
import { generationOf, STAGING_DIR_NAME, type WorkspaceNames } from './fs-names.ts';
import { SuspendedListings } from './suspended-listings.ts';

const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 1000;
const LIST_STAT_CONCURRENCY = 16;
/** Paged listings whose walk is kept for their next page (see suspended-listings.ts). */
const SUSPENDED_LISTINGS = 16;
const SUSPENDED_LISTING_TTL_MS = 30_000;

/** What a listing needs from the store it lists. */
export interface ListedStore {
  /** Refuses a path that leaves the workspace through a symbolic link (see fs-names.ts). */
  assertInside(path: string): Promise<void>;
  /** A listed name's object; undefined when it is gone or not addressable as an object. */
  describeListed(name: string, withMetadata: boolean): Promise<ObjectInfo | undefined>;
}

/** The listings of one workspace root. */
export class FsListing {
  readonly #root: string;
  readonly #names: WorkspaceNames;
  readonly #store: ListedStore;
  readonly #suspended = new SuspendedListings<WalkEntry>({ capacity: SUSPENDED_LISTINGS, ttlMs: SUSPENDED_LISTING_TTL_MS });

  constructor(root: string, names: WorkspaceNames, store: ListedStore) {
    this.#root = root;
    this.#names = names;
    this.#store = store;
  }

  /** One page of the objects under `prefix`, with the entries there that cannot be objects. */
  async page(prefix: string, options: ListOptions): Promise<ListPage> {
    const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
    const after = options.pageToken === undefined ? undefined : decodePageToken(options.pageToken);
    const resumed = options.pageToken === undefined ? undefined : this.#suspended.take(options.pageToken, prefix);
    const walk = resumed?.walk ?? this.#walk(prefix, after);
    // One entry past the page tells whether another page follows.
    const entries: WalkEntry[] = resumed ? [resumed.next] : [];
    while (entries.length <= pageSize) {
      const step = await walk.next();
      if (step.done) break;
      entries.push(step.value);
    }
    const taken = entries.slice(0, pageSize);
    const page = taken.flatMap((entry) => (entry.refused ? [] : [entry.name]));
    const refused = taken.flatMap((entry) => (entry.refused ? [{ name: entry.name, kind: entry.refused }] : []));
    const withMetadata = options.withMetadata ?? true;
    const objects = withMetadata
      ? (await mapLimited(page, LIST_STAT_CONCURRENCY, (name) => this.#store.describeListed(name, true))).filter(
          (info): info is ObjectInfo => info !== undefined,
        )
      : await this.#describeListedQuickly(page);
    const listed: ListPage = refused.length > 0 ? { objects, refused } : { objects };
    const last = taken.at(-1);
    if (entries.length <= pageSize || last === undefined) return listed;
    const nextPageToken = encodePageToken(last.name);
    this.#suspended.keep(nextPageToken, prefix, { walk, next: entries[pageSize]! });
    return { ...listed, nextPageToken };
  }

  /**
   * Names, sizes and generations of a page of listed names (no metadata: no sidecars read).
   * A plain file takes one `lstat`, made synchronously: a thousand of them take a few
   * milliseconds on a local disk, several times less than through the thread pool, and a
   * dry run of 100,000 objects is mostly this. Folder markers and files with more than one
   * link (a move interrupted between its `link` and `unlink`) take the full lookup.
   */
  async #describeListedQuickly(names: readonly string[]): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for (const name of names) {
      // The walk builds names from directory entries, so only a backslash can make one unaddressable.
      if (name.includes('\\')) continue;
      let stats: BigIntStats | undefined;
      if (!name.endsWith('/')) {
        try {
          stats = lstatSync(`${this.#root}${sep}${name}`, { bigint: true, throwIfNoEntry: false });
        } catch (error) {
          if (!hasCode(error, 'ENOTDIR')) throw error;
          continue;
        }
        if (!stats?.isFile()) continue; // gone since the walk, or no longer a file
      }
      if (stats && stats.nlink === 1n) {
        objects.push({
          name,
          size: Number(stats.size),
          generation: generationOf(stats),
          updated: new Date(Number(stats.mtimeMs)).toISOString(),
          metadata: {},
        });
        continue;
      }
      const described = await this.#store.describeListed(name, false);
      if (described) objects.push(described);
    }
    return objects;
  }

  /**
   * Object names under `prefix` greater than `after`, in UTF-8 byte order (Cloud Storage's
   * order). A directory sorts as `name/`, so a depth-first walk in that order is globally
   * sorted; subtrees entirely at or before `after` are never opened.
   */
  async *#walk(prefix: string, after: string | undefined): AsyncGenerator<WalkEntry> {
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = base === '' ? this.#root : this.#names.locate(base).path;
    await this.#store.assertInside(join(start, 'listing'));
    const wanted = (full: string, isDirectory: boolean): boolean => {
      const matchesPrefix = full.startsWith(prefix) || (isDirectory && prefix.startsWith(full));
      if (!matchesPrefix) return false;
      if (after === undefined) return true;
      return compareNames(full, after) > 0 || (isDirectory && after.startsWith(full));
    };
    const self = this;
    async function* visit(directory: string, dirName: string): AsyncGenerator<WalkEntry> {
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR')) return;
        throw error;
      }
      if (entries.length === 0) {
        if (dirName !== '' && dirName.startsWith(prefix) && (after === undefined || compareNames(dirName, after) > 0)) yield { name: dirName };
        return;
      }
      const children: Array<{ full: string; path: string; isDirectory: boolean; refused?: RefusedKind }> = [];
      for (const entry of entries) {
        if (directory === self.#root && entry.name === STAGING_DIR_NAME) continue;
        const isDirectory = entry.isDirectory();
        const refused = refusedKindOf(entry);
        // A refused folder is reported once, as itself: nothing under it is reachable either.
        const full = `${dirName}${entry.name}${isDirectory ? '/' : ''}`;
        if (wanted(full, isDirectory && !refused)) children.push({ full, path: `${directory}${sep}${entry.name}`, isDirectory, refused });
      }
      children.sort((a, b) => compareNames(a.full, b.full));
      for (const child of children) {
        if (child.refused) yield { name: child.full, refused: child.refused };
        else if (child.isDirectory) yield* visit(child.path, child.full);
        else yield { name: child.full };
      }
    }
    yield* visit(start, base);
  }
}

/** A name the walk found: an object's, or one the listing reports as refused. */
interface WalkEntry {
  name: string;
  refused?: RefusedKind;
}

/**
 * Why a directory entry cannot be an object, if it cannot: symbolic links are never followed,
 * names not in NFC cannot be named (every name Bailiff is given is normalised to NFC first),
 * and only files and directories are objects. The name is also checked as `locate` would.
 */
function refusedKindOf(entry: Dirent): RefusedKind | undefined {
  if (entry.isSymbolicLink()) return 'symbolic_link';
  if (!entry.isFile() && !entry.isDirectory()) return 'not_a_file';
  if (entry.name.includes('\\')) return 'not_a_file';
  if (entry.name !== entry.name.normalize('NFC')) return 'name_not_nfc';
  return undefined;
}

/**
 * Cloud Storage's order: UTF-8 bytes, not UTF-16 code units. The two agree except that UTF-16
 * puts surrogates (code points from U+10000) before U+E000–U+FFFF, so those are swapped;
 * compared unit by unit, without encoding either name.
 */
export function compareNames(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

function encodePageToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function decodePageToken(token: string): string {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (name === '' || encodePageToken(name) !== token) throw invalidInput('malformed page token');
  return name;
}
