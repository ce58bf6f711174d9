/**
 * Writing to a local workspace: content is staged in `.bailiff-staging/` and published by
 * `link` (the name must be free: atomic, even against other programs) or `rename`
 * (replacement), after an intent record naming the file is committed; then the new
 * generation's sidecar is recorded. Removing an object prunes the folders it leaves empty.
 * Every method here runs under the caller's lock on the names it changes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, linkSync, lstatSync, mkdirSync, renameSync, rmdirSync, unlinkSync, type BigIntStats } from 'node:fs';
import { copyFile, mkdir, open, rename, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { BailiffError, notFound, preconditionFailed, unavailable } from '../../errors.ts';
import type { CopyOptions, ObjectInfo } from '../../ports/object-store.ts';
import { checkPrecondition, conflictInTheWay, hasCode } from './fs-errors.ts';
import { REMEMBERED_DIRECTORIES, type Location, type Present } from './fs-names.ts';
import type { ObjectRecords, Sidecar } from './fs-records.ts';

/** Folders at this depth or shallower (`projects/<case>`) are never pruned. */
export const PRUNE_KEEP_DEPTH = 2;
// Remembered last generations per name (to refuse ever handing out one twice); bounded.
const REMEMBERED_GENERATIONS = 10_000;

/** How the store describes an object: what is already known of it, and what to look up. */
export interface DescribeOptions {
  computeMd5: boolean;
  md5?: string;
  withMetadata?: boolean;
  sidecar?: Sidecar;
}

/** What writing needs from the store: its records, and how it finds and describes objects. */
export interface WrittenStore {
  /** The open metadata records (the store is ready before anything is written). */
  records(): ObjectRecords;
  assertInside(path: string): Promise<void>;
  lookup(location: Location): Promise<Present | undefined>;
  lookupEntry(location: Location): Promise<Present | undefined>;
  describe(location: Location, present: Present, options: DescribeOptions): Promise<ObjectInfo>;
}

/** The writes of one workspace root. */
export class FsWrites {
  readonly #root: string;
  readonly #stagingDir: string;
  readonly #store: WrittenStore;
  readonly #lastGeneration = new Map<string, string>();
  /** Folders this store made or saw: publishing into them needs no mkdir (a vanished one is made again). */
  readonly #knownDirectories = new Set<string>();
  /** Folders `pruneSoon` looks at when the turn ends, and the promise their callers wait on. */
  #toPrune = new Set<string>();
  #pruning: Promise<void> | undefined;

  constructor(root: string, stagingDir: string, store: WrittenStore) {
    this.#root = root;
    this.#stagingDir = stagingDir;
    this.#store = store;
  }

  /**
   * A file copied by the kernel into a staged file (never through this process's memory, so a
   * 200 MB blob costs no 200 MB of heap), published like a write. The source's generation is
   * checked before and after: an edit by another program meanwhile fails the copy as
   * `unavailable`, and the copy is retried rather than publishing a torn file. Caller holds both locks.
   */
  async copyFile(from: Location, to: Location, options: CopyOptions): Promise<ObjectInfo> {
    const before = await this.#store.lookup(from);
    if (!before) throw notFound(`${from.name} does not exist`);
    checkPrecondition(from.name, options.ifSourceGenerationMatch, before.generation);
    const sidecar = await this.#store.records().validSidecar(from.name, before);
    const staged = join(this.#stagingDir, randomUUID());
    try {
      await copyFile(from.path, staged, constants.COPYFILE_EXCL);
      const after = await this.#store.lookup(from);
      if (after?.generation !== before.generation) throw new BailiffError('unavailable', `${from.name} changed while being copied`);
      const md5 = sidecar?.md5 ?? (await md5OfFile(staged));
      return await this.publishStaged(to, staged, md5, options.ifGenerationMatch, {
        name: to.name,
        generation: '',
        metadata: { ...(options.metadata ?? sidecar?.metadata ?? {}) },
        ...(sidecar?.contentType ? { contentType: sidecar.contentType } : {}),
      });
    } finally {
      await unlink(staged).catch(() => undefined);
    }
  }

  /** Stages `data` and publishes it at `location` under the precondition. Caller holds the lock. */
  async put(location: Location, data: Buffer, ifGenerationMatch: string | undefined, record: Sidecar): Promise<ObjectInfo> {
    await this.#store.assertInside(location.path);
    const existing = await this.#store.lookup(location);
    checkPrecondition(location.name, ifGenerationMatch, existing?.generation);
    if (!location.marker && !existing && isDirectory(location.path)) throw conflictInTheWay(location.name, undefined);
    const md5 = md5Base64(data);
    if (location.marker) {
      // Made in the staging area and renamed into place, so the intent can name its inode first.
      const stagedFolder = join(this.#stagingDir, randomUUID());
      await mkdir(stagedFolder);
      try {
        this.#store.records().writeIntent(location.name, { ...record, md5 }, await stat(stagedFolder, { bigint: true }));
        await this.publishOrForgetIntent(
          location,
          async () => {
            try {
              await rename(stagedFolder, location.path);
            } catch (error) {
              // A folder that already holds objects has no marker to conflict with; keep it.
              if (!hasCode(error, 'EEXIST', 'ENOTEMPTY') || !(await stat(location.path)).isDirectory()) throw error;
            }
          },
          false,
        );
      } finally {
        await rmdir(stagedFolder).catch(() => undefined);
      }
      return this.finish(location, { ...record, md5 });
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
      this.#store.records().writeIntent(location.name, { ...record, md5 }, stats);
      await this.publishOrForgetIntent(
        location,
        () => {
          if (ifGenerationMatch === '0') linkSync(staged, location.path);
          else renameSync(staged, location.path);
        },
        ifGenerationMatch === '0',
      );
    } finally {
      await unlink(staged).catch(() => undefined);
    }
    return this.finish(location, { ...record, md5 });
  }

  /**
   * Publishes a file already staged (a streamed upload, a kernel copy) at `location` under the
   * precondition, with its intent record first, as `#put` does. Caller holds the lock.
   */
  async publishStaged(location: Location, staged: string, md5: string, ifGenerationMatch: string | undefined, record: Sidecar): Promise<ObjectInfo> {
    await this.#store.assertInside(location.path);
    const existing = await this.#store.lookup(location);
    checkPrecondition(location.name, ifGenerationMatch, existing?.generation);
    if (!existing && isDirectory(location.path)) throw conflictInTheWay(location.name, undefined);
    this.#store.records().writeIntent(location.name, { ...record, md5 }, lstatSync(staged, { bigint: true }));
    await this.publishOrForgetIntent(
      location,
      () => {
        if (ifGenerationMatch === '0') linkSync(staged, location.path);
        else renameSync(staged, location.path);
      },
      ifGenerationMatch === '0',
    );
    // Unlinking the staged name of a hard link changes the inode's ctime, so it must happen
    // before the generation is read and recorded.
    await unlink(staged).catch(() => undefined);
    return this.finish(location, { ...record, md5 });
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
  async publishOrForgetIntent(location: Location, step: () => void | Promise<void>, mustNotExist: boolean): Promise<void> {
    try {
      await this.#store.records().durable();
      await this.#publish(location, step, mustNotExist);
    } catch (error) {
      this.#store.records().removeIntent(location.name);
      throw error;
    }
  }

  /**
   * Records the new generation's sidecar and describes the published object. The sidecar is
   * committed with the next batch, not awaited: until then (and after a crash) the intent,
   * already committed, names the file and carries the same metadata.
   */
  async finish(location: Location, record: Sidecar): Promise<ObjectInfo> {
    const present = await this.#freshGeneration(location);
    const recorded = { ...record, name: location.name, generation: present.generation };
    this.#store.records().writeSidecar(recorded);
    this.#store.records().removeIntent(location.name);
    // Writes and copies know the md5 of what they published. A move knows it only if the source
    // carried one: like stat(), it does not read a whole file some other program wrote to learn it.
    return this.#store.describe(location, present, { computeMd5: false, ...(record.md5 ? { md5: record.md5 } : {}), sidecar: recorded });
  }

  /**
   * The generation of what was just published. If the file system handed back a generation
   * this name already had (inode reused within one timestamp tick), touching the file moves
   * its ctime on, so a generation is never reused for a name within this process.
   */
  async #freshGeneration(location: Location): Promise<Present> {
    for (let attempt = 0; ; attempt++) {
      // A marker written into a folder that already holds objects is described by the folder.
      const present = await this.#store.lookupEntry(location);
      if (!present) throw unavailable(`${location.name} vanished right after being written`);
      if (this.#lastGeneration.get(location.name) !== present.generation || attempt >= 5) {
        this.#rememberGeneration(location.name, present.generation);
        return present;
      }
      await utimes(location.path, present.stats.atime, present.stats.mtime);
    }
  }

  #rememberGeneration(name: string, generation: string): void {
    this.#lastGeneration.delete(name);
    this.#lastGeneration.set(name, generation);
    if (this.#lastGeneration.size > REMEMBERED_GENERATIONS) {
      const oldest = this.#lastGeneration.keys().next().value;
      if (oldest !== undefined) this.#lastGeneration.delete(oldest);
    }
  }

  /** Removes the object and its sidecar, then prunes the folders that became empty. Caller holds the lock. */
  async remove(location: Location): Promise<void> {
    try {
      if (location.marker) rmdirSync(location.path);
      else unlinkSync(location.path);
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTEMPTY', 'ENOTDIR')) throw notFound(`${location.name} does not exist`);
      throw error;
    }
    if (location.marker) this.#forgetDirectory(location.path);
    this.#store.records().removeSidecar(location.name);
    this.#store.records().removeIntent(location.name);
    this.prune(dirname(location.path));
  }

  /**
   * `prune` once the operations resumed together have asked (a batch of moves out of one inbox,
   * resumed by one commit of their records: one `rmdir` instead of one failing per move). It
   * runs as a microtask, not a turn later, so a move's caller waits no longer than before.
   * Resolves once done, so a caller that awaits it returns, as with `prune`, only after the
   * folders it left empty are gone. A publish racing it recreates its folder (`#publish`).
   */
  pruneSoon(directory: string): Promise<void> {
    this.#toPrune.add(directory);
    this.#pruning ??= new Promise<void>((resolve) => {
      queueMicrotask(() => {
        const folders = this.#toPrune;
        this.#toPrune = new Set();
        this.#pruning = undefined;
        for (const folder of folders) this.prune(folder);
        resolve();
      });
    });
    return this.#pruning;
  }

  prune(directory: string): void {
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
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function rememberDirectory(set: Set<string>, dir: string): void {
  set.add(dir);
  if (set.size > REMEMBERED_DIRECTORIES) set.delete(set.values().next().value!);
}

export function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
