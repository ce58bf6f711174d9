/**
 * What every part of the Firestore plan store shares: transactions retried under contention,
 * consistent reads, document ids made from names, and the one translation of Firestore's gRPC
 * errors into BailiffErrors. The data model is described in firestore-plan-store.ts.
 */
import { randomBytes } from 'node:crypto';
import type { DocumentReference, DocumentSnapshot, Firestore, Query, QuerySnapshot, Transaction } from '@google-cloud/firestore';
import { conflict, internal, isBailiffError, notFound, rateLimited, unavailable, type BailiffError } from '../../errors.ts';

/** Either a transaction or the plain client: both can read documents and queries. */
export interface Reader {
  get(ref: DocumentReference): Promise<DocumentSnapshot>;
  query(query: Query): Promise<QuerySnapshot>;
  getAll(refs: DocumentReference[]): Promise<DocumentSnapshot[]>;
}

/** The client with the store's retry budget: how the plan, audit and lease documents are read and written. */
export class FirestoreAccess {
  readonly db: Firestore;
  readonly #maxAttempts: number;

  constructor(db: Firestore, maxAttempts: number) {
    this.db = db;
    this.#maxAttempts = maxAttempts;
  }

  /** Runs `body` in a read-write transaction, retried under contention; vendor errors become BailiffErrors. */
  async transaction<T>(what: string, body: (tx: Transaction, reader: Reader) => Promise<T>): Promise<T> {
    try {
      return await this.db.runTransaction((tx) => body(tx, transactionReader(tx)), { maxAttempts: this.#maxAttempts });
    } catch (error) {
      throw translateFirestoreError(error, `cannot ${what}`);
    }
  }

  /** Reads in one consistent snapshot (a read-only transaction) unless `consistent` is false. */
  async readOnly<T>(what: string, body: (reader: Reader) => Promise<T>, consistent = true): Promise<T> {
    try {
      if (!consistent) return await body(clientReader(this.db));
      return await this.db.runTransaction((tx) => body(transactionReader(tx)), { readOnly: true });
    } catch (error) {
      throw translateFirestoreError(error, `cannot ${what}`);
    }
  }
}

function transactionReader(tx: Transaction): Reader {
  return {
    get: (ref) => tx.get(ref),
    query: (query) => tx.get(query),
    getAll: (refs) => (refs.length === 0 ? Promise.resolve([]) : tx.getAll(...refs)),
  };
}

function clientReader(db: Firestore): Reader {
  return {
    get: (ref) => ref.get(),
    query: (query) => query.get(),
    getAll: (refs) => (refs.length === 0 ? Promise.resolve([]) : db.getAll(...refs)),
  };
}

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function newGeneration(): string {
  return randomBytes(8).toString('hex');
}

/** A legal, collision-free document id for any name: no `/`, never `.`/`..`, never `__x__`. */
export function docKey(name: string): string {
  return `k_${name.replaceAll('%', '%25').replaceAll('/', '%2F')}`;
}

export function nameOfKey(key: string): string {
  return key.slice('k_'.length).replaceAll('%2F', '/').replaceAll('%25', '%');
}

export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export function grpcCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

export function translateFirestoreError(error: unknown, message: string): BailiffError {
  if (isBailiffError(error)) return error;
  const code = grpcCode(error);
  const detail = error instanceof Error ? `${message}: ${error.message}` : message;
  switch (code) {
    case GRPC.ALREADY_EXISTS:
    case GRPC.ABORTED:
    case 409:
      return conflict(detail, [], error);
    case GRPC.NOT_FOUND:
      return notFound(detail, [], error);
    case GRPC.RESOURCE_EXHAUSTED:
      return rateLimited(detail, [], error);
    case GRPC.CANCELLED:
    case GRPC.UNKNOWN:
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.INTERNAL:
    case GRPC.UNAVAILABLE:
      return unavailable(detail, [], error);
    default:
      // INVALID_ARGUMENT, FAILED_PRECONDITION (a missing index), PERMISSION_DENIED: a bug or a misconfiguration.
      return internal(detail, [], error);
  }
}
