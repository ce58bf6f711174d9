/**
 * The working parts of the dry run (simulate.ts): the simulated case, and the draft each
 * operation is worked out in before the simulation commits or drops it whole, with its share
 * of the totals. No rule about what a plan may do lives here; those are in simulate.ts.
 */
import type { Action, Expect, ObjectFacts } from './actions.ts';
import { CaseTree } from './case-tree.ts';
import { describeHolds, holdsInForce } from './holds.ts';
import type { ObjectInfo } from './objects.ts';
import type { DryRunReport, ReportIssue } from './plan.ts';

export interface SimObject {
  size: number;
  expect: Expect;
  /** Set while the object is the one the listing showed (not yet replaced by the plan). */
  original: boolean;
  /** The listing's description of it, while `original` (a reference: the caller holds the listing anyway). */
  listed?: ObjectInfo;
}

/** What a copy records of its source, from the listing; undefined when the listing said nothing. */
export function factsOf(object: ObjectInfo | undefined): ObjectFacts | undefined {
  if (!object) return undefined;
  const facts: ObjectFacts = {
    ...(object.md5 ? { md5: object.md5 } : {}),
    ...(object.crc32c ? { crc32c: object.crc32c } : {}),
    ...(object.contentType ? { contentType: object.contentType } : {}),
    ...(object.headers && Object.keys(object.headers).length > 0 ? { headers: object.headers } : {}),
  };
  return Object.keys(facts).length > 0 ? facts : undefined;
}

/** The field only when there are facts to record: an action without them reads as before. */
export function withFacts<K extends 'sourceFacts' | 'replacedFacts'>(key: K, facts: ObjectFacts | undefined): { [P in K]?: ObjectFacts } {
  return (facts ? { [key]: facts } : {}) as { [P in K]?: ObjectFacts };
}

/** What an operation does to the simulated case; `put` replaces whatever was at its path. */
export type TreeChange = { remove: string } | { put: string; object: SimObject };

/** The simulated case: each object with what it must look like when an action touches it. */
export class SimulatedCase extends CaseTree<SimObject> {
  apply(change: TreeChange): void {
    if ('remove' in change) this.remove(change.remove);
    else {
      this.remove(change.put);
      this.add(change.put, change.object);
    }
  }
}

const NONE: readonly ReportIssue[] = Object.freeze([]);

export type Totals = Omit<DryRunReport['totals'], 'operations' | 'actions'>;

export const noTotals = (): Totals => ({
  objectsCreated: 0,
  objectsOverwritten: 0,
  objectsDeleted: 0,
  objectsMoved: 0,
  objectsCopied: 0,
  objectsWritten: 0,
  foldersCreated: 0,
  bytesWritten: 0,
  bytesDeleted: 0,
  bytesMoved: 0,
  bytesCopied: 0,
});
export const TOTAL_KEYS = Object.keys(noTotals()) as Array<keyof Totals>;

/**
 * What one operation would do, worked out against the case as the operations before it left it.
 * The simulation commits a draft as a whole (its actions, tree changes and share of the totals)
 * or, when the draft holds an error, drops it: then only its errors and warnings are reported and
 * the simulated case stays as it was.
 */
export class OperationDraft {
  readonly operation: number;
  /** The index the draft's first action gets: actions are numbered across the whole plan. */
  readonly firstAction: number;
  readonly actions: Action[] = [];
  /** Applied to the tree, in order, only when the draft is committed. */
  readonly changes: TreeChange[] = [];
  // Most drafts have no error and no warning: the arrays are made at the first one (a dry run
  // of 100,000 operations makes 100,000 drafts).
  #errors: ReportIssue[] | undefined;
  #warnings: ReportIssue[] | undefined;
  readonly totals: Totals = noTotals();
  /** Objects and bytes the operation moves, for its report line. */
  objects = 0;
  bytes = 0;

  constructor(operation: number, firstAction: number) {
    this.operation = operation;
    this.firstAction = firstAction;
  }

  get errors(): readonly ReportIssue[] {
    return this.#errors ?? NONE;
  }

  get warnings(): readonly ReportIssue[] {
    return this.#warnings ?? NONE;
  }

  /** The index the next planned action gets. */
  get nextAction(): number {
    return this.firstAction + this.actions.length;
  }

  fail(code: string, message: string, path?: string): void {
    (this.#errors ??= []).push({ operation: this.operation, code, message, path });
  }

  /** An object the operation would delete, overwrite or move away is held or retained. */
  failHeld(path: string, doing: string, object: ObjectInfo, at: string): boolean {
    const holds = holdsInForce(object.holds, at);
    if (holds.length === 0) return false;
    (this.#errors ??= []).push({
      operation: this.operation,
      code: 'object_held',
      message: `\`${path}\` is under ${describeHolds(holds)}, so no plan may ${doing} it`,
      path,
      holds,
    });
    return true;
  }

  warn(code: string, message: string, path?: string): void {
    (this.#warnings ??= []).push({ operation: this.operation, code, message, path });
  }

  /** Plans one action for one object, with what it does to the simulated case (one or two changes, in order). */
  plan(action: Action, change: TreeChange, then?: TreeChange): void {
    this.actions.push(action);
    this.changes.push(change);
    if (then) this.changes.push(then);
    this.objects += 1;
    this.bytes += action.size;
  }

  /** Counts an object written where `destination` says, replacing what was there if anything. */
  countWrite(destination: PreparedDestination, size: number): void {
    if (destination.expect.state === 'absent') this.totals.objectsCreated += 1;
    else {
      this.totals.objectsOverwritten += 1;
      this.totals.bytesDeleted += destination.replacedSize;
    }
    this.totals.bytesWritten += size;
  }

  /** Counts an object carried by a move, or by a copy or restore, by what the operation is. */
  countTransfer(kind: 'move' | 'copy', size: number): void {
    if (kind === 'move') {
      this.totals.objectsMoved += 1;
      this.totals.bytesMoved += size;
    } else {
      this.totals.objectsCopied += 1;
      this.totals.bytesCopied += size;
    }
  }

  countDelete(size: number): void {
    this.totals.objectsDeleted += 1;
    this.totals.bytesDeleted += size;
  }
}

export interface PreparedDestination {
  /** The precondition for writing the destination. */
  expect: Expect;
  /** Where what is there now is kept first, when something is. */
  backup?: string;
  replacedSize: number;
  /** What the listing said of what is there now. */
  replacedFacts?: ObjectFacts;
}
