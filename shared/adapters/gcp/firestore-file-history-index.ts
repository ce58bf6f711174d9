/**
 * FileHistoryIndex on Firestore. `<p>` is the collection prefix (`bailiff` by default):
 *
 *   <p>_file_history/k_<case>                 { case, seq }: how far the chain is indexed
 *     /paths/<sha256 of the path>/changes/<order>   { path, order, change (JSON) }
 *
 * A path's rows are one small collection (document id = order), so a query is a range over the
 * `order` field, served by its automatic single-field index (no composite index to declare).
 */
import { createHash } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { FileChange, FileHistoryRow } from '../../domain/file-history.ts';
import type { FileHistoryIndex } from '../../ports/file-history-index.ts';

/** Firestore caps a batch at 500 writes. */
const BATCH_WRITES = 400;

export class FirestoreFileHistoryIndex implements FileHistoryIndex {
  readonly #firestore: Firestore;
  readonly #prefix: string;

  constructor(options: { firestore: Firestore; collectionPrefix?: string }) {
    this.#firestore = options.firestore;
    this.#prefix = options.collectionPrefix ?? 'bailiff';
  }

  #caseDoc(caseName: string) {
    return this.#firestore.collection(`${this.#prefix}_file_history`).doc(`k_${caseName}`);
  }

  #changes(caseName: string, path: string) {
    return this.#caseDoc(caseName).collection('paths').doc(createHash('sha256').update(path).digest('hex')).collection('changes');
  }

  async indexedThrough(caseName: string): Promise<number> {
    const snapshot = await this.#caseDoc(caseName).get();
    return (snapshot.get('seq') as number | undefined) ?? 0;
  }

  async add(caseName: string, rows: readonly FileHistoryRow[], throughSeq: number): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH_WRITES) {
      const batch = this.#firestore.batch();
      for (const row of rows.slice(i, i + BATCH_WRITES)) {
        batch.set(this.#changes(caseName, row.path).doc(row.order), { path: row.path, order: row.order, change: JSON.stringify(row.change) });
      }
      await batch.commit();
    }
    // The mark only moves forwards, after its rows are written.
    await this.#firestore.runTransaction(async (transaction) => {
      const ref = this.#caseDoc(caseName);
      const current = ((await transaction.get(ref)).get('seq') as number | undefined) ?? 0;
      if (throughSeq > current) transaction.set(ref, { case: caseName, seq: throughSeq });
    });
  }

  async read(caseName: string, path: string, page: { before?: string; after?: string; limit: number }): Promise<FileHistoryRow[]> {
    // Ordered by the `order` field, not the document id: Firestore scans keys in ascending order
    // only, while the automatic single-field index on `order` serves both directions.
    const id = 'order';
    const changes = this.#changes(caseName, path);
    const query =
      page.after !== undefined
        ? changes.where(id, '>', page.after).orderBy(id, 'asc')
        : page.before !== undefined
          ? changes.where(id, '<', page.before).orderBy(id, 'desc')
          : changes.orderBy(id, 'desc');
    const snapshot = await query.limit(page.limit).get();
    return snapshot.docs.map((doc) => ({ path, order: doc.id, change: JSON.parse(doc.get('change') as string) as FileChange }));
  }
}
