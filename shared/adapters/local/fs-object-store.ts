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
 * - Holds (`setHold`) are records of the metadata index kept by name; listings and stat report
 *   them, and deleting, replacing or moving away a held object is refused (`object_held`), as
 *   Cloud Storage refuses it.
 * - Temporary files live in `<root>/.bailiff-staging/` (same file system, so `link` and
 *   `rename` work), which listings hide and object names may not use.
 * - Symbolic links, names not in NFC and other non-files are never objects: listings report
 *   them as refused entries (fs-listing.ts), so a dry run refuses plans that name them.
 *
 * This class is the port and reads objects; the rest lives beside it: name guards in
 * fs-names.ts, listing in fs-listing.ts, writes in fs-writes.ts, per-name locks in
 * keyed-mutex.ts, the sidecar, intent and moving records in fs-records.ts, error translation in
 * fs-errors.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants, createWriteStream, linkSync, lstatSync, renameSync, unlinkSync, type BigIntStats } from 'node:fs';
import { mkdir, open, opendir, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeHolds, holdField, holdsInForce, type SettableHoldKind } from '../../domain/holds.ts';
import type { ObjectHolds } from '../../domain/objects.ts';
import { internal, invalidInput, notFound, objectHeld, unavailable } from '../../errors.ts';
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
import { checkPrecondition, hasCode, messageOf, translateFsError, unsatisfiableRange } from './fs-errors.ts';
import { FsListing } from './fs-listing.ts';
import { generationOf, STAGING_DIR_NAME, WorkspaceNames, type Location, type Present } from './fs-names.ts';
import { ObjectRecords, type Sidecar } from './fs-records.ts';
import { FsWrites, md5Base64, md5OfFile, type DescribeOptions } from './fs-writes.ts';
import { importLegacyRecords, ObjectMetadataIndex } from './object-metadata-index.ts';

import { KeyedMutex } from './keyed-mutex.ts';

export { STAGING_DIR_NAME } from './fs-names.ts';
export { KeyedMutex } from './keyed-mutex.ts';

/** The SQLite file, in `metadataDir`, that holds sidecars, intents and moving records. */
export const METADATA_FILE = 'objects.sqlite';

export interface FsObjectStoreOptions {
  /** The workspace directory; created if missing. */
  root: string;
  /** Where metadata sidecars live; must be outside `root`, so they never show up as objects. */
  metadataDir: string;
}

/** The workspace as a local directory. */
export class FsObjectStore implements ObjectStore {
  readonly #root: string;
  readonly #metadataDir: string;
  readonly #stagingDir: string;
  readonly #locks = new KeyedMutex();
  readonly #names: WorkspaceNames;
  readonly #listing: FsListing;
  readonly #writes: FsWrites;
  /** Sidecars, intents and moving records; opened by `#prepare`. */
  #openRecords: ObjectRecords | undefined;
  #ready: Promise<void> | undefined;

  constructor(options: FsObjectStoreOptions) {
    this.#root = resolve(options.root);
    this.#metadataDir = resolve(options.metadataDir);
    const inside = relative(this.#root, this.#metadataDir);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      throw invalidInput('metadataDir must be outside the workspace root, or its sidecars would become objects');
    }
    this.#stagingDir = join(this.#root, STAGING_DIR_NAME);
    this.#names = new WorkspaceNames(this.#root);
    this.#listing = new FsListing(this.#root, this.#names, {
      assertInside: async (path) => {
        await this.#assertInside(path);
      },
      describeListed: (name, withMetadata) => this.#describeListed(name, withMetadata),
    });
    this.#writes = new FsWrites(this.#root, this.#stagingDir, {
      records: () => this.#records,
      assertInside: async (path) => {
        await this.#assertInside(path);
      },
      lookup: (location) => this.#lookup(location),
      lookupEntry: (location) => this.#lookupEntry(location),
      describe: (location, present, options) => this.#describe(location, present, options),
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    return this.#guard(`listing ${prefix}`, async () => {
      await this.#prepare();
      return this.#withHolds(await this.#listing.page(prefix, options));
    });
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const location = this.#names.locate(name);
    return this.#guard(`stat ${name}`, async () => {
      await this.#prepare();
      await this.#assertInside(location.path);
      const present = await this.#lookup(location);
      if (!present) return undefined;
      // The md5 is known (from the sidecar) for what Bailiff wrote; for a file put there by
      // anything else, computing it would read the whole file on every stat, and nothing needs
      // it: moves on this store are atomic renames, verified by construction.
      return this.#heldAs(await this.#describe(location, present, { computeMd5: false }));
    });
  }

  async read(name: string): Promise<Buffer> {
    const location = this.#names.locate(name);
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
    const location = this.#names.locate(name);
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
    const location = this.#names.locate(name);
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
        return await this.#locks.run([location.key], async () => {
          await this.#refuseReplacingHeld(location);
          return this.#writes.publishStaged(location, staged, digest, options.ifGenerationMatch, {
            name,
            generation: '',
            metadata: { ...(options.metadata ?? {}) },
            ...(options.contentType ? { contentType: options.contentType } : {}),
          });
        });
      } finally {
        await unlink(staged).catch(() => undefined);
      }
    });
  }

  async write(name: string, data: Buffer, options: WriteOptions = {}): Promise<ObjectInfo> {
    const location = this.#names.locate(name);
    if (location.marker && data.length > 0) throw invalidInput(`${name} is a folder marker and must be empty`);
    return this.#guard(`write ${name}`, async () => {
      await this.#prepare();
      return this.#locks.run([location.key], async () => {
        await this.#refuseReplacingHeld(location);
        return this.#writes.put(location, data, options.ifGenerationMatch, {
          name,
          generation: '',
          metadata: { ...(options.metadata ?? {}) },
          ...(options.contentType ? { contentType: options.contentType } : {}),
        });
      });
    });
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const from = this.#names.locate(source);
    const to = this.#names.locate(destination);
    return this.#guard(`copy ${source} to ${destination}`, async () => {
      await this.#prepare();
      return this.#locks.run([from.key, to.key], async () => {
        await this.#assertInside(from.path);
        await this.#refuseReplacingHeld(to);
        if (!from.marker && !to.marker) return this.#writes.copyFile(from, to, options);
        const version = await this.#readVersion(from);
        checkPrecondition(source, options.ifSourceGenerationMatch, version.generation);
        if (to.marker && version.data.length > 0) throw invalidInput(`${destination} is a folder marker and must be empty`);
        const sidecar = await this.#records.validSidecar(source, version.present);
        return this.#writes.put(to, version.data, options.ifGenerationMatch, {
          name: destination,
          generation: '',
          metadata: { ...(options.metadata ?? sidecar?.metadata ?? {}) },
          ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
        });
      });
    });
  }

  /**
   * Moves by hard link then unlink (or rename when the destination may be replaced): the
   * content is never in zero places, and the source disappears only once the destination is
   * published. Folder markers move as create-then-remove (they hold no data).
   */
  async rename(source: string, destination: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    const from = this.#names.locate(source);
    const to = this.#names.locate(destination);
    if (from.key === to.key) throw invalidInput(`cannot move ${source} onto itself`);
    return this.#guard(`move ${source} to ${destination}`, async () => {
      await this.#prepare();
      return this.#locks.run([from.key, to.key], async () => {
        const fromSeen = await this.#assertInside(from.path);
        const toSeen = await this.#assertInside(to.path);
        const current = await this.#lookup(from, fromSeen);
        if (!current) throw notFound(`${source} does not exist`);
        checkPrecondition(source, options.ifSourceGenerationMatch, current.generation);
        const [sourceRecords, destinationRecords] = this.#records.recordsOfBoth(source, destination);
        this.#refuseIfHeld(source, sourceRecords.holds);
        await this.#refuseReplacingHeld(to, destinationRecords.holds);
        const sidecar = this.#records.validSidecarIn(sourceRecords, source, current);
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
          const info = await this.#writes.put(to, data, options.ifGenerationMatch, record);
          await this.#writes.remove(from);
          return info;
        }
        const existing = await this.#lookup(to, toSeen);
        checkPrecondition(destination, options.ifGenerationMatch, existing?.generation);
        // The file keeps its inode, size and modification time through link and rename.
        this.#records.writeIntent(destination, record, current.stats, options.ifGenerationMatch === '0' ? source : undefined);
        if (options.ifGenerationMatch === '0') this.#records.writeMoving(source, destination, current.stats);
        // Both records are committed (with those of the other moves in flight) before the link.
        await this.#writes.publishOrForgetIntent(
          to,
          () => {
            if (options.ifGenerationMatch === '0') {
              // No rename that refuses to replace exists here, so: link (fails if the name is
              // taken, even by another program), then unlink. The moving record lets a lookup
              // finish a move whose process died between the two.
              linkSync(from.path, to.path);
              unlinkSync(from.path);
            } else {
              renameSync(from.path, to.path);
            }
          },
          options.ifGenerationMatch === '0',
        );
        this.#records.removeMoving(source);
        this.#records.removeSidecar(source);
        // The moves resumed by one commit empty the same folder one file at a time: one look for them all.
        const pruned = this.#writes.pruneSoon(dirname(from.path));
        const info = await this.#writes.finish(to, record);
        await pruned;
        return info;
      });
    });
  }

  async delete(name: string, options: GenerationPrecondition = {}): Promise<void> {
    const location = this.#names.locate(name);
    return this.#guard(`delete ${name}`, async () => {
      await this.#prepare();
      await this.#locks.run([location.key], async () => {
        await this.#assertInside(location.path);
        const current = await this.#lookup(location);
        if (!current) throw notFound(`${name} does not exist`);
        checkPrecondition(name, options.ifGenerationMatch, current.generation);
        this.#refuseIfHeld(name);
        await this.#writes.remove(location);
      });
    });
  }

  /** Records the hold on the name; the file, and so its generation, stays as it is. */
  async setHold(name: string, kind: SettableHoldKind, held: boolean): Promise<ObjectInfo> {
    const location = this.#names.locate(name);
    return this.#guard(`${held ? 'placing' : 'releasing'} a ${kind} hold on ${name}`, async () => {
      await this.#prepare();
      return this.#locks.run([location.key], async () => {
        await this.#assertInside(location.path);
        const present = await this.#lookup(location);
        if (!present) throw notFound(`${name} does not exist`);
        const holds = { ...this.#records.holds(name) };
        if (held) holds[holdField(kind)] = true;
        else delete holds[holdField(kind)];
        this.#records.writeHolds(name, holds);
        await this.#records.durable();
        return this.#heldAs(await this.#describe(location, present, { computeMd5: false }));
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

  /** Creates the directories and opens the metadata records, once. */
  #prepare(): Promise<void> {
    if (!this.#ready) {
      const ready = (async () => {
        await mkdir(this.#stagingDir, { recursive: true });
        await mkdir(this.#metadataDir, { recursive: true });
        if (!this.#openRecords) {
          const index = new ObjectMetadataIndex(join(this.#metadataDir, METADATA_FILE));
          try {
            await importLegacyRecords(this.#metadataDir, index);
          } catch (error) {
            index.close();
            throw error;
          }
          this.#openRecords = new ObjectRecords(index);
        }
      })();
      // A failed start (say, a missing mount) is retried by the next call, not remembered.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
      this.#ready = ready;
    }
    return this.#ready;
  }

  /** A held object is never deleted or moved away, as Cloud Storage refuses it with 403. */
  #refuseIfHeld(name: string, placed: ObjectHolds | undefined = this.#records.holds(name)): void {
    if (!placed) return;
    const holds = holdsInForce(placed, new Date().toISOString());
    if (holds.length === 0) return;
    const words = describeHolds(holds);
    throw objectHeld(`${name} is under ${words}`, [{ message: `under ${words}`, name, holds }]);
  }

  /** Refuses replacing a held object; a name whose object is gone holds nothing to replace. */
  async #refuseReplacingHeld(location: Location, placed: ObjectHolds | undefined = this.#records.holds(location.name)): Promise<void> {
    if (!placed) return;
    if (await this.#lookup(location)) this.#refuseIfHeld(location.name, placed);
  }

  /** `info` with the holds placed on its name, if any. */
  #heldAs(info: ObjectInfo): ObjectInfo {
    const holds = this.#records.holds(info.name);
    return holds && Object.keys(holds).length > 0 ? { ...info, holds } : info;
  }

  /** A listing page with the holds of its names, read in one query. */
  #withHolds(page: ListPage): ListPage {
    const first = page.objects[0];
    const last = page.objects.at(-1);
    if (!first || !last) return page;
    const held = this.#records.holdsBetween(first.name, last.name);
    if (held.size === 0) return page;
    return { ...page, objects: page.objects.map((object) => (held.has(object.name) ? { ...object, holds: held.get(object.name)! } : object)) };
  }

  /**
   * Refuses a path through a symbolic link, anywhere on its way (see fs-names.ts). Says what it
   * saw at the path, for a lookup that follows at once.
   */
  async #assertInside(path: string): Promise<Seen> {
    await this.#prepare();
    return { stats: this.#names.assertNoLinks(path) };
  }

  /** The metadata records; open once `#prepare` has run, which every operation awaits first. */
  get #records(): ObjectRecords {
    if (!this.#openRecords) throw internal('the object metadata is used before the store is ready');
    return this.#openRecords;
  }

  /**
   * The object at a location, or undefined: regular files, and empty directories as markers.
   * `seen`: what the link check just found at the path, so it is not looked at twice.
   */
  async #lookup(location: Location, seen?: Seen): Promise<Present | undefined> {
    const present = seen ? presentAs(location, seen.stats) : await this.#lookupEntry(location);
    if (present && location.marker && !(await isEmptyDirectory(location.path))) return undefined;
    if (present && !location.marker && present.stats.nlink > 1n) {
      // A move interrupted between link and unlink: seen from its source, the source goes;
      // seen from its destination, the source goes too, which changes the file's ctime, so
      // the destination is described as it is once the move is whole.
      if (this.#finishInterruptedMove(location, present)) return undefined;
      const intent = this.#records.intent(location.name);
      if (intent?.movedFrom && intent.pending?.ino === String(present.stats.ino)) {
        const source = this.#names.locate(intent.movedFrom);
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
    const moving = this.#records.moving(location.name);
    if (!moving || moving.ino !== String(present.stats.ino)) return false;
    let destination: Present | undefined;
    try {
      destination = this.#lookupEntrySync(this.#names.locate(moving.to));
    } catch {
      destination = undefined;
    }
    if (!destination || destination.stats.ino !== present.stats.ino) return false;
    try {
      unlinkSync(location.path);
    } catch (error) {
      if (!hasCode(error, 'ENOENT')) throw error;
    }
    this.#records.removeSidecar(location.name);
    this.#records.removeMoving(location.name);
    this.#writes.prune(dirname(location.path));
    return true;
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
    return presentAs(location, stats);
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
        if (generationOf(before) === generationOf(after))
          return { data, generation: generationOf(after), present: { stats: after, generation: generationOf(after) } };
      } finally {
        await handle.close();
      }
    }
    throw unavailable(`${location.name} kept changing while being read`);
  }

  async #describe(location: Location, present: Present, options: DescribeOptions): Promise<ObjectInfo> {
    // Metadata lives in a sidecar record per object: skipping it halves the cost of a listing.
    const sidecar = options.sidecar ?? (options.withMetadata === false ? undefined : await this.#records.validSidecar(location.name, present));
    let md5 = options.md5 ?? sidecar?.md5;
    if (md5 === undefined && location.marker) md5 = md5Base64(Buffer.alloc(0));
    if (md5 === undefined && options.computeMd5) md5 = await md5OfFile(location.path);
    return {
      name: location.name,
      size: location.marker ? 0 : Number(present.stats.size),
      generation: present.generation,
      updated: new Date(Number(present.stats.mtimeMs)).toISOString(),
      ...(md5 !== undefined ? { md5 } : {}),
      ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
      metadata: { ...(sidecar?.metadata ?? {}) },
    };
  }

  async #describeListed(name: string, withMetadata: boolean): Promise<ObjectInfo | undefined> {
    let location: Location;
    try {
      location = this.#names.locate(name);
    } catch {
      // A file some other program named in a way this store refuses (a backslash, say): it is
      // not addressable as an object, so it is not listed as one either.
      return undefined;
    }
    const present = await this.#lookup(location);
    // Gone between the directory walk and now: it is simply not on this page.
    return present ? this.#describe(location, present, { computeMd5: false, withMetadata }) : undefined;
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

/** What a path's `lstat` found, by the link check: undefined when nothing is there. */
interface Seen {
  stats: BigIntStats | undefined;
}

/** The entry `stats` describe, if it is what the location names: a file, or a marker's directory. */
function presentAs(location: Location, stats: BigIntStats | undefined): Present | undefined {
  if (!stats || (location.marker ? !stats.isDirectory() : !stats.isFile())) return undefined;
  return { stats, generation: generationOf(stats) };
}

async function isEmptyDirectory(path: string): Promise<boolean> {
  const dir = await opendir(path);
  try {
    return (await dir.read()) === null;
  } finally {
    await dir.close();
  }
}
