/**
 * FileHistoryIndex: the per-document index behind `GET /cases/{case}/files/history`. It holds
 * rows derived from the journal and the audit chain (domain/file-history.ts), filed by case and
 * path, and how far along each case's audit chain it has been built. Derived data only: losing
 * it loses nothing, the next query rebuilds it from the chain.
 */
import type { FileHistoryRow } from '../domain/file-history.ts';

export interface FileHistoryIndex {
  /** The last audit seq of the case's chain whose plans are indexed (0: none). */
  indexedThrough(caseName: string): Promise<number>;
  /**
   * Files `rows` and moves the case's mark to `throughSeq` (never backwards). Idempotent: a row
   * is keyed by case, path and order, so two builders racing write the same rows.
   */
  add(caseName: string, rows: readonly FileHistoryRow[], throughSeq: number): Promise<void>;
  /** At most `limit` rows of one path: newest first below `before`, or oldest first after `after`. */
  read(caseName: string, path: string, page: { before?: string; after?: string; limit: number }): Promise<FileHistoryRow[]>;
}
