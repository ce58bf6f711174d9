/**
 * The records the local store keeps beside each object, in the metadata index: the sidecar
 * (custom metadata, md5, content type) of the generation it names; the intent, committed before
 * a file is published, naming the exact file that will appear, so a crash between publishing
 * and the sidecar loses no metadata; and the moving record, which lets a lookup finish a move
 * whose process died between its `link` and `unlink`.
 */
import type { BigIntStats } from 'node:fs';
import type { ObjectHolds } from '../../domain/objects.ts';
import type { Present } from './fs-names.ts';
import type { NameRecords, ObjectMetadataIndex } from './object-metadata-index.ts';

export interface Sidecar {
  name: string;
  generation: string;
  metadata: Record<string, string>;
  md5?: string;
  contentType?: string;
}

/** An intent record: the sidecar an object will have, and how to recognise the object before its generation is known. */
export interface PendingSidecar extends Sidecar {
  pending: FileIdentity;
  /** Set by a move: the source name the file is being moved from. */
  movedFrom?: string;
}

/** What publishing a file by `link` or `rename` keeps; a directory (marker) is known by its inode. */
interface FileIdentity {
  ino: string;
  size?: string;
  mtimeNs?: string;
}

function identityOf(stats: BigIntStats): FileIdentity {
  return stats.isDirectory() ? { ino: String(stats.ino) } : { ino: String(stats.ino), size: String(stats.size), mtimeNs: String(stats.mtimeNs) };
}

function sameIdentity(expected: FileIdentity, stats: BigIntStats): boolean {
  const actual = identityOf(stats);
  return expected.ino === actual.ino && expected.size === actual.size && expected.mtimeNs === actual.mtimeNs;
}

/** A name's records, its holds typed. */
export type HeldRecords = NameRecords & { holds?: ObjectHolds };

/** Sidecars, intents and moving records of one workspace, over its open metadata index. */
export class ObjectRecords {
  readonly #index: ObjectMetadataIndex;

  constructor(index: ObjectMetadataIndex) {
    this.#index = index;
  }

  /** Resolves once every record set so far is committed. */
  durable(): Promise<void> {
    return this.#index.durable();
  }

  /** The object's sidecar: the one recorded for its generation, or an intent that names this very file. */
  async validSidecar(name: string, present: Present): Promise<Sidecar | undefined> {
    return this.validSidecarIn(this.#index.read(name), name, present);
  }

  /** Every record of a move's source and of its destination, read together once. */
  recordsOfBoth(source: string, destination: string): [HeldRecords, HeldRecords] {
    return this.#index.readTwo(source, destination) as [HeldRecords, HeldRecords];
  }

  /** `validSidecar` from records already read by `recordsOf`. */
  validSidecarIn(records: NameRecords, name: string, present: Present): Sidecar | undefined {
    const recorded = records.sidecar as Sidecar | undefined;
    if (recorded && recorded.name === name && recorded.generation === present.generation) return recorded;
    const intent = records.pending as PendingSidecar | undefined;
    if (intent && intent.name === name && intent.pending && sameIdentity(intent.pending, present.stats)) return intent;
    return undefined;
  }

  /** The intent recorded for `name`, if any. */
  intent(name: string): PendingSidecar | undefined {
    return this.#index.read(name).pending as PendingSidecar | undefined;
  }

  /**
   * Records which file is about to become `name` and the sidecar it will have; committed before
   * publishing (`publishOrForgetIntent` awaits it).
   */
  writeIntent(name: string, record: Sidecar, stats: BigIntStats, movedFrom?: string): void {
    const intent: PendingSidecar = { ...record, name, generation: '', pending: identityOf(stats), ...(movedFrom ? { movedFrom } : {}) };
    this.#index.set(name, 'pending', intent);
  }

  removeIntent(name: string): void {
    this.#index.remove(name, 'pending');
  }

  writeSidecar(record: Sidecar): void {
    this.#index.set(record.name, 'sidecar', record);
  }

  removeSidecar(name: string): void {
    this.#index.remove(name, 'sidecar');
  }

  /**
   * The holds placed on `name`. Kept by name, not by generation: a hold is on the document, and
   * an edit made outside Bailiff (which nothing here can refuse) must not release it.
   */
  holds(name: string): ObjectHolds | undefined {
    return this.#index.read(name).holds as ObjectHolds | undefined;
  }

  /** The holds of the names from `first` to `last` (a listing page), in one query. */
  holdsBetween(first: string, last: string): Map<string, ObjectHolds> {
    return this.#index.readKindBetween('holds', first, last) as Map<string, ObjectHolds>;
  }

  /** Records `name`'s holds; none left removes the record. */
  writeHolds(name: string, holds: ObjectHolds): void {
    if (Object.keys(holds).length === 0) this.#index.remove(name, 'holds');
    else this.#index.set(name, 'holds', holds);
  }

  /** The move recorded from `name`: where the file is going, and its inode. */
  moving(name: string): { to: string; ino: string } | undefined {
    return this.#index.read(name).moving as { to: string; ino: string } | undefined;
  }

  writeMoving(source: string, destination: string, stats: BigIntStats): void {
    this.#index.set(source, 'moving', { to: destination, ino: String(stats.ino) });
  }

  removeMoving(name: string): void {
    this.#index.remove(name, 'moving');
  }
}
