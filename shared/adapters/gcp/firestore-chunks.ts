/**
 * Chunk documents: how the Firestore plan store keeps lists too large for one document
 * (operations, actions, large reports, the journal) under Firestore's document and commit
 * limits. The format and the limits are described in firestore-plan-store.ts.
 */
import type { CollectionReference, DocumentReference, Firestore } from '@google-cloud/firestore';
import { pad, type Reader } from './firestore-access.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Payload of one chunk document: well under the 1 MiB document limit. */
export const CHUNK_BYTES = 768 * KiB;
/** Per commit. Firestore accepts 10 MiB, but the emulator's gRPC server stalls above 4 MiB. */
export const MAX_COMMIT_BYTES = 3 * MiB;
export const MAX_BATCH_WRITES = 400;
const BATCH_CONCURRENCY = 4;
/** Chunk documents fetched per read request: at most about 3 MiB. */
const READ_PAGE_DOCS = 4;

export interface ChunkDocument {
  first: number;
  count: number;
  /** `first + count`: what readers range over to find the chunk holding an offset. */
  end: number;
  part: number;
  parts: number;
  data: Buffer;
}

/**
 * Packs items, numbered from `first`, into chunk documents of at most CHUNK_BYTES each. A
 * group is one JSON array; an item too large for one chunk forms a group of its own, split
 * into `parts` byte ranges that are concatenated back before parsing.
 */
export function encodeChunks(first: number, items: readonly unknown[]): Array<{ id: string; doc: ChunkDocument }> {
  const chunks: Array<{ id: string; doc: ChunkDocument }> = [];
  let pending: string[] = [];
  let pendingBytes = 2;
  let pendingFirst = first;
  const flush = () => {
    if (pending.length === 0) return;
    chunks.push({
      id: chunkId(pendingFirst, 0),
      doc: {
        first: pendingFirst,
        count: pending.length,
        end: pendingFirst + pending.length,
        part: 0,
        parts: 1,
        data: Buffer.from(`[${pending.join(',')}]`, 'utf8'),
      },
    });
    pendingFirst += pending.length;
    pending = [];
    pendingBytes = 2;
  };
  for (const item of items) {
    const json = JSON.stringify(item) ?? 'null';
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes + 2 > CHUNK_BYTES) {
      flush();
      const data = Buffer.from(`[${json}]`, 'utf8');
      const parts = Math.ceil(data.length / CHUNK_BYTES);
      for (let part = 0; part < parts; part += 1) {
        chunks.push({
          id: chunkId(pendingFirst, part),
          doc: { first: pendingFirst, count: 1, end: pendingFirst + 1, part, parts, data: data.subarray(part * CHUNK_BYTES, (part + 1) * CHUNK_BYTES) },
        });
      }
      pendingFirst += 1;
      continue;
    }
    if (pendingBytes + bytes + 1 > CHUNK_BYTES) flush();
    pending.push(json);
    pendingBytes += bytes + 1;
  }
  flush();
  return chunks;
}

/**
 * Items `offset .. offset+limit-1` of one chunk collection: the chunks whose `end` lies past
 * `offset`, in order, a few documents at a time (a range on one field, which the automatic
 * single-field index serves; parts of one group share `end` and follow in id order).
 */
export async function readChunks(reader: Reader, collection: CollectionReference, offset: number, limit: number): Promise<unknown[]> {
  if (limit === 0) return [];
  const items: unknown[] = [];
  let parts: Buffer[] = [];
  const base = collection.where('end', '>', offset).orderBy('end');
  let query = base.limit(READ_PAGE_DOCS);
  for (;;) {
    const page = await reader.query(query);
    for (const doc of page.docs) {
      const chunk = doc.data() as ChunkDocument;
      parts.push(chunk.data);
      if (chunk.part + 1 < chunk.parts) continue;
      const group = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown[];
      parts = [];
      for (let i = Math.max(0, offset - chunk.first); i < group.length && items.length < limit; i += 1) items.push(group[i]);
      if (items.length >= limit) return items;
    }
    const last = page.docs.at(-1);
    if (page.docs.length < READ_PAGE_DOCS || !last) return items;
    query = base.startAfter(last).limit(READ_PAGE_DOCS);
  }
}

/** Writes chunk documents in parallel batches bounded by bytes and count (not atomic together). */
export async function writeChunks(db: Firestore, writes: ReadonlyArray<[DocumentReference, ChunkDocument]>): Promise<void> {
  const batches: Array<Array<[DocumentReference, ChunkDocument]>> = [];
  let current: Array<[DocumentReference, ChunkDocument]> = [];
  let bytes = 0;
  for (const write of writes) {
    const size = write[1].data.length + 512;
    if (current.length > 0 && (bytes + size > MAX_COMMIT_BYTES || current.length >= MAX_BATCH_WRITES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const group = batches[next++] ?? [];
      const batch = db.batch();
      for (const [ref, doc] of group) batch.set(ref, doc);
      await batch.commit();
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, worker));
}

export async function deleteCollection(db: Firestore, collection: CollectionReference): Promise<void> {
  for (;;) {
    const page = await collection.select().limit(MAX_BATCH_WRITES).get();
    if (page.empty) return;
    const batch = db.batch();
    for (const doc of page.docs) batch.delete(doc.ref);
    await batch.commit();
  }
}

export function chunkId(first: number, part: number): string {
  return `${pad(first, 9)}.${pad(part, 5)}`;
}

export function chunkWrites(
  collection: CollectionReference,
  chunks: ReadonlyArray<{ id: string; doc: ChunkDocument }>,
): Array<[DocumentReference, ChunkDocument]> {
  return chunks.map((chunk) => [collection.doc(chunk.id), chunk.doc]);
}
