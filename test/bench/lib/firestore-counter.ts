/**
 * Counts Firestore documents read, written and deleted by everything in this process, the way
 * Firestore bills them (Standard edition): each document a lookup returns or reports missing
 * is one read; each document a query returns is one read, and a query that returns nothing
 * still costs one; each write in a commit is one write, or one delete.
 *
 * The Firestore emulator exposes no usage figures, and the FirestorePlanStore's documents are
 * its own business, so the count is taken one level below it: on the prototype of the Firestore
 * client's generated gRPC client, whose `commit`, `batchWrite`, `batchGetDocuments`, `runQuery`
 * and `runAggregationQuery` are the only RPCs that read or write documents. Every request the
 * adapter sends passes there, transactions included. Transactions that are retried after
 * contention count every attempt's reads, as Firestore bills them.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

export interface FirestoreCounts {
  reads: number;
  writes: number;
  deletes: number;
  /** RPCs sent (commits, lookups, queries): latency costs, not billed items. */
  rpcs: number;
}

export function emptyFirestoreCounts(): FirestoreCounts {
  return { reads: 0, writes: 0, deletes: 0, rpcs: 0 };
}

export function diffFirestoreCounts(after: FirestoreCounts, before: FirestoreCounts): FirestoreCounts {
  return { reads: after.reads - before.reads, writes: after.writes - before.writes, deletes: after.deletes - before.deletes, rpcs: after.rpcs - before.rpcs };
}

const counts = emptyFirestoreCounts();
let installed = false;

/** Current totals since the process started counting. */
export function firestoreCounts(): FirestoreCounts {
  return { ...counts };
}

interface WriteLike {
  delete?: unknown;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Installs the counters once; calls before the first Firestore client is used are not needed. */
export function installFirestoreCounter(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  // `v1` is a lazy getter on the package; its FirestoreClient is the class the Firestore client instantiates.
  const v1 = require('@google-cloud/firestore').v1 as { FirestoreClient: { prototype: Record<string, Method> } };
  const proto = v1.FirestoreClient.prototype;

  const countWrites = (request: unknown) => {
    const writes = ((request as { writes?: WriteLike[] } | undefined)?.writes ?? []) as WriteLike[];
    for (const write of writes) {
      if (write.delete) counts.deletes += 1;
      else counts.writes += 1;
    }
  };
  for (const name of ['commit', 'batchWrite']) {
    const original = proto[name]!;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      counts.rpcs += 1;
      countWrites(args[0]);
      return original.apply(this, args);
    };
  }

  const originalLookup = proto.batchGetDocuments!;
  proto.batchGetDocuments = function (this: unknown, ...args: unknown[]) {
    counts.rpcs += 1;
    const stream = originalLookup.apply(this, args) as Readable;
    // The SDK already consumes this stream in flowing mode; one more listener sees the same chunks.
    stream.on('data', (chunk: { found?: unknown; missing?: unknown }) => {
      if (chunk.found || chunk.missing) counts.reads += 1;
    });
    return stream;
  };

  const originalQuery = proto.runQuery!;
  proto.runQuery = function (this: unknown, ...args: unknown[]) {
    counts.rpcs += 1;
    const stream = originalQuery.apply(this, args) as Readable;
    let documents = 0;
    let charged = false;
    const chargeEmpty = () => {
      if (charged) return;
      charged = true;
      if (documents === 0) counts.reads += 1;
    };
    stream.on('data', (chunk: { document?: unknown }) => {
      if (chunk.document) {
        documents += 1;
        counts.reads += 1;
      }
    });
    stream.on('end', chargeEmpty);
    stream.on('close', chargeEmpty);
    return stream;
  };

  const originalAggregation = proto.runAggregationQuery!;
  proto.runAggregationQuery = function (this: unknown, ...args: unknown[]) {
    counts.rpcs += 1;
    // Billed per 1,000 index entries scanned, at least one read; Bailiff's counts are tiny.
    counts.reads += 1;
    return originalAggregation.apply(this, args);
  };
}
