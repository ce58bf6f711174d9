/**
 * FileHistoryIndex in its own SQLite file beside the plan store's: derived data, so it needs no
 * migration of the plan store and can be deleted at any time (the next query rebuilds it).
 * One row per (case, path, order); the primary key is the query's range scan.
 */
import { DatabaseSync } from 'node:sqlite';
import type { FileChange, FileHistoryRow } from '../../domain/file-history.ts';
import { unavailable } from '../../errors.ts';
import type { FileHistoryIndex } from '../../ports/file-history-index.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS file_history (
  case_name TEXT NOT NULL,
  path TEXT NOT NULL,
  ord TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (case_name, path, ord)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_history_marks (
  case_name TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
`;

export class SqliteFileHistoryIndex implements FileHistoryIndex {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    try {
      this.#db = new DatabaseSync(path, { timeout: 5_000 });
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.#db.exec(SCHEMA);
    } catch (error) {
      throw unavailable(`cannot open the file history index at ${path}`, [], error);
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  async indexedThrough(caseName: string): Promise<number> {
    const row = this.#db.prepare('SELECT seq FROM file_history_marks WHERE case_name = ?').get(caseName) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async add(caseName: string, rows: readonly FileHistoryRow[], throughSeq: number): Promise<void> {
    const insert = this.#db.prepare('INSERT OR REPLACE INTO file_history (case_name, path, ord, json) VALUES (?, ?, ?, ?)');
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const row of rows) insert.run(caseName, row.path, row.order, JSON.stringify(row.change));
      this.#db
        .prepare('INSERT INTO file_history_marks (case_name, seq) VALUES (?, ?) ON CONFLICT (case_name) DO UPDATE SET seq = MAX(seq, excluded.seq)')
        .run(caseName, throughSeq);
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw unavailable(`cannot index the file history of case ${caseName}`, [], error);
    }
  }

  async read(caseName: string, path: string, page: { before?: string; after?: string; limit: number }): Promise<FileHistoryRow[]> {
    const rows = (
      page.after !== undefined
        ? this.#db
            .prepare('SELECT ord, json FROM file_history WHERE case_name = ? AND path = ? AND ord > ? ORDER BY ord ASC LIMIT ?')
            .all(caseName, path, page.after, page.limit)
        : this.#db
            .prepare('SELECT ord, json FROM file_history WHERE case_name = ? AND path = ? AND ord < ? ORDER BY ord DESC LIMIT ?')
            .all(caseName, path, page.before ?? '~', page.limit)
    ) as Array<{ ord: string; json: string }>;
    return rows.map((row) => ({ path, order: row.ord, change: JSON.parse(row.json) as FileChange }));
  }
}
