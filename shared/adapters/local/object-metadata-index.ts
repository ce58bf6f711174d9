/**
 * The local store's bookkeeping in one SQLite file: per object name, its sidecar (the metadata
 * recorded for a generation), its intent record (the sidecar a file about to be published will
 * have), its moving record (this name is the source of a link-then-unlink move) and its holds
 * (legal holds placed on the name, whatever its generation).
 *
 * Why a database and not a file per record: on a local disk, creating and renaming a small file
 * costs as much as the move it describes, several times per move. Here a record is a row, and
 * the rows written by all the operations of one event-loop turn reach the file in one
 * transaction (a group commit), so a batch of concurrent moves shares one write.
 *
 * Two kinds of writes:
 * - `set`/`remove` take effect at once for this process (reads see them) and are committed at the
 *   end of the current event-loop turn;
 * - `durable()` resolves once everything set so far is committed: a caller that must not publish
 *   a file before its intent record survives a crash awaits it.
 * A commit is one transaction, so a crash keeps all of a batch or none of it. Records written
 * after a file is published (its final sidecar, removing the intent) may be lost to a crash;
 * the store is built so that losing them loses nothing (the intent still names the file).
 * WAL with `synchronous = NORMAL`: a commit survives the process being killed; only the last
 * commits before a power cut can be lost. Safe to share between processes (SQLite's locking).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { unavailable } from '../../errors.ts';

/**
 * In WAL mode with `synchronous = NORMAL` the only fsyncs are at checkpoints, which SQLite makes
 * every 1,000 pages by default: several times per thousand moves, each costing more than the
 * moves. 10,000 pages (40 MB of log at most) makes that once per several thousand.
 */
const CHECKPOINT_PAGES = 10_000;

export type RecordKind = 'sidecar' | 'pending' | 'moving' | 'holds';
const KINDS: readonly RecordKind[] = ['sidecar', 'pending', 'moving', 'holds'];

/** A name's records, parsed. */
export type NameRecords = Partial<Record<RecordKind, unknown>>;

interface Change {
  name: string;
  kind: RecordKind;
  /** JSON, or undefined to delete. */
  value: string | undefined;
}

export class ObjectMetadataIndex {
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #selectTwo: StatementSync;
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;
  readonly #selectKindBetween: StatementSync;
  /** Changes not committed yet, by kind and name: reads see them first. */
  #pending = new Map<string, Change>();
  #scheduled: Promise<void> | undefined;

  constructor(path: string) {
    try {
      this.#db = new DatabaseSync(path, { timeout: 5_000 });
      this.#db.exec(`
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES};
        PRAGMA journal_size_limit = ${64 * 1024 * 1024};
        CREATE TABLE IF NOT EXISTS records (
          name TEXT NOT NULL,
          kind TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (name, kind)
        ) WITHOUT ROWID;`);
      this.#select = this.#db.prepare('SELECT kind, value FROM records WHERE name = ?');
      this.#selectTwo = this.#db.prepare(
        'SELECT name, kind, value FROM records WHERE name = ?1 UNION ALL SELECT name, kind, value FROM records WHERE name = ?2',
      );
      this.#upsert = this.#db.prepare('INSERT INTO records (name, kind, value) VALUES (?, ?, ?) ON CONFLICT (name, kind) DO UPDATE SET value = excluded.value');
      this.#delete = this.#db.prepare('DELETE FROM records WHERE name = ? AND kind = ?');
      // SQLite compares TEXT bytewise (UTF-8), the order listings return names in.
      this.#selectKindBetween = this.#db.prepare('SELECT name, value FROM records WHERE name >= ? AND name <= ? AND kind = ?');
    } catch (error) {
      throw unavailable(`cannot open the object metadata at ${path}: ${error instanceof Error ? error.message : String(error)}`, [], error);
    }
  }

  /** Every record of `name`: this process's uncommitted changes over what is committed. */
  read(name: string): NameRecords {
    const records: NameRecords = {};
    const rows = this.#select.all(name) as Array<{ kind: RecordKind; value: string }>;
    for (const row of rows) records[row.kind] = parse(row.value);
    return this.#withPending(name, records);
  }

  /** `read` of two names in one query (a move's source and destination): one read transaction, not two. */
  readTwo(first: string, second: string): [NameRecords, NameRecords] {
    const found: [NameRecords, NameRecords] = [{}, {}];
    for (const row of this.#selectTwo.all(first, second) as Array<{ name: string; kind: RecordKind; value: string }>) {
      found[row.name === first ? 0 : 1][row.kind] = parse(row.value);
    }
    return [this.#withPending(first, found[0]), this.#withPending(second, found[1])];
  }

  #withPending(name: string, records: NameRecords): NameRecords {
    if (this.#pending.size === 0) return records;
    for (const kind of KINDS) {
      const change = this.#pending.get(keyOf(name, kind));
      if (!change) continue;
      if (change.value === undefined) delete records[kind];
      else records[kind] = parse(change.value);
    }
    return records;
  }

  /**
   * The records of one kind for the names from `first` to `last` (inclusive, byte order), this
   * process's uncommitted changes over what is committed: one query for a page of a listing.
   */
  readKindBetween(kind: RecordKind, first: string, last: string): Map<string, unknown> {
    const found = new Map<string, unknown>();
    for (const row of this.#selectKindBetween.all(first, last, kind) as Array<{ name: string; value: string }>) found.set(row.name, parse(row.value));
    const firstBytes = Buffer.from(first);
    const lastBytes = Buffer.from(last);
    for (const change of this.#pending.values()) {
      if (change.kind !== kind) continue;
      const bytes = Buffer.from(change.name);
      if (Buffer.compare(bytes, firstBytes) < 0 || Buffer.compare(bytes, lastBytes) > 0) continue;
      if (change.value === undefined) found.delete(change.name);
      else found.set(change.name, parse(change.value));
    }
    return found;
  }

  set(name: string, kind: RecordKind, value: unknown): void {
    this.#change({ name, kind, value: JSON.stringify(value) });
  }

  remove(name: string, kind: RecordKind): void {
    this.#change({ name, kind, value: undefined });
  }

  /** Resolves once every change made so far is committed; rejects if that commit failed. */
  durable(): Promise<void> {
    return this.#pending.size > 0 ? this.#schedule() : (this.#scheduled ?? Promise.resolve());
  }

  /** Commits what is pending now (for a caller about to stop). */
  flush(): void {
    if (this.#pending.size > 0) this.#commit();
  }

  close(): void {
    if (!this.#db.isOpen) return;
    try {
      this.flush();
    } finally {
      this.#db.close();
    }
  }

  #change(change: Change): void {
    this.#pending.set(keyOf(change.name, change.kind), change);
    void this.#schedule();
  }

  /** One commit per event-loop turn, however many operations wrote in it. */
  #schedule(): Promise<void> {
    if (!this.#scheduled) {
      const commit = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          this.#scheduled = undefined;
          try {
            // Empty when flush() or close() committed it first.
            if (this.#pending.size > 0) this.#commit();
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      });
      // A failure reaches whoever awaits durable(); nobody may be waiting.
      commit.catch(() => undefined);
      this.#scheduled = commit;
    }
    return this.#scheduled;
  }

  #commit(): void {
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        for (const change of batch.values()) {
          if (change.value === undefined) this.#delete.run(change.name, change.kind);
          else this.#upsert.run(change.name, change.kind, change.value);
        }
        this.#db.exec('COMMIT');
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      // Kept for the next commit, unless superseded meanwhile; the waiters of this one fail.
      // The next change or durable() tries again.
      for (const [key, change] of batch) if (!this.#pending.has(key)) this.#pending.set(key, change);
      throw unavailable(`cannot record object metadata: ${error instanceof Error ? error.message : String(error)}`, [], error);
    }
  }
}

function keyOf(name: string, kind: RecordKind): string {
  return `${kind}\n${name}`;
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/**
 * Moves the records of an earlier version of the store — JSON files under two-hex-digit
 * folders of the metadata directory, named by the SHA-256 of the object name: `<hash>.json`
 * (sidecar), `.json.pending` (intent), `.json.moving` (moving record) — into the index, then
 * deletes them, so upgrading keeps every object's provenance. A moving record does not name its
 * source; it is the source of the intent whose `movedFrom` hashes to it. Safe to repeat if
 * interrupted: the files go only after their rows are committed.
 */
export async function importLegacyRecords(metadataDir: string, index: ObjectMetadataIndex): Promise<number> {
  const shards = (await readdir(metadataDir, { withFileTypes: true })).filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name));
  if (shards.length === 0) return 0;
  const moving = new Map<string, unknown>();
  const movedFrom: string[] = [];
  let imported = 0;
  for (const shard of shards) {
    for (const file of await readdir(join(metadataDir, shard.name))) {
      const match = /^([0-9a-f]{64})\.json(\.pending|\.moving)?$/.exec(file);
      if (!match) continue; // a temporary file of an interrupted write
      const value = parse(await readFile(join(metadataDir, shard.name, file), 'utf8').catch(() => '')) as { name?: unknown; movedFrom?: unknown } | undefined;
      if (!value) continue;
      const hash = match[1]!;
      if (match[2] === '.moving') {
        moving.set(hash, value);
        continue;
      }
      if (typeof value.name !== 'string' || sha256(value.name) !== hash) continue;
      index.set(value.name, match[2] === '.pending' ? 'pending' : 'sidecar', value);
      imported += 1;
      if (match[2] === '.pending' && typeof value.movedFrom === 'string') movedFrom.push(value.movedFrom);
    }
  }
  for (const source of movedFrom) {
    const record = moving.get(sha256(source));
    if (record === undefined) continue;
    index.set(source, 'moving', record);
    imported += 1;
  }
  index.flush();
  for (const shard of shards) await rm(join(metadataDir, shard.name), { recursive: true, force: true });
  return imported;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
