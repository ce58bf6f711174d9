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
 *
 * Every rule of what a plan may do lives in this file. The draft and the simulated case are in
 * simulation-draft.ts; how the outcome is written down (lines, diff, snapshot hash) is in
 * simulation-report.ts; path rules are in paths.ts.
 */
import type { ObjectInfo, RefusedEntry } from './objects.ts';
import type { Action, Expect, ObjectFacts } from './actions.ts';
import { checkBlob } from './blobs.ts';
import { backupObjectName, blobObjectName, parseBlobRef, casePathOf, collisionKey, isInside, objectName } from './paths.ts';
import { describeRefused, RefusedPaths } from './refused-paths.ts';
import { contentBytes, type DryRunReport, type Operation, type ReportIssue } from './plan.ts';
import {
  factsOf,
  noTotals,
  OperationDraft,
  SimulatedCase,
  TOTAL_KEYS,
  withFacts,
  type PreparedDestination,
  type SimObject,
  type TreeChange,
} from './simulation-draft.ts';
import { describeEffect, diffTrees, formatBytes, REPORT_LIST_LIMIT, snapshotHashOf } from './simulation-report.ts';

export { REPORT_LIST_LIMIT, snapshotHashOf } from './simulation-report.ts';

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
  /** Entries of the case the listing found but no call can touch (links, NFD names), by full name. */
  refused?: Iterable<RefusedEntry>;
  listing: { objects: number; pages: number };
  checkedAt: string;
  thresholds?: SimulationThresholds;
}

export interface SimulationResult {
  report: DryRunReport;
  actions: Action[];
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
  /** What the listing reported as untouchable. */
  refused: RefusedPaths;
}

/** Simulates the plan and derives its actions. Pure: the same input gives the same output. */
export function simulatePlan(input: SimulationInput): SimulationResult {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const { caseName, planId } = input;
  const { tree, initial } = loadCase(input);
  const context: SimulationContext = {
    planId,
    tree,
    systemObjects: input.systemObjects,
    caseName,
    blobObjects: input.blobObjects,
    checkedAt: input.checkedAt,
    full: (path) => objectName(caseName, path),
    refused: new RefusedPaths(caseName, input.refused ?? []),
  };

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
    if (lines.length < REPORT_LIST_LIMIT)
      lines.push({
        index: draft.operation,
        type: operation.type,
        effect: describeEffect(operation, draft.objects, draft.bytes),
        objects: draft.objects,
        bytes: draft.bytes,
      });
  };
  /** An invalid operation is reported and has no effect at all. */
  const drop = (draft: OperationDraft, operation: Operation) => {
    warnings.push(...draft.warnings);
    errors.push(...draft.errors);
    if (lines.length < REPORT_LIST_LIMIT)
      lines.push({ index: draft.operation, type: operation.type, effect: `not possible: ${draft.errors[0]!.message}`, objects: 0, bytes: 0 });
  };

  input.operations.forEach((operation, index) => {
    const draft = new OperationDraft(index, actions.length);
    draftOperation(context, draft, operation);
    if (draft.errors.length > 0) drop(draft, operation);
    else commit(draft, operation);
  });

  warnings.push(...sizeWarnings(totals, input.operations.length, thresholds));

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

/** The case as listed, as a tree the operations change, and each object's generation before them. */
function loadCase(input: SimulationInput): { tree: SimulatedCase; initial: Map<string, string> } {
  const tree = new SimulatedCase();
  const initial = new Map<string, string>();
  for (const object of input.caseObjects) {
    const key = casePathOf(input.caseName, object.name);
    if (key === undefined || key === '') continue;
    tree.add(key, { size: object.size, expect: { state: 'generation', generation: object.generation }, original: true, listed: object });
    initial.set(key, object.generation);
  }
  return { tree, initial };
}

/** Warnings a person should read before approving a plan this large. */
function sizeWarnings(
  totals: Pick<DryRunReport['totals'], 'objectsDeleted' | 'bytesDeleted'>,
  operationCount: number,
  thresholds: SimulationThresholds,
): ReportIssue[] {
  const warnings: ReportIssue[] = [];
  if (totals.objectsDeleted > thresholds.largeDeleteObjects) {
    warnings.push({ code: 'large_delete', message: `the plan deletes ${totals.objectsDeleted} objects` });
  }
  if (totals.bytesDeleted > thresholds.largeDeleteBytes) {
    warnings.push({ code: 'large_delete', message: `the plan deletes or overwrites ${formatBytes(totals.bytesDeleted)}` });
  }
  if (operationCount > thresholds.manyOperations) {
    warnings.push({ code: 'many_operations', message: `the plan has ${operationCount} operations` });
  }
  return warnings;
}

function draftOperation(context: SimulationContext, draft: OperationDraft, operation: Operation): void {
  switch (operation.type) {
    case 'create_dir':
      draftCreateDir(context, draft, operation);
      return;
    case 'write_file':
      draftWriteFile(context, draft, operation);
      return;
    case 'copy':
    case 'move':
    case 'restore':
      draftTransfer(context, draft, operation);
      return;
    case 'remove_folder':
      draftRemoveFolder(context, draft, operation);
      return;
    case 'delete':
      draftDelete(context, draft, operation);
      return;
  }
}

/** A path that is, or lies under, an entry the listing reported as untouchable: an error. */
function failRefused(context: SimulationContext, draft: OperationDraft, path: string): boolean {
  const found = context.refused.at(path);
  if (!found) return false;
  draft.fail(found.kind, describeRefused(found, path), path);
  return true;
}

/** A folder operation leaves the untouchable entries inside the folder where they are: a warning. */
function warnRefusedInside(context: SimulationContext, draft: OperationDraft, folder: string, doing: string): void {
  const inside = context.refused.under(folder);
  if (inside.length === 0) return;
  const named = inside
    .slice(0, 3)
    .map((found) => `\`${found.path}\``)
    .join(', ');
  draft.warn(
    'refused_inside',
    `${doing} \`${folder}\` leaves ${inside.length === 1 ? 'one entry' : `${inside.length} entries`} Bailiff cannot touch (${named}${inside.length > 3 ? ', …' : ''}) where ${inside.length === 1 ? 'it is' : 'they are'}`,
    folder,
  );
}

const ONLY_BY_CASE = 'only by letter case or Unicode normalisation; many file systems treat them as one name';

type OperationOf<T extends Operation['type']> = Extract<Operation, { type: T }>;

/** Checks that `target` can receive an object; on a clash, records the error and returns undefined. */
function prepareDestination(
  context: SimulationContext,
  draft: OperationDraft,
  target: string,
  overwrite: boolean,
  isMarker: boolean,
): PreparedDestination | undefined {
  const { tree } = context;
  if (failRefused(context, draft, target)) return undefined;
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
    // A new name beside one differing only by case or normalisation: one of the two would
    // be lost on a case-insensitive or normalising disk (Windows, macOS) the case is synced to.
    const twin = tree.twinOf(target);
    if (twin) {
      draft.fail('name_twin', `\`${target}\` differs from existing \`${twin}\` ${ONLY_BY_CASE}`, target);
      return undefined;
    }
    const folderTwin = tree.newFolderTwinOf(target);
    if (folderTwin) {
      draft.fail(
        'name_twin',
        `\`${target}\` would create the folder \`${folderTwin.folder}\`, which differs from existing \`${folderTwin.twin}\` ${ONLY_BY_CASE}`,
        target,
      );
      return undefined;
    }
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
  if (blob && !blob.ok) {
    draft.fail(blob.code, blob.message, target);
    return;
  }
  const prepared = prepareDestination(context, draft, target, operation.overwrite, false);
  if (!prepared) return;
  const action = draft.nextAction;
  const common = {
    index: action,
    operation: draft.operation,
    destination: context.full(target),
    expect: prepared.expect,
    size,
    backup: prepared.backup,
    ...withFacts('replacedFacts', prepared.replacedFacts),
  };
  draft.plan(
    blob?.ok
      ? {
          kind: 'copy',
          ...common,
          source: blob.object.name,
          sourceExpect: { state: 'generation', generation: blob.object.generation },
          ...withFacts('sourceFacts', factsOf(blob.object)),
        }
      : { kind: 'put', ...common },
    { put: target, object: { size, expect: { state: 'producedBy', action }, original: false } },
  );
  draft.countWrite(prepared, size);
  draft.totals.objectsWritten += 1;
}

/** The staged object of a blob reference, if it holds exactly the declared content for this case. */
function stagedBlob(
  reference: string,
  caseName: string,
  blobObjects: ReadonlyMap<string, ObjectInfo> | undefined,
): { ok: true; object: ObjectInfo } | { ok: false; code: string; message: string } {
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
  /** The listing's description of the object carried, while it is the one listed. */
  listed?: ObjectInfo;
}

/** Copy, move and restore: find the objects to carry, then plan one action per object. */
function draftTransfer(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'copy' | 'move' | 'restore'>): void {
  const isMove = operation.type === 'move';
  const pairs = operation.type === 'restore' ? restorePairs(context, draft, operation) : copyOrMovePairs(context, draft, operation);
  for (const pair of pairs) {
    const moved = isMove ? pair.listed : undefined;
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
      isMove ? { remove: pair.from } : arrived,
      isMove ? arrived : undefined,
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
  return [
    {
      from: '',
      to: destination,
      sourceName: backup.name,
      sourceExpect: { state: 'generation', generation: backup.generation },
      sourceFacts: factsOf(backup),
      size: backup.size,
    },
  ];
}

function copyOrMovePairs(context: SimulationContext, draft: OperationDraft, operation: OperationOf<'copy' | 'move'>): TransferPair[] {
  const { tree, full } = context;
  const destinationRaw = operation.destination;
  const destination = stripSlash(destinationRaw);
  const sourceRaw = operation.source;
  const source = stripSlash(sourceRaw);
  if (failRefused(context, draft, source)) return [];
  if (source === destination) {
    draft.fail('same_path', `source and destination are both \`${source}\``, source);
    return [];
  }
  if (operation.type === 'move' && collisionKey(source) === collisionKey(destination)) {
    draft.fail('name_twin', `\`${source}\` and \`${destination}\` differ ${ONLY_BY_CASE}`, destination);
    return [];
  }
  const file = sourceRaw.endsWith('/') ? undefined : tree.objects.get(source);
  if (file) {
    if (destinationRaw.endsWith('/')) {
      draft.fail('destination_is_folder', `\`${source}\` is a file; name the destination file, not a folder`, destinationRaw);
      return [];
    }
    return [
      {
        from: source,
        to: destination,
        sourceName: full(source),
        sourceExpect: file.expect,
        sourceFacts: factsOf(file.listed),
        size: file.size,
        listed: file.listed,
      },
    ];
  }
  if (!tree.folderExists(source)) {
    const twin = tree.twinOf(source);
    const hint = twin ? `; did you mean \`${twin}\`?` : '';
    draft.fail(
      'source_missing',
      `\`${source}\` does not exist${sourceRaw.endsWith('/') && tree.isFile(source) ? ' as a folder (it is a file)' : ''}${hint}`,
      source,
    );
    return [];
  }
  if (isInside(destination, source)) {
    draft.fail('into_itself', `cannot ${operation.type} \`${source}\` into itself (\`${destination}\`)`, destination);
    return [];
  }
  warnRefusedInside(context, draft, source, operation.type === 'move' ? 'moving' : 'copying');
  if (tree.folderExists(destination)) draft.warn('merge_into_folder', `\`${destination}\` already exists; the contents will be merged into it`, destination);
  const pairs = tree.objectsUnder(source).map((key): TransferPair => {
    const node = tree.objects.get(key)!;
    return {
      from: key,
      to: destination + key.slice(source.length),
      sourceName: full(key),
      sourceExpect: node.expect,
      sourceFacts: factsOf(node.listed),
      size: node.size,
      listed: node.listed,
    };
  });
  // Into an ancestor (`a/b` to `a`), one object's destination can be another's source:
  // the preconditions seen here would no longer hold when the actions run in order.
  const sources = new Set(pairs.map((pair) => pair.from));
  const overlap = pairs.find((pair) => sources.has(pair.to));
  if (overlap) {
    draft.fail(
      'overlaps_source',
      `\`${overlap.to}\` would be both read and replaced by this ${operation.type}; ${operation.type} \`${source}\` to a new folder first`,
      overlap.to,
    );
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
  if (failRefused(context, draft, source)) return;
  const keys = tree.isFile(source) && !operation.source.endsWith('/') ? [source] : tree.folderExists(source) ? tree.objectsUnder(source) : [];
  if (keys.length > 0 && keys[0] !== source) warnRefusedInside(context, draft, source, 'deleting');
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
    {
      kind: 'delete',
      index: action,
      operation: draft.operation,
      target,
      expect: node.expect,
      size: node.size,
      backup: backupObjectName(context.planId, action, target),
      ...withFacts('replacedFacts', factsOf(node.listed)),
    },
    { remove: key },
  );
  draft.countDelete(node.size);
}

function stripSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
