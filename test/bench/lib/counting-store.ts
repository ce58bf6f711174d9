/**
 * An ObjectStore that counts the calls made through it, by method, and passes them on
 * untouched. Counting at the port is counting at the adapter: each call of the Cloud Storage
 * adapter is one JSON API request (a copy is one rewrite request for objects this small; the
 * adapter loops only for copies Cloud Storage splits, which these never are).
 */
import type { Readable } from 'node:stream';
import type { SettableHoldKind } from '../../../shared/domain/holds.ts';
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
} from '../../../shared/ports/object-store.ts';

export const STORE_CALLS = ['list', 'stat', 'read', 'write', 'copy', 'delete', 'rename'] as const;
export type StoreCall = (typeof STORE_CALLS)[number];
export type StoreCounts = Record<StoreCall, number>;

export function emptyStoreCounts(): StoreCounts {
  return { list: 0, stat: 0, read: 0, write: 0, copy: 0, delete: 0, rename: 0 };
}

export function diffStoreCounts(after: StoreCounts, before: StoreCounts): StoreCounts {
  const result = emptyStoreCounts();
  for (const call of STORE_CALLS) result[call] = after[call] - before[call];
  return result;
}

/**
 * Cloud Storage's operation classes for the calls Bailiff makes (JSON API): objects.list,
 * objects.insert and objects.rewrite are class A; objects.get (metadata or media) is class B;
 * objects.delete is free. `rename` exists only on the local store.
 */
export function gcsClasses(counts: StoreCounts): { classA: number; classB: number; free: number } {
  return { classA: counts.list + counts.write + counts.copy, classB: counts.stat + counts.read, free: counts.delete };
}

export class CountingObjectStore implements ObjectStore {
  readonly counts: StoreCounts = emptyStoreCounts();
  readonly inner: ObjectStore;
  rename?: (source: string, destination: string, options?: CopyOptions) => Promise<ObjectInfo>;

  readonly preconditionsEnforced?: boolean;

  constructor(inner: ObjectStore) {
    this.inner = inner;
    if (inner.preconditionsEnforced !== undefined) this.preconditionsEnforced = inner.preconditionsEnforced;
    // Only a store that can rename may look as if it could: the executor picks its move path by
    // whether the method exists.
    if (inner.rename) {
      const rename = inner.rename.bind(inner);
      this.rename = (source, destination, options) => {
        this.counts.rename += 1;
        return rename(source, destination, options);
      };
    }
  }

  snapshot(): StoreCounts {
    return { ...this.counts };
  }

  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    this.counts.list += 1;
    return this.inner.list(prefix, options);
  }
  stat(name: string): Promise<ObjectInfo | undefined> {
    this.counts.stat += 1;
    return this.inner.stat(name);
  }
  read(name: string): Promise<Buffer> {
    this.counts.read += 1;
    return this.inner.read(name);
  }
  openRead(name: string, options?: OpenReadOptions): Promise<ObjectReadStream> {
    this.counts.read += 1;
    return this.inner.openRead(name, options);
  }
  writeFrom(name: string, source: Readable, options?: WriteOptions): Promise<ObjectInfo> {
    this.counts.write += 1;
    return this.inner.writeFrom(name, source, options);
  }
  write(name: string, data: Buffer, options?: WriteOptions): Promise<ObjectInfo> {
    this.counts.write += 1;
    return this.inner.write(name, data, options);
  }
  copy(source: string, destination: string, options?: CopyOptions): Promise<ObjectInfo> {
    this.counts.copy += 1;
    return this.inner.copy(source, destination, options);
  }
  delete(name: string, options?: GenerationPrecondition): Promise<void> {
    this.counts.delete += 1;
    return this.inner.delete(name, options);
  }
  setHold(name: string, kind: SettableHoldKind, held: boolean): Promise<ObjectInfo> {
    return this.inner.setHold(name, kind, held);
  }
  health(): Promise<void> {
    return this.inner.health();
  }
}
