/**
 * The dry run: simulates a plan's operations, in order, on an in-memory copy of the case's
 * listing, so each operation sees the effects of the ones before it (create a folder, then move
 * into it; move A→B, then B→C). It never touches storage: the caller lists the case once and
 * hands the objects in. The result is the report an approver reads and the actions — one per
 * object, with preconditions — that the executor will apply.
 *
 * Each operation is worked out by the function for its type as an `OperationDraft` (its actions,
 * tree changes, errors, warnings and share of the totals); the loop in `simulatePlan` commits a
 * valid draft whole or drops an invalid one whole, so a failing operation leaves no trace but
 * its errors and warnings.
 */
import { createHash } from 'node:crypto';
import type { ObjectInfo } from './objects.ts';
import type { Action, Expect, ObjectFacts } from './actions.ts';
import { CaseTree } from './case-tree.ts';
import { canonicalJson } from './hash.ts';
import { checkBlob } from './blobs.ts';
import { describeHolds, holdsInForce } from './holds.ts';
import { backupObjectName, blobObjectName, parseBlobRef, casePathOf, collisionKey, isInside, objectName } from './paths.ts';
import { contentBytes, type DryRunReport, type Operation, type ReportIssue } from './plan.ts';

/** Report lists (per-operation lines, diff entries) stop here; totals stay exact. */
export const REPORT_LIST_LIMIT = 1000;

export interface SimulationThresholds {
  /** Warn when a plan deletes more objects than this. */
  largeDeleteObjects: number;
  /** Warn when a plan deletes or overwrites more bytes than this. */
  largeDeleteBytes: number;
  /** Warn when a plan has more operations than this. */
  manyOperations: number;
}

export const DEFAULT_THRESHOLDS: SimulationThresholds = {
  largeDeleteObjects: 100,
  largeDeleteBytes: 1024 ** 3,
  manyOperations: 1000,
};

export interface SimulationInput {
  planId: string;
  caseName: string;
  operations: readonly Operation[];
  /** Every object under `projects/<case>/`, from one paged listing. */
  caseObjects: Iterable<ObjectInfo>;
  /** Backup objects a rollback plan restores from, by full name. */
  systemObjects?: ReadonlyMap<string, ObjectInfo>;
  /** The staged blobs the plan's `write_file`s name, by full object name (absent: never uploaded). */
  blobObjects?: ReadonlyMap<string, ObjectInfo>;
  listing: { objects: number; pages: number };
  checkedAt: string;
  thresholds?: SimulationThresholds;
}

export interface SimulationResult {
  report: DryRunReport;
  actions: Action[];
}

interface SimObject {
  size: number;
  expect: Expect;
  /** Set while the object is the one the listing showed (not yet replaced by the plan). */
  original: boolean;
  /** The listing's description of it, while `original` (a reference: the caller holds the listing anyway). */
  listed?: ObjectInfo;
}

/** What a copy records of its source, from the listing; undefined when the listing said nothing. */
function factsOf(object: ObjectInfo | undefined): ObjectFacts | undefined {
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
function withFacts<K extends 'sourceFacts' | 'replacedFacts'>(key: K, facts: ObjectFacts | undefined): { [P in K]?: ObjectFacts } {
  return (facts ? { [key]: facts } : {}) as { [P in K]?: ObjectFacts };
}

/** What an operation does to the simulated case; `put` replaces whatever was at its path. */
type TreeChange = { remove: string } | { put: string; object: SimObject };

/** The simulated case: each object with what it must look like when an action touches it. */
class SimulatedCase extends CaseTree<SimObject> {
  apply(change: TreeChange): void {
    if ('remove' in change) this.remove(change.remove);
    else {
      this.remove(change.put);
      this.add(change.put, change.object);
    }
  }
}

const formatBytes = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

type Totals = Omit<DryRunReport['totals'], 'operations' | 'actions'>;

const noTotals = (): Totals => ({
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
const TOTAL_KEYS = Object.keys(noTotals()) as Array<keyof Totals>;

/**
 * What one operation would do, worked out against the case as the operations before it left it.
 * The simulation commits a draft as a whole (its actions, tree changes and share of the totals)
 * or, when the draft holds an error, drops it: then only its errors and warnings are reported and
 * the simulated case stays as it was.
 */
class OperationDraft {
  readonly operation: number;
  /** The index the draft's first action gets: actions are numbered across the whole plan. */
  readonly firstAction: number;
  readonly actions: Action[] = [];
  /** Applied to the tree, in order, only when the draft is committed. */
  readonly changes: TreeChange[] = [];
  readonly errors: ReportIssue[] = [];
  readonly warnings: ReportIssue[] = [];
  readonly totals: Totals = noTotals();
  /** Objects and bytes the operation moves, for its report line. */
  objects = 0;
  bytes = 0;

  constructor(operation: number, firstAction: number) {
    this.operation = operation;
    this.firstAction = firstAction;
  }

  /** The index the next planned action gets. */
  get nextAction(): number {
    return this.firstAction + this.actions.length;
  }

  fail(code: string, message: string, path?: string): void {
    this.errors.push({ operation: this.operation, code, message, path });
  }

  /** An object the operation would delete, overwrite or move away is held or retained. */
  failHeld(path: string, doing: string, object: ObjectInfo, at: string): boolean {
    const holds = holdsInForce(object.holds, at);
    if (holds.length === 0) return false;
    this.errors.push({ operation: this.operation, code: 'object_held', message: `\`${path}\` is under ${describeHolds(holds)}, so no plan may ${doing} it`, path, holds });
    return true;
  }

  warn(code: string, message: string, path?: string): void {
    this.warnings.push({ operation: this.operation, code, message, path });
  }

  /** Plans one action for one object, with what it does to the simulated case. */
  plan(action: Action, ...changes: TreeChange[]): void {
    this.actions.push(action);
    this.changes.push(...changes);
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

/** What the operation functions read: the plan's names and the case as the operations before left it. */
interface SimulationContext {
  planId: string;
  tree: SimulatedCase;
  systemObjects: ReadonlyMap<string, ObjectInfo> | undefined;
  caseName: string;
  blobObjects: ReadonlyMap<string, ObjectInfo> | undefined;
  /** When the dry run looks: a retention ending before then no longer holds the object. */
  checkedAt: string;
  /** The full object name of a case path. */
  full(path: string): string;
}

/** Simulates the plan and derives its actions. Pure: the same input gives the same output. */
export function simulatePlan(input: SimulationInput): SimulationResult {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const { caseName, planId } = input;
  const tree = new SimulatedCase();
  const initial = new Map<string, string>();
  for (const object of input.caseObjects) {
    const key = casePathOf(caseName, object.name);
    if (key === undefined || key === '') continue;
    tree.add(key, { size: object.size, expect: { state: 'generation', generation: object.generation }, original: true, listed: object });
    initial.set(key, object.generation);
  }
  const context: SimulationContext = { planId, tree, systemObjects: input.systemObjects, caseName, blobObjects: input.blobObjects, checkedAt: input.checkedAt, full: (path) => objectName(caseName, path) };

  const actions: Action[] = [];
  const errors: ReportIssue[] = [];
  const warnings: ReportIssue[] = [];
  const lines: DryRunReport['operations'] = [];
  const totals = noTotals();

  if (initial.size === 0) {
    warnings.push({ code: 'case_empty', message: `projects/${caseName}/ holds no objects yet; the plan will create it` });
  }

  /** A valid operation takes effect: later operations see its changes. */
  const commit = (draft: OperationDraft, operation: Operation) => {
    for (const warning of draft.warnings) warnings.push(warning);
    for (const change of draft.changes) tree.apply(change);
    // One by one: a folder move of 100,000 objects is too many arguments for one push.
    for (const action of draft.actions) actions.push(action);
    for (const key of TOTAL_KEYS) totals[key] += draft.totals[key];
    // The report keeps the first lines only: the rest are never described.
    if (lines.length < REPORT_LIST_LIMIT) lines.push({ index: draft.operation, type: operation.type, effect: describeEffect(operation, draft.objects, draft.bytes), objects: draft.objects, bytes: draft.bytes });
  };
  /** An invalid operation is reported and has no effect at all. */
  const drop = (draft: OperationDraft, operation: Operation) => {
    warnings.push(...draft.warnings);
    errors.push(...draft.errors);
    if (lines.length < REPORT_LIST_LIMIT) lines.push({ index: draft.operation, type: operation.type, effect: `not possible: ${draft.errors[0]!.message}`, objects: 0, bytes: 0 });
  };

  input.operations.forEach((operation, index) => {
    const draft = new OperationDraft(index, actions.length);
    draftOperation(context, draft, operation);
    if (draft.errors.length > 0) drop(draft, operation);
    else commit(draft, operation);
  });

  if (totals.objectsDeleted > thresholds.largeDeleteObjects) {
    warnings.push({ code: 'large_delete', message: `the plan deletes ${totals.objectsDeleted} objects` });
  }
  if (totals.bytesDeleted > thresholds.largeDeleteBytes) {
    warnings.push({ code: 'large_delete', message: `the plan deletes or overwrites ${formatBytes(totals.bytesDeleted)}` });
  }
  if (input.operations.length > thresholds.manyOperations) {
    warnings.push({ code: 'many_operations', message: `the plan has ${input.operations.length} operations` });
  }

  const diff = diffTrees(initial, tree);
  const report: DryRunReport = {
    valid: errors.length === 0,
    checkedAt: input.checkedAt,
    snapshotHash: snapshotHashOf(actions),
    listing: input.listing,
    totals: { operations: input.operations.length, actions: actions.length, ...totals },
    errors: errors.slice(0, REPORT_LIST_LIMIT),
    warnings: warnings.slice(0, REPORT_LIST_LIMIT),
    operations: lines,
    operationsTruncated: lines.length < input.operations.length,
    diff,
  };
  return { report, actions };
}

function draftOperation(context: SimulationContext, draft: OperationDraft, operation: Operation): void {
  switch (operation.type) {
    case 'create_dir':
      return draftCreateDir(context, draft, operation);
    case 'write_file':
      return draftWriteFile(context, draft, operation);
    case 'copy':
    case 'move':
    case 'restore':
      return draftTransfer(context, draft, operation);
    case 'remove_folder':
      return draftRemoveFolder(context, draft, operation);
    case 'delete':
      return draftDelete(context, draft, operation);
  }
}

type OperationOf<T extends Operation['type']> = Extract<Operation, { type: T }>;

interface PreparedDestination {
  /** The precondition for writing the destination. */
  expect: Expect;
  /** Where what is there now is kept first, when something is. */
  backup?: string;
  replacedSize: number;
  /** What the listing said of what is there now. */
  replacedFacts?: ObjectFacts;
}

/** Checks that `target` can receive an object; on a clash, records the error and returns undefined. */
function prepareDestination(context: SimulationContext, draft: OperationDraft, target: string, overwrite: boolean, isMarker: boolean): PreparedDestination | undefined {
  const { tree } = context;
  const clash = tree.fileAncestor(isMarker ? `${target}x` : target);
  if (clash) {
    draft.fail('file_folder_collision', `\`${clash}\` is a file, so \`${target}\` cannot be created under it`, target);
    return undefined;
  }
  if (!isMarker && tree.folderExists(target)) {
    draft.fail('file_folder_collision', `\`${target}\` is a folder; name a file inside it`, target);
    return undefined;
  }
  const existing = tree.objects.get(target);
  if (!existing) {
    const twin = tree.twinOf(target);
    if (twin) draft.warn('name_twin', `\`${target}\` differs from existing \`${twin}\` only by letter case or Unicode normalisation`, target);
    return { expect: { state: 'absent' }, replacedSize: 0 };
  }
  if (!overwrite) {
    draft.fail('destination_exists', `\`${target}\` already exists; set "overwrite": true to replace it`, target);
    return undefined;
  }
  if (existing.listed && draft.failHeld(target, 'overwrite', existing.listed, context.checkedAt)) return undefined;
  const backup = backupObjectName(context.planId, draft.nextAction, context.full(target));
  return { expect: existing.expect, backup, replacedSize: existing.size, replacedFacts: factsOf(existing.listed) };
}

function draftCreateDir(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'create_dir'>): void {
  const { tree } = context;
  const target = stripSlash(operation.destination);
  if (tree.isFile(target)) {
    draft.fail('file_folder_collision', `\`${target}\` is a file`, target);
    return;
  }
  if (tree.isFile(`${target}/`)) {
    // A folder that exists only through the files in it still gets its marker: it then
    // outlives its files, and a rollback can put back a marker the plan took away.
    draft.warn('folder_exists', `folder \`${target}\` already exists; nothing to do`, target);
    return;
  }
  const marker = `${target}/`;
  const prepared = prepareDestination(context, draft, marker, false, true);
  if (!prepared) return;
  const action = draft.nextAction;
  draft.plan(
    { kind: 'put', index: action, operation: draft.operation, destination: context.full(marker), expect: prepared.expect, size: 0 },
    { put: marker, object: { size: 0, expect: { state: 'producedBy', action }, original: false } },
  );
  draft.countWrite(prepared, 0);
  draft.totals.foldersCreated += 1;
}

function draftWriteFile(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'write_file'>): void {
  const target = operation.destination;
  const size = contentBytes(operation);
  // Content from a blob is a server-side copy of the staged object the dry run checked.
  const blob = operation.blob === undefined ? undefined : stagedBlob(operation.blob, context.caseName, context.blobObjects);
  if (blob && !blob.ok) return draft.fail(blob.code, blob.message, target);
  const prepared = prepareDestination(context, draft, target, operation.overwrite, false);
  if (!prepared) return;
  const action = draft.nextAction;
  const common = { index: action, operation: draft.operation, destination: context.full(target), expect: prepared.expect, size, backup: prepared.backup, ...withFacts('replacedFacts', prepared.replacedFacts) };
  draft.plan(
    blob?.ok
      ? { kind: 'copy', ...common, source: blob.object.name, sourceExpect: { state: 'generation', generation: blob.object.generation }, ...withFacts('sourceFacts', factsOf(blob.object)) }
      : { kind: 'put', ...common },
    { put: target, object: { size, expect: { state: 'producedBy', action }, original: false } },
  );
  draft.countWrite(prepared, size);
  draft.totals.objectsWritten += 1;
}

/** The staged object of a blob reference, if it holds exactly the declared content for this case. */
function stagedBlob(reference: string, caseName: string, blobObjects: ReadonlyMap<string, ObjectInfo> | undefined): { ok: true; object: ObjectInfo } | { ok: false; code: string; message: string } {
  const parsed = parseBlobRef(reference);
  if (!parsed.ok) return { ok: false, code: 'blob_invalid', message: `invalid blob reference: ${parsed.reason}` };
  const object = blobObjects?.get(blobObjectName(parsed.value));
  const verdict = checkBlob(parsed.value, caseName, object);
  return verdict.ok ? { ok: true, object: object! } : verdict;
}

/** One object a copy, move or restore carries from `sourceName` to the case path `to`. */
interface TransferPair {
  /** The case path it leaves (empty for a backup, which lies outside the case). */
  from: string;
  to: string;
  sourceName: string;
  sourceExpect: Expect;
  sourceFacts?: ObjectFacts;
  size: number;
}

/** Copy, move and restore: find the objects to carry, then plan one action per object. */
function draftTransfer(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'copy' | 'move' | 'restore'>): void {
  const isMove = operation.type === 'move';
  const pairs = operation.type === 'restore' ? restorePairs(context, draft, operation) : copyOrMovePairs(context, draft, operation);
  for (const pair of pairs) {
    const moved = isMove ? context.tree.objects.get(pair.from)?.listed : undefined;
    if (moved && draft.failHeld(pair.from, 'move', moved, context.checkedAt)) continue;
    const prepared = prepareDestination(context, draft, pair.to, operation.overwrite, pair.to.endsWith('/'));
    if (!prepared) continue;
    const action = draft.nextAction;
    const arrived: TreeChange = { put: pair.to, object: { size: pair.size, expect: { state: 'producedBy', action }, original: false } };
    draft.plan(
      {
        kind: isMove ? 'move' : 'copy',
        index: action,
        operation: draft.operation,
        source: pair.sourceName,
        sourceExpect: pair.sourceExpect,
        ...withFacts('sourceFacts', pair.sourceFacts),
        destination: context.full(pair.to),
        expect: prepared.expect,
        size: pair.size,
        backup: prepared.backup,
        ...withFacts('replacedFacts', prepared.replacedFacts),
      },
      ...(isMove ? [{ remove: pair.from }, arrived] : [arrived]),
    );
    draft.countWrite(prepared, pair.size);
    draft.countTransfer(isMove ? 'move' : 'copy', pair.size);
  }
}

function restorePairs(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'restore'>): TransferPair[] {
  const destination = stripSlash(operation.destination);
  const backup = context.systemObjects?.get(operation.backup);
  if (!backup) {
    draft.fail('source_missing', `backup \`${operation.backup}\` no longer exists`, destination);
    return [];
  }
  return [{ from: '', to: destination, sourceName: backup.name, sourceExpect: { state: 'generation', generation: backup.generation }, sourceFacts: factsOf(backup), size: backup.size }];
}

function copyOrMovePairs(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'copy' | 'move'>): TransferPair[] {
  const { tree, full } = context;
  const destinationRaw = operation.destination;
  const destination = stripSlash(destinationRaw);
  const sourceRaw = operation.source;
  const source = stripSlash(sourceRaw);
  if (source === destination) {
    draft.fail('same_path', `source and destination are both \`${source}\``, source);
    return [];
  }
  if (operation.type === 'move' && collisionKey(source) === collisionKey(destination)) {
    draft.fail('name_twin', `\`${source}\` and \`${destination}\` differ only by letter case or Unicode normalisation; many file systems treat them as one name`, destination);
    return [];
  }
  if (tree.isFile(source) && !sourceRaw.endsWith('/')) {
    if (destinationRaw.endsWith('/')) {
      draft.fail('destination_is_folder', `\`${source}\` is a file; name the destination file, not a folder`, destinationRaw);
      return [];
    }
    const node = tree.objects.get(source)!;
    return [{ from: source, to: destination, sourceName: full(source), sourceExpect: node.expect, sourceFacts: factsOf(node.listed), size: node.size }];
  }
  if (!tree.folderExists(source)) {
    const twin = tree.twinOf(source);
    const hint = twin ? `; did you mean \`${twin}\`?` : '';
    draft.fail('source_missing', `\`${source}\` does not exist${sourceRaw.endsWith('/') && tree.isFile(source) ? ' as a folder (it is a file)' : ''}${hint}`, source);
    return [];
  }
  if (isInside(destination, source)) {
    draft.fail('into_itself', `cannot ${operation.type} \`${source}\` into itself (\`${destination}\`)`, destination);
    return [];
  }
  if (tree.folderExists(destination)) draft.warn('merge_into_folder', `\`${destination}\` already exists; the contents will be merged into it`, destination);
  const pairs = tree.objectsUnder(source).map((key): TransferPair => {
    const node = tree.objects.get(key)!;
    return { from: key, to: destination + key.slice(source.length), sourceName: full(key), sourceExpect: node.expect, sourceFacts: factsOf(node.listed), size: node.size };
  });
  // Into an ancestor (`a/b` to `a`), one object's destination can be another's source:
  // the preconditions seen here would no longer hold when the actions run in order.
  const sources = new Set(pairs.map((pair) => pair.from));
  const overlap = pairs.find((pair) => sources.has(pair.to));
  if (overlap) {
    draft.fail('overlaps_source', `\`${overlap.to}\` would be both read and replaced by this ${operation.type}; ${operation.type} \`${source}\` to a new folder first`, overlap.to);
    return [];
  }
  return pairs;
}

function draftRemoveFolder(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'remove_folder'>): void {
  const marker = `${stripSlash(operation.destination)}/`;
  // Only the marker goes, whatever else the folder holds: a marker holds no data, and a
  // folder with other objects stays visible through them. Keeping a marker the plan added
  // to a folder that existed without one would leave the rollback inexact.
  const node = context.tree.objects.get(marker);
  if (!node) {
    draft.warn('folder_missing', `the folder \`${marker}\` is already gone, so there is nothing to remove`, marker);
    return;
  }
  planDelete(context, draft, marker, { ...node, size: 0 });
}

function draftDelete(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'delete'>): void {
  const { tree } = context;
  const source = stripSlash(operation.source);
  const keys = tree.isFile(source) && !operation.source.endsWith('/') ? [source] : tree.folderExists(source) ? tree.objectsUnder(source) : [];
  if (keys.length === 0) {
    const twin = tree.twinOf(source);
    draft.fail('source_missing', `\`${source}\` does not exist${twin ? `; did you mean \`${twin}\`?` : ''}`, source);
  }
  for (const key of keys) planDelete(context, draft, key, tree.objects.get(key)!);
}

/** Deletes one object, kept first as a backup named after the action. */
function planDelete(context: SimulationContext, draft: OperationDraft, key: string, node: SimObject): void {
  if (node.listed && draft.failHeld(key, 'delete', node.listed, context.checkedAt)) return;
  const action = draft.nextAction;
  const target = context.full(key);
  draft.plan(
    { kind: 'delete', index: action, operation: draft.operation, target, expect: node.expect, size: node.size, backup: backupObjectName(context.planId, action, target), ...withFacts('replacedFacts', factsOf(node.listed)) },
    { remove: key },
  );
  draft.countDelete(node.size);
}

/**
 * The preconditions an approval is bound to: what must be absent and which generations must
 * still hold. It is `hashOf` of one tuple per action (`[source, sourceExpect, destination,
 * expect]`, or `[name, expect]`), written out here piece by piece: the generic canonical JSON
 * of 100,000 tuples was a third of a large dry run.
 */
export function snapshotHashOf(actions: readonly Action[]): string {
  const hash = createHash('sha256');
  let pending = '[';
  actions.forEach((action, i) => {
    const tuple =
      action.kind === 'copy' || action.kind === 'move'
        ? `[${JSON.stringify(action.source)},${canonicalExpect(action.sourceExpect)},${JSON.stringify(action.destination)},${canonicalExpect(action.expect)}]`
        : `[${JSON.stringify(action.kind === 'delete' ? action.target : action.destination)},${canonicalExpect(action.expect)}]`;
    pending += i === 0 ? tuple : `,${tuple}`;
    if (pending.length >= 65_536) {
      hash.update(pending);
      pending = '';
    }
  });
  hash.update(`${pending}]`);
  return `sha256:${hash.digest('hex')}`;
}

/** `canonicalJson(expect)` for the three shapes an Expect has; anything else the generic way. */
function canonicalExpect(expect: Expect): string {
  const members = Object.keys(expect).length;
  if (expect.state === 'absent' && members === 1) return '{"state":"absent"}';
  if (expect.state === 'generation' && members === 2 && typeof expect.generation === 'string') return `{"generation":${JSON.stringify(expect.generation)},"state":"generation"}`;
  if (expect.state === 'producedBy' && members === 2 && typeof expect.action === 'number') return `{"action":${JSON.stringify(expect.action)},"state":"producedBy"}`;
  return canonicalJson(expect);
}

function stripSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

function describeEffect(operation: Operation, objects: number, bytes: number): string {
  const amount = `${objects} object${objects === 1 ? '' : 's'}, ${formatBytes(bytes)}`;
  switch (operation.type) {
    case 'create_dir':
      return objects === 0 ? `folder ${operation.destination} already exists` : `create folder ${operation.destination}`;
    case 'write_file':
      return `write ${operation.destination} (${formatBytes(bytes)})${operation.overwrite ? ', replacing the old content' : ''}`;
    case 'copy':
      return `copy ${operation.source} to ${operation.destination} (${amount})`;
    case 'move':
      return `move ${operation.source} to ${operation.destination} (${amount})`;
    case 'delete':
      return `delete ${operation.source} (${amount}; kept as a backup)`;
    case 'restore':
      return `restore ${operation.destination} from its backup (${formatBytes(bytes)})`;
    case 'remove_folder':
      return objects === 0 ? `folder ${operation.destination} is already gone; nothing to remove` : `remove the folder ${operation.destination}`;
  }
}

function diffTrees(initial: ReadonlyMap<string, string>, tree: SimulatedCase): DryRunReport['diff'] {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [key, object] of tree.objects) {
    if (!initial.has(key)) added.push(key);
    else if (!object.original) changed.push(key);
  }
  for (const key of initial.keys()) if (!tree.objects.has(key)) removed.push(key);
  const truncated = added.length > REPORT_LIST_LIMIT || removed.length > REPORT_LIST_LIMIT || changed.length > REPORT_LIST_LIMIT;
  return { added: firstSorted(added, REPORT_LIST_LIMIT), removed: firstSorted(removed, REPORT_LIST_LIMIT), changed: firstSorted(changed, REPORT_LIST_LIMIT), truncated };
}

/**
 * The `limit` smallest strings of `list`, sorted (as `list.sort().slice(0, limit)`), without
 * sorting all of a list of 100,000 paths: candidates are kept in a buffer of twice the limit,
 * which is sorted and cut back whenever it fills.
 */
function firstSorted(list: readonly string[], limit: number): string[] {
  if (list.length <= limit * 2) return [...list].sort().slice(0, limit);
  let kept: string[] = [];
  let bound: string | undefined;
  for (const item of list) {
    if (bound !== undefined && item >= bound) continue;
    kept.push(item);
    if (kept.length >= limit * 2) {
      kept = kept.sort().slice(0, limit);
      bound = kept[limit - 1];
    }
  }
  return kept.sort().slice(0, limit);
}
