import type { Readable } from 'node:stream';

/**
 * ObjectStore: the workspace as Cloud Storage sees it — flat object names, generations, and
 * preconditions — whatever actually holds the bytes (a bucket, or a local directory).
 *
 * Every mutation takes preconditions, and every adapter must honour them atomically: that is
 * what lets the executor apply a plan "exactly as approved" and never overwrite newer data.
 * Generations are opaque strings; `"0"` as `ifGenerationMatch` means "must not exist".
 * Errors are BailiffErrors: `not_found`, `precondition_failed`, `unavailable`, `rate_limited`,
 * and `object_held` for deleting or replacing (or moving away) an object under a hold or
 * retention — a refusal no retry changes.
 */

import type { SettableHoldKind } from '../domain/holds.ts';
import type { ObjectHolds, ObjectInfo, RefusedEntry } from '../domain/objects.ts';

export type { ObjectHolds, ObjectInfo, RefusedEntry };

export interface GenerationPrecondition {
  /** The object must currently have this generation; `"0"` means it must not exist. */
  ifGenerationMatch?: string;
}

export interface WriteOptions extends GenerationPrecondition {
  metadata?: Record<string, string>;
  contentType?: string;
}

export interface CopyOptions extends GenerationPrecondition {
  /** The source must currently have this generation. */
  ifSourceGenerationMatch?: string;
  /** Metadata for the destination (replaces the source's custom metadata). */
  metadata?: Record<string, string>;
  /**
   * The source's content type and headers as the caller recorded them (at the generation
   * `ifSourceGenerationMatch` names): the destination gets these, and a store that would
   * otherwise read the source to carry them over (Cloud Storage, when `metadata` is set) does
   * not have to. Unset: the store carries over the source's own.
   */
  sourceHeaders?: { contentType?: string; headers?: Record<string, string> };
}

/** A byte range, both ends inclusive as in HTTP `Range: bytes=start-end`; no `end` means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface OpenReadOptions extends GenerationPrecondition {
  /** Only these bytes. A start at or past the end of the object throws `invalid_input`. */
  range?: ByteRange;
}

/** An object being read: the version described is exactly the version whose bytes stream. */
export interface ObjectReadStream {
  info: ObjectInfo;
  /** The requested bytes; the caller must consume or destroy it. */
  stream: Readable;
}

export interface ListOptions {
  pageToken?: string;
  /** At most this many objects per page; adapters may return fewer. */
  pageSize?: number;
  /**
   * `false` when the caller will not read custom metadata (a dry run needs names, sizes and
   * generations only): an adapter that keeps metadata apart from the objects may then skip it
   * and return `{}`. Default true. Holds and retention (`holds`) are reported either way: a dry
   * run must see them.
   */
  withMetadata?: boolean;
}

export interface ListPage {
  objects: ObjectInfo[];
  /**
   * Entries under the prefix that are not objects and cannot be touched (a store with none
   * leaves this out): listed so a dry run can refuse a plan that names them, instead of the
   * plan failing when it runs. They count towards the page size.
   */
  refused?: RefusedEntry[];
  nextPageToken?: string;
}

export interface ObjectStore {
  /** One page of the objects whose names start with `prefix`, in lexicographic name order. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** The object's description, or undefined when it does not exist. */
  stat(name: string): Promise<ObjectInfo | undefined>;
  /** The whole content. Throws `not_found`. */
  read(name: string): Promise<Buffer>;
  /**
   * Streams one version of the object, whole or a range, without holding it in memory.
   * Throws `not_found`, `precondition_failed` (another generation), `invalid_input` (a range
   * starting past the end).
   */
  openRead(name: string, options?: OpenReadOptions): Promise<ObjectReadStream>;
  /** Creates or replaces the object. Throws `precondition_failed`. */
  write(name: string, data: Buffer, options?: WriteOptions): Promise<ObjectInfo>;
  /**
   * Creates or replaces the object from a stream, without holding it in memory. If `source`
   * fails (a verifying transform refusing the bytes, say), nothing is published and the
   * source's error is thrown. Throws `precondition_failed` like `write`.
   */
  writeFrom(name: string, source: Readable, options?: WriteOptions): Promise<ObjectInfo>;
  /** Server-side copy. Throws `not_found` (source) or `precondition_failed` (either side). */
  copy(source: string, destination: string, options?: CopyOptions): Promise<ObjectInfo>;
  /** Throws `not_found` or `precondition_failed`. */
  delete(name: string, options?: GenerationPrecondition): Promise<void>;
  /**
   * Atomic rename, offered only by stores that have one (a local file system). Same
   * preconditions and errors as `copy`; the source is gone exactly when the destination exists.
   * Stores without it get moves as copy, verify checksums, delete source.
   */
  rename?(source: string, destination: string, options?: CopyOptions): Promise<ObjectInfo>;
  /**
   * `false` only for a backend known to ignore the preconditions of `copy` and `delete` (the
   * fake-gcs-server emulator): callers then look at the objects before changing them rather
   * than trusting the preconditions to refuse. Unset means enforced, as this port requires.
   */
  readonly preconditionsEnforced?: boolean;
  /**
   * Places (`held: true`) or releases one hold on the object as it is now, leaving its content
   * and generation alone; the answer describes it with its holds. Idempotent. Throws `not_found`.
   */
  setHold(name: string, kind: SettableHoldKind, held: boolean): Promise<ObjectInfo>;
  /** Resolves when the backend answers; throws `unavailable` otherwise. */
  health(): Promise<void>;
}

/** Every object of a prefix, page by page; the only way services read a listing. */
export async function* listAll(store: ObjectStore, prefix: string, options: Omit<ListOptions, 'pageToken'> = {}): AsyncGenerator<ListPage> {
  let pageToken: string | undefined;
  do {
    const page = await store.list(prefix, { pageSize: 1000, ...options, pageToken });
    yield page;
    pageToken = page.nextPageToken;
  } while (pageToken);
}
