/**
 * ObjectStore on a local directory: the embedded workspace. Object `a/b/c.pdf` is the file
 * `<root>/a/b/c.pdf`, so people and tools can use the folder directly.
 *
 * Guarantees, "atomic enough for one process":
 * - Every mutation of a name runs under a per-name async mutex of this process; preconditions
 *   are checked and applied inside it. Another program editing the same file concurrently can
 *   still race a generation check, but never half-writes what this store writes.
 * - Content is staged in a temporary file and published with `link()` (when the object must
 *   not exist: atomic EEXIST, even against other programs) or `rename()` (replacement), so
 *   readers never see half a file.
 * - Generations come from the file itself (inode and ctime in nanoseconds), so an edit by any
 *   other program changes the generation too. They are opaque strings.
 * - Custom metadata lives in sidecar records, rows of one SQLite file in `metadataDir` (outside
 *   the workspace; see object-metadata-index.ts), and counts only while the generation it
 *   recorded is current. Records written during one event-loop turn share one commit.
 * - No crash window for a move: moving a file onto a free name is a `link` and an `unlink`; a
 *   record committed first names the move, so a lookup of the source after a crash between the
 *   two finishes it instead of showing the file twice.
 * - No crash window for metadata: before a file or marker is published, an intent record,
 *   committed first, names the exact file that will appear (inode, and for files size and
 *   modification time, which publishing by `link`/`rename` keeps). If the process dies between
 *   publishing and writing the sidecar, the intent still identifies the object, so the metadata
 *   Bailiff's executor relies on (which plan wrote it) is never lost. A later edit by anyone
 *   changes the modification time, and the intent no longer matches.
 * - An empty directory `d` is the folder marker `d/`, the zero-byte object the Cloud Console
 *   creates. Deleting the last object of a folder prunes the folders that became empty, as
 *   Cloud Storage "folders" vanish with their last object — except the first two levels
 *   (`projects/<case>`), which stay so a case emptied by a plan still shows as a folder.
 *   Known differences from Cloud Storage: a folder that holds objects is not also a marker
 *   object, and a name cannot be both a file and a folder (`conflict`).
 * - Temporary files live in `<root>/.bailiff-staging/` (same file system, so `link` and
 *   `rename` work), which listings hide and object names may not use.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, linkSync, lstatSync, mkdirSync, realpathSync, renameSync, rmdirSync, unlinkSync, type BigIntStats } from 'node:fs';
import { copyFile, mkdir, open, opendir, readdir, realpath, rename, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BailiffError, conflict, internal, invalidInput, isBailiffError, notFound, preconditionFailed, unavailable } from '../../errors.ts';
import type {
  CopyOptions,
  GenerationPrecondition,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectReadStream,
  ObjectStore,
  OpenReadOptions,
  WriteOptions,
} from '../../ports/object-store.ts';
import { mapLimited } from '../../map-limited.ts';
import { importLegacyRecords, ObjectMetadataIndex } from './object-metadata-index.ts';
import { SuspendedListings } from './suspended-listings.ts';

export interface FsObjectStoreOptions {
  /** The workspace directory; created if missing. */
  root: string;
  /** Where metadata sidecars live; must be outside `root`, so they never show up as objects. */
  metadataDir: string;
}

/** Top-level directory of the workspace that holds temporary files. */
export const STAGING_DIR_NAME = '.bailiff-staging';
/** Folders at this depth or shallower (`projects/<case>`) are never pruned. */
export const PRUNE_KEEP_DEPTH = 2;

const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 1000;
const LIST_STAT_CONCURRENCY = 16;
/** Paged listings whose walk is kept for their next page (see suspended-listings.ts). */
const SUSPENDED_LISTINGS = 16;
const SUSPENDED_LISTING_TTL_MS = 30_000;
// Remembered last generations per name (to refuse ever handing out one twice); bounded.
const REMEMBERED_GENERATIONS = 10_000;
// Directories known to exist, and directories checked to be inside the root; bounded.
const REMEMBERED_DIRECTORIES = 10_000;
/** The SQLite file, in `metadataDir`, that holds sidecars, intents and moving records. */
export const METADATA_FILE = 'objects.sqlite';

interface Sidecar {
  name: string;
  generation: string;
  metadata: Record<string, string>;
  md5?: string;
  contentType?: string;
}

/** An intent record: the sidecar an object will have, and how to recognise the object before its generation is known. */
interface PendingSidecar extends Sidecar {
  pending: FileIdentity;
  /** Set by a move: the source name the file is being moved from. */
  movedFrom?: string;
}

/** What publishing a file by `link` or `rename` keeps; a directory (marker) is known by its inode. */
interface FileIdentity {
  ino: string;
  size?: string;
  mtimeNs?: string;
}

function identityOf(stats: BigIntStats): FileIdentity {
  return stats.isDirectory() ? { ino: String(stats.ino) } : { ino: String(stats.ino), size: String(stats.size), mtimeNs: String(stats.mtimeNs) };
}

function sameIdentity(expected: FileIdentity, stats: BigIntStats): boolean {
  const actual = identityOf(stats);
  return expected.ino === actual.ino && expected.size === actual.size && expected.mtimeNs === actual.mtimeNs;
}

/** A checked object name and where it lives. */
interface Location {
  name: string;
  /** The name without a marker's trailing slash: the lock key and the path. */
  key: string;
  path: string;
  marker: boolean;
}

interface Present {
  stats: BigIntStats;
  generation: string;
}

/** The workspace as a local directory. */
export class FsObjectStore implements ObjectStore {
  readonly #root: string;
  readonly #metadataDir: string;
  readonly #stagingDir: string;
  readonly #locks = new KeyedMutex();
  readonly #lastGeneration = new Map<string, string>();
  /** Folders this store made or saw: publishing into them needs no mkdir (a vanished one is made again). */
  readonly #knownDirectories = new Set<string>();
  /** Folders whose real path was checked to be inside the root, by the identity they had then. */
  readonly #checkedDirectories = new Map<string, { dev: number; ino: number }>();
  #index: ObjectMetadataIndex | undefined;
  readonly #suspended = new SuspendedListings({ capacity: SUSPENDED_LISTINGS, ttlMs: SUSPENDED_LISTING_TTL_MS });
  #ready: Promise<string> | undefined;

  constructor(options: FsObjectStoreOptions) {
    this.#root = resolve(options.root);
    this.#metadataDir = resolve(options.metadataDir);
    const inside = relative(this.#root, this.#metadataDir);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      throw invalidInput('metadataDir must be outside the workspace root, or its sidecars would become objects');
    }
    this.#stagingDir = join(this.#root, STAGING_DIR_NAME);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    return this.#guard(`listing ${prefix}`, async () => {
      await this.#prepare();
      const pageSize = Math.min(Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
      const after = options.pageToken === undefined ? undefined : decodePageToken(options.pageToken);
      const resumed = options.pageToken === undefined ? undefined : this.#suspended.take(options.pageToken, prefix);
      const walk = resumed?.walk ?? this.#walk(prefix, after);
      // One name past the page tells whether another page follows.
      const names: string[] = resumed ? [resumed.next] : [];
      while (names.length <= pageSize) {
        const step = await walk.next();
        if (step.done) break;
        names.push(step.value);
      }
      const page = names.slice(0, pageSize);
      const withMetadata = options.withMetadata ?? true;
      const objects = withMetadata
        ? (await mapLimited(page, LIST_STAT_CONCURRENCY, (name) => this.#describeListed(name, true))).filter((info): info is ObjectInfo => info !== undefined)
        : await this.#describeListedQuickly(page);
      const last = page.at(-1);
      if (names.length <= pageSize || last === undefined) return { objects };
      const nextPageToken = encodePageToken(last);
      this.#suspended.keep(nextPageToken, prefix, { walk, next: names[pageSize]! });
      return { objects, nextPageToken };
    });
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
        if (!stats || !stats.isFile()) continue; // gone since the walk, or no longer a file
      }
      if (stats && stats.nlink === 1n) {
        objects.push({ name, size: Number(stats.size), generation: generationOf(stats), updated: new Date(Number(stats.mtimeNs / 1_000_000n)).toISOString(), metadata: {} });
        continue;
      }
      const described = await this.#describeListed(name, false);
      if (described) objects.push(described);
    }
    return objects;
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const location = this.#locate(name);
    return this.#guard(`stat ${name}`, async () => {
      await this.#prepare();
      await this.#assertInside(location.path);
      const present = await this.#lookup(location);
      if (!present) return undefined;
      // The md5 is known (from the sidecar) for what Bailiff wrote; for a file put there by
      // anything else, computing it would read the whole file on every stat, and nothing needs
      // it: moves on this store are atomic renames, verified by construction.
      return this.#describe(location, present, { computeMd5: false });
    });
  }

  async read(name: string): Promise<Buffer> {
    const location = this.#locate(name);
    return this.#guard(`read ${name}`, async () => {
      await this.#prepare();
      await this.#assertInside(location.path);
      return (await this.#readVersion(location)).data;
    });
  }

  /**
   * Streams from an open file descriptor, so the version described (its inode and ctime) is
   * the version read even if the name is replaced meanwhile.
   */
  async openRead(name: string, options: OpenReadOptions = {}): Promise<ObjectReadStream> {
    const location = this.#locate(name);
    return this.#guard(`read ${name}`, async () => {
      await this.#prepare();
      await this.#assertInside(location.path);
      if (location.marker) {
        const present = await this.#lookup(location);
        if (!present) throw notFound(`${name} does not exist`);
        checkPrecondition(name, options.ifGenerationMatch, present.generation);
        if (options.range) throw unsatisfiableRange(name, options.range.start, 0);
        return { info: await this.#describe(location, present, { computeMd5: false }), stream: Readable.from([]) };
      }
      let handle;
      try {
        handle = await open(location.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR')) throw notFound(`${name} does not exist`);
        throw error;
      }
      try {
        const stats = await handle.stat({ bigint: true });
        if (!stats.isFile()) throw notFound(`${name} does not exist`);
        const present = { stats, generation: generationOf(stats) };
        checkPrecondition(name, options.ifGenerationMatch, present.generation);
        const size = Number(stats.size);
        const info = await this.#describe(location, present, { computeMd5: false });
        if (options.range && (options.range.start >= size || options.range.start < 0)) throw unsatisfiableRange(name, options.range.start, size);
        const start = options.range?.start ?? 0;
        const end = Math.min(options.range?.end ?? size - 1, size - 1);
        const stream = handle.createReadStream({ start, end: Math.max(end, start - 1), autoClose: true });
        handle = undefined; // the stream owns the descriptor now
        return { info, stream };
      } finally {
        await handle?.close();
      }
    });
  }

  /** Streams into a staged file (hashing as it goes), then publishes it like `write`. */
  async writeFrom(name: string, source: Readable, options: WriteOptions = {}): Promise<ObjectInfo> {
    const location = this.#locate(name);
    if (location.marker) throw invalidInput(`${name} is a folder marker; write it with write()`);
    return this.#guard(`write ${name}`, async () => {
      await this.#prepare();
      const staged = join(this.#stagingDir, randomUUID());
      try {
        const md5 = createHash('md5');
        const tap = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            md5.update(chunk);
            done(null, chunk);
          },
        });
        await pipeline(source, tap, createWriteStream(staged, { flags: 'wx', flush: true }));
        const digest = md5.digest('base64');
        return await this.#locks.run([location.key], () =>
          this.#publishStaged(location, staged, digest, options.ifGenerationMatch, {
            name,
            generation: '',
            metadata: { ...(options.metadata ?? {}) },
            ...(options.contentType ? { contentType: options.contentType } : {}),
          }),
        );
      } finally {
        await unlink(staged).catch(() => undefined);
      }
    });
  }

  async write(name: string, data: Buffer, options: WriteOptions = {}): Promise<ObjectInfo> {
    const location = this.#locate(name);
    if (location.marker && data.length > 0) throw invalidInput(`${name} is a folder marker and must be empty`);
    return this.#guard(`write ${name}`, async () => {
      await this.#prepare();
      return this.#locks.run([location.key], () =>
        this.#put(location, data, options.ifGenerationMatch, {
          name,
          generation: '',
          metadata: { ...(options.metadata ?? {}) },
          ...(options.contentType ? { contentType: options.contentType } : {}),
        }),
      );
    });
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const from = this.#locate(source);
    const to = this.#locate(destination);
    return this.#guard(`copy ${source} to ${destination}`, async () => {
      await this.#prepare();
      return this.#locks.run([from.key, to.key], async () => {
        await this.#assertInside(from.path);
        if (!from.marker && !to.marker) return this.#copyFile(from, to, options);
        const version = await this.#readVersion(from);
        checkPrecondition(source, options.ifSourceGenerationMatch, version.generation);
        if (to.marker && version.data.length > 0) throw invalidInput(`${destination} is a folder marker and must be empty`);
        const sidecar = await this.#validSidecar(source, version.present);
        return this.#put(to, version.data, options.ifGenerationMatch, {
          name: destination,
          generation: '',
          metadata: { ...(options.metadata ?? sidecar?.metadata ?? {}) },
          ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
        });
      });
    });
  }

  /**
   * A file copied by the kernel into a staged file (never through this process's memory, so a
   * 200 MB blob costs no 200 MB of heap), published like a write. The source's generation is
   * checked before and after: an edit by another program meanwhile fails the copy as
   * `unavailable`, and the copy is retried rather than publishing a torn file. Caller holds both locks.
   */
  async #copyFile(from: Location, to: Location, options: CopyOptions): Promise<ObjectInfo> {
    const before = await this.#lookup(from);
    if (!before) throw notFound(`${from.name} does not exist`);
    checkPrecondition(from.name, options.ifSourceGenerationMatch, before.generation);
    const sidecar = await this.#validSidecar(from.name, before);
    const staged = join(this.#stagingDir, randomUUID());
    try {
      await copyFile(from.path, staged, constants.COPYFILE_EXCL);
      const after = await this.#lookup(from);
      if (after?.generation !== before.generation) throw new BailiffError('unavailable', `${from.name} changed while being copied`);
      const md5 = sidecar?.md5 ?? (await md5OfFile(staged));
      return await this.#publishStaged(to, staged, md5, options.ifGenerationMatch, {
        name: to.name,
        generation: '',
        metadata: { ...(options.metadata ?? sidecar?.metadata ?? {}) },
        ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
      });
    } finally {
      await unlink(staged).catch(() => undefined);
    }
  }

  /**
   * Moves by hard link then unlink (or rename when the destination may be replaced): the
   * content is never in zero places, and the source disappears only once the destination is
   * published. Folder markers move as create-then-remove (they hold no data).
   */
  async rename(source: string, destination: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const from = this.#locate(source);
    const to = this.#locate(destination);
    if (from.key === to.key) throw invalidInput(`cannot move ${source} onto itself`);
    return this.#guard(`move ${source} to ${destination}`, async () => {
      await this.#prepare();
      return this.#locks.run([from.key, to.key], async () => {
        await this.#assertInside(from.path);
        await this.#assertInside(to.path);
        const current = await this.#lookup(from);
        if (!current) throw notFound(`${source} does not exist`);
        checkPrecondition(source, options.ifSourceGenerationMatch, current.generation);
        const sidecar = await this.#validSidecar(source, current);
        const record: Sidecar = {
          name: destination,
          generation: '',
          metadata: { ...(options.metadata ?? sidecar?.metadata ?? {}) },
          ...(sidecar?.md5 ? { md5: sidecar.md5 } : {}),
          ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
        };
        if (from.marker || to.marker || !current.stats.isFile()) {
          const { data } = await this.#readVersion(from);
          if (to.marker && data.length > 0) throw invalidInput(`${destination} is a folder marker and must be empty`);
          const info = await this.#put(to, data, options.ifGenerationMatch, record);
          await this.#remove(from);
          return info;
        }
        const existing = await this.#lookup(to);
        checkPrecondition(destination, options.ifGenerationMatch, existing?.generation);
        // The file keeps its inode, size and modification time through link and rename.
        this.#writeIntent(destination, record, current.stats, options.ifGenerationMatch === '0' ? source : undefined);
        if (options.ifGenerationMatch === '0') this.#writeMoving(source, destination, current.stats);
        // Both records are committed (with those of the other moves in flight) before the link.
        await this.#publishOrForgetIntent(to, () => {
          if (options.ifGenerationMatch === '0') {
            // No rename that refuses to replace exists here, so: link (fails if the name is
            // taken, even by another program), then unlink. The moving record lets a lookup
            // finish a move whose process died between the two.
            linkSync(from.path, to.path);
            unlinkSync(from.path);
          } else {
            renameSync(from.path, to.path);
          }
        }, options.ifGenerationMatch === '0');
        this.#removeMoving(source);
        this.#removeSidecar(source);
        this.#prune(dirname(from.path));
        return this.#finish(to, record);
      });
    });
  }

  async delete(name: string, options: GenerationPrecondition = {}): Promise<void> {
    const location = this.#locate(name);
    return this.#guard(`delete ${name}`, async () => {
      await this.#prepare();
      await this.#locks.run([location.key], async () => {
        await this.#assertInside(location.path);
        const current = await this.#lookup(location);
        if (!current) throw notFound(`${name} does not exist`);
        checkPrecondition(name, options.ifGenerationMatch, current.generation);
        await this.#remove(location);
      });
    });
  }

  async health(): Promise<void> {
    try {
      await this.#prepare();
      const [root, metadata] = await Promise.all([stat(this.#root), stat(this.#metadataDir)]);
      if (!root.isDirectory() || !metadata.isDirectory()) throw new Error('not a directory');
    } catch (error) {
      throw unavailable(`workspace directory is not usable: ${messageOf(error)}`, [], error);
    }
  }

  // ---- names and paths -------------------------------------------------------------------

  /** Checks a name and maps it into the root; paths.ts is the main guard, this is the second. */
  #locate(name: string): Location {
    if (typeof name !== 'string' || name.length === 0) throw invalidInput('object name is empty');
    if (name.includes('\0') || name.includes('\\')) throw invalidInput(`object name ${JSON.stringify(name)} has a NUL or backslash`);
    const marker = name.endsWith('/');
    const key = marker ? name.slice(0, -1) : name;
    const segments = key.split('/');
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw invalidInput(`object name ${JSON.stringify(name)} has an empty, \`.\` or \`..\` segment`);
    }
    if (segments[0] === STAGING_DIR_NAME) throw invalidInput(`${STAGING_DIR_NAME}/ is reserved for temporary files`);
    const path = resolve(this.#root, ...segments);
    if (!path.startsWith(this.#root + sep)) throw invalidInput(`object name ${JSON.stringify(name)} resolves outside the workspace`);
    return { name, key, path, marker };
  }

  /** Creates the directories once and returns the root's real path (for symlink checks). */
  #prepare(): Promise<string> {
    if (!this.#ready) {
      const ready = (async () => {
        await mkdir(this.#stagingDir, { recursive: true });
        await mkdir(this.#metadataDir, { recursive: true });
        if (!this.#index) {
          const index = new ObjectMetadataIndex(join(this.#metadataDir, METADATA_FILE));
          try {
            await importLegacyRecords(this.#metadataDir, index);
          } catch (error) {
            index.close();
            throw error;
          }
          this.#index = index;
        }
        return realpath(this.#root);
      })();
      // A failed start (say, a missing mount) is retried by the next call, not remembered.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
      this.#ready = ready;
    }
    return this.#ready;
  }

  /**
   * Refuses a path whose existing ancestors leave the root through a symbolic link. A folder
   * once checked is re-checked by one lstat: reached by the same path, it must still be a
   * directory (not a link) with the same device and inode, which a swapped ancestor would change
   * (the path would then lead to another directory). Only a folder moved out of the workspace
   * and replaced by a link to itself passes unnoticed, as any change made between the check and
   * the use always could.
   */
  async #assertInside(path: string): Promise<void> {
    const realRoot = await this.#prepare();
    const parent = dirname(path);
    const checked = this.#checkedDirectories.get(parent);
    if (checked) {
      const now = lstatSync(parent, { throwIfNoEntry: false });
      if (now?.isDirectory() && now.ino === checked.ino && now.dev === checked.dev) return;
      this.#checkedDirectories.delete(parent);
    }
    let dir = parent;
    for (;;) {
      try {
        const real = realpathSync.native(dir);
        if (real !== realRoot && !real.startsWith(realRoot + sep)) {
          throw invalidInput(`${relative(this.#root, path)} resolves outside the workspace through a symbolic link`);
        }
        if (dir === parent) {
          const stats = lstatSync(dir);
          if (stats.isDirectory()) remember(this.#checkedDirectories, dir, { dev: stats.dev, ino: stats.ino });
        }
        return;
      } catch (error) {
        if (!hasCode(error, 'ENOENT', 'ENOTDIR') || dir === this.#root) throw error;
        dir = dirname(dir);
      }
    }
  }

  // ---- reading -----------------------------------------------------------------------------

  /** The object at a location, or undefined: regular files, and empty directories as markers. */
  async #lookup(location: Location): Promise<Present | undefined> {
    const present = await this.#lookupEntry(location);
    if (present && location.marker && !(await isEmptyDirectory(location.path))) return undefined;
    if (present && !location.marker && present.stats.nlink > 1n) {
      // A move interrupted between link and unlink: seen from its source, the source goes;
      // seen from its destination, the source goes too, which changes the file's ctime, so
      // the destination is described as it is once the move is whole.
      if (this.#finishInterruptedMove(location, present)) return undefined;
      const intent = this.#records.read(location.name).pending as PendingSidecar | undefined;
      if (intent?.movedFrom && intent.pending?.ino === String(present.stats.ino)) {
        const source = this.#locate(intent.movedFrom);
        const left = await this.#lookupEntry(source);
        if (left) this.#finishInterruptedMove(source, left);
        // Finished here or by a concurrent lookup of the source: either way the unlink changed
        // the file's ctime, so describe it afresh.
        return this.#lookupEntry(location);
      }
    }
    return present;
  }

  /**
   * A file still at the source of a move whose process died between `link` and `unlink`: the
   * same file is already at the destination. The move is finished now (the source name goes),
   * so the source is gone exactly when the destination exists, as `rename` promises.
   */
  #finishInterruptedMove(location: Location, present: Present): boolean {
    const moving = this.#records.read(location.name).moving as { to: string; ino: string } | undefined;
    if (!moving || moving.ino !== String(present.stats.ino)) return false;
    let destination: Present | undefined;
    try {
      destination = this.#lookupEntrySync(this.#locate(moving.to));
    } catch {
      destination = undefined;
    }
    if (!destination || destination.stats.ino !== present.stats.ino) return false;
    try {
      unlinkSync(location.path);
    } catch (error) {
      if (!hasCode(error, 'ENOENT')) throw error;
    }
    this.#removeSidecar(location.name);
    this.#removeMoving(location.name);
    this.#prune(dirname(location.path));
    return true;
  }

  #writeMoving(source: string, destination: string, stats: BigIntStats): void {
    this.#records.set(source, 'moving', { to: destination, ino: String(stats.ino) });
  }

  #removeMoving(name: string): void {
    this.#records.remove(name, 'moving');
  }

  /** The file (or, for a marker, the directory, empty or not) at a location. */
  async #lookupEntry(location: Location): Promise<Present | undefined> {
    return this.#lookupEntrySync(location);
  }

  /**
   * Synchronous on purpose, like every metadata call of this store (lstat, link, unlink,
   * rename, mkdir, rmdir): each takes microseconds on a local disk, less than the round trip
   * through libuv's thread pool that the promise versions pay. File contents stay asynchronous.
   */
  #lookupEntrySync(location: Location): Present | undefined {
    let stats: BigIntStats | undefined;
    try {
      stats = lstatSync(location.path, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
    if (!stats || (location.marker ? !stats.isDirectory() : !stats.isFile())) return undefined;
    return { stats, generation: generationOf(stats) };
  }

  /** Content and generation of one consistent version (re-read if edited while reading). */
  async #readVersion(location: Location): Promise<{ data: Buffer; generation: string; present: Present }> {
    if (location.marker) {
      const present = await this.#lookup(location);
      if (!present) throw notFound(`${location.name} does not exist`);
      return { data: Buffer.alloc(0), generation: present.generation, present };
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      let handle;
      try {
        // O_NOFOLLOW: a symbolic link in the workspace is not an object (and may point outside).
        handle = await open(location.path, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR')) throw notFound(`${location.name} does not exist`);
        throw error;
      }
      try {
        const before = await handle.stat({ bigint: true });
        if (!before.isFile()) throw notFound(`${location.name} does not exist`);
        const data = await handle.readFile();
        const after = await handle.stat({ bigint: true });
        if (generationOf(before) === generationOf(after)) return { data, generation: generationOf(after), present: { stats: after, generation: generationOf(after) } };
      } finally {
        await handle.close();
      }
    }
    throw unavailable(`${location.name} kept changing while being read`);
  }

  async #describe(location: Location, present: Present, options: { computeMd5: boolean; md5?: string; withMetadata?: boolean; sidecar?: Sidecar }): Promise<ObjectInfo> {
    // Metadata lives in a sidecar record per object: skipping it halves the cost of a listing.
    const sidecar = options.sidecar ?? (options.withMetadata === false ? undefined : await this.#validSidecar(location.name, present));
    let md5 = options.md5 ?? sidecar?.md5;
    if (md5 === undefined && location.marker) md5 = md5Base64(Buffer.alloc(0));
    if (md5 === undefined && options.computeMd5) md5 = await md5OfFile(location.path);
    return {
      name: location.name,
      size: location.marker ? 0 : Number(present.stats.size),
      generation: present.generation,
      updated: new Date(Number(present.stats.mtimeNs / 1_000_000n)).toISOString(),
      ...(md5 !== undefined ? { md5 } : {}),
      ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
      metadata: { ...(sidecar?.metadata ?? {}) },
    };
  }

  async #describeListed(name: string, withMetadata: boolean): Promise<ObjectInfo | undefined> {
    let location: Location;
    try {
      location = this.#locate(name);
    } catch {
      // A file some other program named in a way this store refuses (a backslash, say): it is
      // not addressable as an object, so it is not listed as one either.
      return undefined;
    }
    const present = await this.#lookup(location);
    // Gone between the directory walk and now: it is simply not on this page.
    return present ? this.#describe(location, present, { computeMd5: false, withMetadata }) : undefined;
  }

  /**
   * Object names under `prefix` greater than `after`, in UTF-8 byte order (Cloud Storage's
   * order). A directory sorts as `name/`, so a depth-first walk in that order is globally
   * sorted; subtrees entirely at or before `after` are never opened.
   */
  async *#walk(prefix: string, after: string | undefined): AsyncGenerator<string> {
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = base === '' ? this.#root : this.#locate(base).path;
    await this.#assertInside(join(start, 'listing'));
    const wanted = (full: string, isDirectory: boolean): boolean => {
      const matchesPrefix = full.startsWith(prefix) || (isDirectory && prefix.startsWith(full));
      if (!matchesPrefix) return false;
      if (after === undefined) return true;
      return compareNames(full, after) > 0 || (isDirectory && after.startsWith(full));
    };
    const self = this;
    async function* visit(directory: string, dirName: string): AsyncGenerator<string> {
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (error) {
        if (hasCode(error, 'ENOENT', 'ENOTDIR')) return;
        throw error;
      }
      if (entries.length === 0) {
        if (dirName !== '' && dirName.startsWith(prefix) && (after === undefined || compareNames(dirName, after) > 0)) yield dirName;
        return;
      }
      const children: Array<{ full: string; path: string; isDirectory: boolean }> = [];
      for (const entry of entries) {
        if (directory === self.#root && entry.name === STAGING_DIR_NAME) continue;
        // Symbolic links and special files are not objects.
        if (!entry.isFile() && !entry.isDirectory()) continue;
        const isDirectory = entry.isDirectory();
        const full = `${dirName}${entry.name}${isDirectory ? '/' : ''}`;
        if (wanted(full, isDirectory)) children.push({ full, path: `${directory}${sep}${entry.name}`, isDirectory });
      }
      children.sort((a, b) => compareNames(a.full, b.full));
      for (const child of children) {
        if (child.isDirectory) yield* visit(child.path, child.full);
        else yield child.full;
      }
    }
    yield* visit(start, base);
  }

  // ---- writing -----------------------------------------------------------------------------

  /** Stages `data` and publishes it at `location` under the precondition. Caller holds the lock. */
  async #put(location: Location, data: Buffer, ifGenerationMatch: string | undefined, record: Sidecar): Promise<ObjectInfo> {
    await this.#assertInside(location.path);
    const existing = await this.#lookup(location);
    checkPrecondition(location.name, ifGenerationMatch, existing?.generation);
    if (!location.marker && !existing && isDirectory(location.path)) throw conflictInTheWay(location.name, undefined);
    const md5 = md5Base64(data);
    if (location.marker) {
      // Made in the staging area and renamed into place, so the intent can name its inode first.
      const stagedFolder = join(this.#stagingDir, randomUUID());
      await mkdir(stagedFolder);
      try {
        this.#writeIntent(location.name, { ...record, md5 }, await stat(stagedFolder, { bigint: true }));
        await this.#publishOrForgetIntent(location, async () => {
          try {
            await rename(stagedFolder, location.path);
          } catch (error) {
            // A folder that already holds objects has no marker to conflict with; keep it.
            if (!hasCode(error, 'EEXIST', 'ENOTEMPTY') || !(await stat(location.path)).isDirectory()) throw error;
          }
        }, false);
      } finally {
        await rmdir(stagedFolder).catch(() => undefined);
      }
      return this.#finish(location, { ...record, md5 });
    }
    const staged = join(this.#stagingDir, randomUUID());
    try {
      const handle = await open(staged, 'wx');
      let stats: BigIntStats;
      try {
        await handle.writeFile(data);
        await handle.sync();
        stats = await handle.stat({ bigint: true });
      } finally {
        await handle.close();
      }
      this.#writeIntent(location.name, { ...record, md5 }, stats);
      await this.#publishOrForgetIntent(location, () => {
        if (ifGenerationMatch === '0') linkSync(staged, location.path);
        else renameSync(staged, location.path);
      }, ifGenerationMatch === '0');
    } finally {
      await unlink(staged).catch(() => undefined);
    }
    return this.#finish(location, { ...record, md5 });
  }

  /**
   * Publishes a file already staged (a streamed upload, a kernel copy) at `location` under the
   * precondition, with its intent record first, as `#put` does. Caller holds the lock.
   */
  async #publishStaged(location: Location, staged: string, md5: string, ifGenerationMatch: string | undefined, record: Sidecar): Promise<ObjectInfo> {
    await this.#assertInside(location.path);
    const existing = await this.#lookup(location);
    checkPrecondition(location.name, ifGenerationMatch, existing?.generation);
    if (!existing && isDirectory(location.path)) throw conflictInTheWay(location.name, undefined);
    this.#writeIntent(location.name, { ...record, md5 }, lstatSync(staged, { bigint: true }));
    await this.#publishOrForgetIntent(location, () => {
      if (ifGenerationMatch === '0') linkSync(staged, location.path);
      else renameSync(staged, location.path);
    }, ifGenerationMatch === '0');
    // Unlinking the staged name of a hard link changes the inode's ctime, so it must happen
    // before the generation is read and recorded.
    await unlink(staged).catch(() => undefined);
    return this.#finish(location, { ...record, md5 });
  }

  /**
   * Runs the step that makes an object visible, creating its folders first. A concurrent
   * delete may prune a folder just created, so a vanished parent is recreated and retried.
   */
  async #publish(location: Location, step: () => void | Promise<void>, mustNotExist: boolean): Promise<void> {
    const parent = dirname(location.path);
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.#knownDirectories.has(parent)) {
          mkdirSync(parent, { recursive: true });
          rememberDirectory(this.#knownDirectories, parent);
        }
      } catch (error) {
        if (hasCode(error, 'EEXIST', 'ENOTDIR')) throw conflictInTheWay(location.name, error);
        throw error;
      }
      try {
        await step();
        return;
      } catch (error) {
        if (hasCode(error, 'EEXIST') && mustNotExist) throw preconditionFailed(`${location.name} already exists`);
        if (hasCode(error, 'EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST')) throw conflictInTheWay(location.name, error);
        this.#knownDirectories.delete(parent);
        if (hasCode(error, 'ENOENT') && attempt < 3) continue;
        throw error;
      }
    }
  }

  /**
   * Publishes like `#publish` once the intent (and moving) records are committed; when
   * publishing fails, the intent recorded for it is withdrawn.
   */
  async #publishOrForgetIntent(location: Location, step: () => void | Promise<void>, mustNotExist: boolean): Promise<void> {
    try {
      await this.#records.durable();
      await this.#publish(location, step, mustNotExist);
    } catch (error) {
      this.#removeIntent(location.name);
      throw error;
    }
  }

  /**
   * Records the new generation's sidecar and describes the published object. The sidecar is
   * committed with the next batch, not awaited: until then (and after a crash) the intent,
   * already committed, names the file and carries the same metadata.
   */
  async #finish(location: Location, record: Sidecar): Promise<ObjectInfo> {
    const present = await this.#freshGeneration(location);
    const recorded = { ...record, name: location.name, generation: present.generation };
    this.#writeSidecar(recorded);
    this.#removeIntent(location.name);
    // Writes and copies know the md5 of what they published. A move knows it only if the source
    // carried one: like stat(), it does not read a whole file some other program wrote to learn it.
    return this.#describe(location, present, { computeMd5: false, ...(record.md5 ? { md5: record.md5 } : {}), sidecar: recorded });
  }

  /**
   * The generation of what was just published. If the file system handed back a generation
   * this name already had (inode reused within one timestamp tick), touching the file moves
   * its ctime on, so a generation is never reused for a name within this process.
   */
  async #freshGeneration(location: Location): Promise<Present> {
    for (let attempt = 0; ; attempt++) {
      // A marker written into a folder that already holds objects is described by the folder.
      const present = await this.#lookupEntry(location);
      if (!present) throw unavailable(`${location.name} vanished right after being written`);
      if (this.#lastGeneration.get(location.name) !== present.generation || attempt >= 5) {
        this.#remember(location.name, present.generation);
        return present;
      }
      await utimes(location.path, present.stats.atime, present.stats.mtime);
    }
  }

  #remember(name: string, generation: string): void {
    this.#lastGeneration.delete(name);
    this.#lastGeneration.set(name, generation);
    if (this.#lastGeneration.size > REMEMBERED_GENERATIONS) {
      const oldest = this.#lastGeneration.keys().next().value;
      if (oldest !== undefined) this.#lastGeneration.delete(oldest);
    }
  }

  /** Removes the object and its sidecar, then prunes the folders that became empty. Caller holds the lock. */
  async #remove(location: Location): Promise<void> {
    try {
      if (location.marker) rmdirSync(location.path);
      else unlinkSync(location.path);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTEMPTY', 'ENOTDIR')) throw notFound(`${location.name} does not exist`);
      throw error;
    }
    if (location.marker) this.#forgetDirectory(location.path);
    this.#removeSidecar(location.name);
    this.#removeIntent(location.name);
    this.#prune(dirname(location.path));
  }

  #prune(directory: string): void {
    let dir = directory;
    while (dir.startsWith(this.#root + sep) && relative(this.#root, dir).split(sep).length > PRUNE_KEEP_DEPTH) {
      try {
        rmdirSync(dir);
      } catch {
        return; // not empty (or already gone): nothing above it can be empty either
      }
      this.#forgetDirectory(dir);
      dir = dirname(dir);
    }
  }

  #forgetDirectory(dir: string): void {
    this.#knownDirectories.delete(dir);
    this.#checkedDirectories.delete(dir);
  }

  // ---- metadata sidecars -------------------------------------------------------------------

  /** The metadata index; open once `#prepare` has run, which every operation awaits first. */
  get #records(): ObjectMetadataIndex {
    if (!this.#index) throw internal('the object metadata is used before the store is ready');
    return this.#index;
  }

  /** The object's sidecar: the one recorded for its generation, or an intent that names this very file. */
  async #validSidecar(name: string, present: Present): Promise<Sidecar | undefined> {
    const records = this.#records.read(name);
    const recorded = records.sidecar as Sidecar | undefined;
    if (recorded && recorded.name === name && recorded.generation === present.generation) return recorded;
    const intent = records.pending as PendingSidecar | undefined;
    if (intent && intent.name === name && intent.pending && sameIdentity(intent.pending, present.stats)) return intent;
    return undefined;
  }

  /**
   * Records which file is about to become `name` and the sidecar it will have; committed before
   * publishing (`#publishOrForgetIntent` awaits it).
   */
  #writeIntent(name: string, record: Sidecar, stats: BigIntStats, movedFrom?: string): void {
    const intent: PendingSidecar = { ...record, name, generation: '', pending: identityOf(stats), ...(movedFrom ? { movedFrom } : {}) };
    this.#records.set(name, 'pending', intent);
  }

  #removeIntent(name: string): void {
    this.#records.remove(name, 'pending');
  }

  #writeSidecar(record: Sidecar): void {
    this.#records.set(record.name, 'sidecar', record);
  }

  #removeSidecar(name: string): void {
    this.#records.remove(name, 'sidecar');
  }

  /** Runs an operation and turns file-system errors into BailiffErrors. */
  async #guard<T>(context: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateFsError(error, context);
    }
  }
}

/**
 * Serialises async work per key, in this process. Several keys are taken in sorted order, so
 * two operations over the same pair of names cannot deadlock.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(keys: string[], work: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.#acquire(key));
      return await work();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  async #acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** Adds to a bounded map, forgetting the oldest entry when full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_DIRECTORIES) map.delete(map.keys().next().value!);
}

function rememberDirectory(set: Set<string>, dir: string): void {
  set.add(dir);
  if (set.size > REMEMBERED_DIRECTORIES) set.delete(set.values().next().value!);
}

function generationOf(stats: BigIntStats): string {
  return `${stats.ino}-${stats.ctimeNs}`;
}

function checkPrecondition(name: string, expected: string | undefined, actual: string | undefined): void {
  if (expected === undefined) return;
  if (expected === '0') {
    if (actual !== undefined) throw preconditionFailed(`${name} already exists`, [{ message: 'expected absent', name, actual }]);
    return;
  }
  if (actual !== expected) {
    throw preconditionFailed(`${name} is not at generation ${expected}`, [{ message: 'stale generation', name, expected, actual: actual ?? 'absent' }]);
  }
}

async function isEmptyDirectory(path: string): Promise<boolean> {
  const dir = await opendir(path);
  try {
    return (await dir.read()) === null;
  } finally {
    await dir.close();
  }
}

function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
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


function hasCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unsatisfiableRange(name: string, start: number, size: number): BailiffError {
  return invalidInput(`range starting at byte ${start} is past the end of ${name} (${size} bytes)`, [{ message: 'range not satisfiable', start, size }]);
}

function conflictInTheWay(name: string, cause: unknown): BailiffError {
  return conflict(`${name}: a file and a folder of the same name cannot both exist in a local workspace`, [], cause);
}

const TRANSIENT_FS_CODES = ['ENOSPC', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'EDQUOT', 'ESTALE'];

/** File-system errors as BailiffErrors: missing → not_found, exhausted or flaky → unavailable, else internal. */
export function translateFsError(error: unknown, context: string): BailiffError {
  if (isBailiffError(error)) return error;
  if (hasCode(error, 'ENOENT', 'ENOTDIR')) return notFound(`${context}: not found`, [], error);
  if (hasCode(error, ...TRANSIENT_FS_CODES)) {
    return unavailable(`${context}: ${messageOf(error)}`, [], error);
  }
  return internal(`${context}: ${messageOf(error)}`, [], error);
}
