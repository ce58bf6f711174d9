/**
 * The dry run: simulates a plan's operations, in order, on an in-memory copy of the case's
 * listing, so each operation sees the effects of the ones before it (create a folder, then move
 * into it; move A→B, then B→C). It never touches storage: the caller lists the case once and
 * hands the objects in. The result is the report an approver reads and the actions — one per
 * object, with preconditions — that the executor will apply.
 */
import type { ObjectInfo } from '../ports/object-store.ts';
import type { Action, Expect } from './actions.ts';
import { hashOf } from './hash.ts';
import { checkBlob } from './blobs.ts';
import { backupObjectName, blobObjectName, parseBlobRef, casePathOf, collisionKey, isInside, objectName, parentOf } from './paths.ts';
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
}

/** The case as a tree of objects with a folder index, so folder operations need no scans. */
class CaseTree {
  readonly objects = new Map<string, SimObject>();
  /** folder ('' is the case root) → the objects directly in it (files, and the folder's own marker). */
  private readonly filesIn = new Map<string, Set<string>>();
  /** folder → its direct subfolders. */
  private readonly subfoldersOf = new Map<string, Set<string>>();
  /** collision key → paths, to spot names that differ only by case or normalisation. */
  private readonly byCollisionKey = new Map<string, Set<string>>();

  static folderOf(key: string): string {
    return key.endsWith('/') ? key.slice(0, -1) : (parentOf(key) ?? '');
  }

  add(key: string, object: SimObject): void {
    this.objects.set(key, object);
    const folder = CaseTree.folderOf(key);
    getOrCreate(this.filesIn, folder).add(key);
    for (let child = folder; child !== ''; ) {
      const parent = parentOf(child) ?? '';
      const siblings = getOrCreate(this.subfoldersOf, parent);
      if (siblings.has(child)) break;
      siblings.add(child);
      child = parent;
    }
    getOrCreate(this.byCollisionKey, collisionKey(key)).add(key);
  }

  remove(key: string): void {
    if (!this.objects.delete(key)) return;
    this.byCollisionKey.get(collisionKey(key))?.delete(key);
    let folder = CaseTree.folderOf(key);
    this.filesIn.get(folder)?.delete(key);
    // Folders exist only through what is in them, as in Cloud Storage: prune the empty ones.
    while (folder !== '' && !this.folderExists(folder)) {
      this.filesIn.delete(folder);
      this.subfoldersOf.delete(folder);
      const parent = parentOf(folder) ?? '';
      this.subfoldersOf.get(parent)?.delete(folder);
      folder = parent;
    }
  }

  folderExists(folder: string): boolean {
    return (this.filesIn.get(folder)?.size ?? 0) + (this.subfoldersOf.get(folder)?.size ?? 0) > 0;
  }

  isFile(path: string): boolean {
    return this.objects.has(path);
  }

  /** Every object under a folder (its marker included), sorted so actions come out in a stable order. */
  objectsUnder(folder: string): string[] {
    const found: string[] = [];
    const pending = [folder];
    while (pending.length > 0) {
      const current = pending.pop()!;
      for (const key of this.filesIn.get(current) ?? []) found.push(key);
      for (const sub of this.subfoldersOf.get(current) ?? []) pending.push(sub);
    }
    return found.sort();
  }

  /** A file standing where a folder of `path` would have to be. */
  fileAncestor(path: string): string | undefined {
    for (let folder = parentOf(path); folder !== undefined; folder = parentOf(folder)) {
      if (this.objects.has(folder)) return folder;
    }
    return undefined;
  }

  /** Another existing path that differs from `path` only by letter case or normalisation. */
  twinOf(path: string): string | undefined {
    for (const other of this.byCollisionKey.get(collisionKey(path)) ?? []) {
      if (other !== path) return other;
    }
    return undefined;
  }
}

function getOrCreate<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

const formatBytes = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** The staged object of a blob reference, if it holds exactly the declared content for this case. */
function stagedBlob(reference: string, caseName: string, blobObjects: ReadonlyMap<string, ObjectInfo> | undefined): { ok: true; object: ObjectInfo } | { ok: false; code: string; message: string } {
  const parsed = parseBlobRef(reference);
  if (!parsed.ok) return { ok: false, code: 'blob_invalid', message: `invalid blob reference: ${parsed.reason}` };
  const object = blobObjects?.get(blobObjectName(parsed.value));
  const verdict = checkBlob(parsed.value, caseName, object);
  return verdict.ok ? { ok: true, object: object! } : verdict;
}

/** Simulates the plan and derives its actions. Pure: the same input gives the same output. */
export function simulatePlan(input: SimulationInput): SimulationResult {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const { caseName, planId } = input;
  const tree = new CaseTree();
  const initial = new Map<string, string>();
  for (const object of input.caseObjects) {
    const key = casePathOf(caseName, object.name);
    if (key === undefined || key === '') continue;
    tree.add(key, { size: object.size, expect: { state: 'generation', generation: object.generation }, original: true });
    initial.set(key, object.generation);
  }

  const actions: Action[] = [];
  const errors: ReportIssue[] = [];
  const warnings: ReportIssue[] = [];
  const lines: DryRunReport['operations'] = [];
  const totals = { objectsCreated: 0, objectsOverwritten: 0, objectsDeleted: 0, bytesWritten: 0, bytesDeleted: 0 };
  const full = (path: string) => objectName(caseName, path);

  if (initial.size === 0) {
    warnings.push({ code: 'case_empty', message: `projects/${caseName}/ holds no objects yet; the plan will create it` });
  }

  input.operations.forEach((operation, index) => {
    const opErrors: ReportIssue[] = [];
    const fail = (code: string, message: string, path?: string) => opErrors.push({ operation: index, code, message, path });
    const warn = (code: string, message: string, path?: string) => warnings.push({ operation: index, code, message, path });
    const planned: Action[] = [];
    // Effects are staged and applied to the tree only when the whole operation is valid, so a
    // failing operation leaves the simulated case as it was.
    const effects: Array<() => void> = [];
    // Totals are counted as pairs are planned; a failing operation must take its share back out.
    const totalsBefore = { ...totals };
    let objects = 0;
    let bytes = 0;

    /** Checks that `target` can receive an object and returns the precondition for writing it. */
    const prepareDestination = (target: string, overwrite: boolean, isMarker: boolean): { expect: Expect; backup?: string; replacedSize: number } | undefined => {
      const clash = tree.fileAncestor(isMarker ? `${target}x` : target);
      if (clash) {
        fail('file_folder_collision', `\`${clash}\` is a file, so \`${target}\` cannot be created under it`, target);
        return undefined;
      }
      if (!isMarker && tree.folderExists(target)) {
        fail('file_folder_collision', `\`${target}\` is a folder; name a file inside it`, target);
        return undefined;
      }
      const existing = tree.objects.get(target);
      if (!existing) {
        const twin = tree.twinOf(target);
        if (twin) warn('name_twin', `\`${target}\` differs from existing \`${twin}\` only by letter case or Unicode normalisation`, target);
        return { expect: { state: 'absent' }, replacedSize: 0 };
      }
      if (!overwrite) {
        fail('destination_exists', `\`${target}\` already exists; set "overwrite": true to replace it`, target);
        return undefined;
      }
      const backup = backupObjectName(planId, nextIndex(), full(target));
      return { expect: existing.expect, backup, replacedSize: existing.size };
    };

    const nextIndex = () => actions.length + planned.length;

    switch (operation.type) {
      case 'create_dir': {
        const target = stripSlash(operation.destination);
        if (tree.isFile(target)) {
          fail('file_folder_collision', `\`${target}\` is a file`, target);
        } else if (tree.isFile(`${target}/`)) {
          // A folder that exists only through the files in it still gets its marker: it then
          // outlives its files, and a rollback can put back a marker the plan took away.
          warn('folder_exists', `folder \`${target}\` already exists; nothing to do`, target);
        } else {
          const prepared = prepareDestination(`${target}/`, false, true);
          if (prepared) {
            planned.push({ kind: 'put', index: nextIndex(), operation: index, destination: full(`${target}/`), expect: prepared.expect, size: 0 });
            const action = nextIndex() - 1;
            effects.push(() => tree.add(`${target}/`, { size: 0, expect: { state: 'producedBy', action }, original: false }));
            objects = 1;
            totals.objectsCreated += 1;
          }
        }
        break;
      }
      case 'write_file': {
        const target = operation.destination;
        const size = contentBytes(operation);
        // Content from a blob is a server-side copy of the staged object the dry run checked.
        const blob = operation.blob === undefined ? undefined : stagedBlob(operation.blob, caseName, input.blobObjects);
        if (blob && !blob.ok) fail(blob.code, blob.message, target);
        const prepared = blob && !blob.ok ? undefined : prepareDestination(target, operation.overwrite, false);
        if (prepared) {
          const action = nextIndex();
          if (blob?.ok) {
            planned.push({ kind: 'copy', index: action, operation: index, source: blob.object.name, sourceExpect: { state: 'generation', generation: blob.object.generation }, destination: full(target), expect: prepared.expect, size, backup: prepared.backup });
          } else {
            planned.push({ kind: 'put', index: action, operation: index, destination: full(target), expect: prepared.expect, size, backup: prepared.backup });
          }
          effects.push(() => {
            tree.remove(target);
            tree.add(target, { size, expect: { state: 'producedBy', action }, original: false });
          });
          objects = 1;
          bytes = size;
          if (prepared.replacedSize > 0 || prepared.expect.state !== 'absent') {
            totals.objectsOverwritten += 1;
            totals.bytesDeleted += prepared.replacedSize;
          } else totals.objectsCreated += 1;
          totals.bytesWritten += size;
        }
        break;
      }
      case 'copy':
      case 'move':
      case 'restore': {
        const isMove = operation.type === 'move';
        const destinationRaw = operation.destination;
        const destination = stripSlash(destinationRaw);
        let pairs: Array<{ from: string; to: string; sourceName: string; sourceExpect: Expect; size: number }> = [];
        if (operation.type === 'restore') {
          const backup = input.systemObjects?.get(operation.backup);
          if (!backup) {
            fail('source_missing', `backup \`${operation.backup}\` no longer exists`, destination);
          } else {
            pairs = [{ from: '', to: destination, sourceName: backup.name, sourceExpect: { state: 'generation', generation: backup.generation }, size: backup.size }];
          }
        } else {
          const sourceRaw = operation.source;
          const source = stripSlash(sourceRaw);
          if (source === destination) {
            fail('same_path', `source and destination are both \`${source}\``, source);
          } else if (isMove && collisionKey(source) === collisionKey(destination)) {
            fail('name_twin', `\`${source}\` and \`${destination}\` differ only by letter case or Unicode normalisation; many file systems treat them as one name`, destination);
          } else if (tree.isFile(source) && !sourceRaw.endsWith('/')) {
            if (destinationRaw.endsWith('/')) {
              fail('destination_is_folder', `\`${source}\` is a file; name the destination file, not a folder`, destinationRaw);
            } else {
              const node = tree.objects.get(source)!;
              pairs = [{ from: source, to: destination, sourceName: full(source), sourceExpect: node.expect, size: node.size }];
            }
          } else if (tree.folderExists(source)) {
            if (isInside(destination, source)) {
              fail('into_itself', `cannot ${operation.type} \`${source}\` into itself (\`${destination}\`)`, destination);
            } else {
              if (tree.folderExists(destination)) warn('merge_into_folder', `\`${destination}\` already exists; the contents will be merged into it`, destination);
              pairs = tree.objectsUnder(source).map((key) => {
                const node = tree.objects.get(key)!;
                return { from: key, to: destination + key.slice(source.length), sourceName: full(key), sourceExpect: node.expect, size: node.size };
              });
              // Into an ancestor (`a/b` to `a`), one object's destination can be another's source:
              // the preconditions seen here would no longer hold when the actions run in order.
              const sources = new Set(pairs.map((pair) => pair.from));
              const overlap = pairs.find((pair) => sources.has(pair.to));
              if (overlap) {
                fail('overlaps_source', `\`${overlap.to}\` would be both read and replaced by this ${operation.type}; ${operation.type} \`${source}\` to a new folder first`, overlap.to);
                pairs = [];
              }
            }
          } else {
            const twin = tree.twinOf(source);
            const hint = twin ? `; did you mean \`${twin}\`?` : '';
            fail('source_missing', `\`${source}\` does not exist${sourceRaw.endsWith('/') && tree.isFile(source) ? ' as a folder (it is a file)' : ''}${hint}`, source);
          }
        }
        for (const pair of pairs) {
          const isMarker = pair.to.endsWith('/');
          const prepared = prepareDestination(pair.to, operation.overwrite, isMarker);
          if (!prepared) continue;
          const action = nextIndex();
          planned.push({
            kind: isMove ? 'move' : 'copy',
            index: action,
            operation: index,
            source: pair.sourceName,
            sourceExpect: pair.sourceExpect,
            destination: full(pair.to),
            expect: prepared.expect,
            size: pair.size,
            backup: prepared.backup,
          });
          effects.push(() => {
            if (isMove) tree.remove(pair.from);
            tree.remove(pair.to);
            tree.add(pair.to, { size: pair.size, expect: { state: 'producedBy', action }, original: false });
          });
          objects += 1;
          bytes += pair.size;
          if (prepared.expect.state === 'absent') totals.objectsCreated += 1;
          else {
            totals.objectsOverwritten += 1;
            totals.bytesDeleted += prepared.replacedSize;
          }
          totals.bytesWritten += pair.size;
        }
        break;
      }
      case 'remove_folder': {
        const folder = stripSlash(operation.destination);
        const marker = `${folder}/`;
        // Only the marker goes, whatever else the folder holds: a marker holds no data, and a
        // folder with other objects stays visible through them. Keeping a marker the plan added
        // to a folder that existed without one would leave the rollback inexact.
        if (!tree.isFile(marker)) {
          warn('folder_missing', `folder marker \`${marker}\` is already gone; nothing to do`, marker);
        } else {
          const node = tree.objects.get(marker)!;
          const action = nextIndex();
          planned.push({ kind: 'delete', index: action, operation: index, target: full(marker), expect: node.expect, size: 0, backup: backupObjectName(planId, action, full(marker)) });
          effects.push(() => tree.remove(marker));
          objects = 1;
          totals.objectsDeleted += 1;
        }
        break;
      }
      case 'delete': {
        const source = stripSlash(operation.source);
        const keys = tree.isFile(source) && !operation.source.endsWith('/') ? [source] : tree.folderExists(source) ? tree.objectsUnder(source) : [];
        if (keys.length === 0) {
          const twin = tree.twinOf(source);
          fail('source_missing', `\`${source}\` does not exist${twin ? `; did you mean \`${twin}\`?` : ''}`, source);
        }
        for (const key of keys) {
          const node = tree.objects.get(key)!;
          const action = nextIndex();
          planned.push({
            kind: 'delete',
            index: action,
            operation: index,
            target: full(key),
            expect: node.expect,
            size: node.size,
            backup: backupObjectName(planId, action, full(key)),
          });
          effects.push(() => tree.remove(key));
          objects += 1;
          bytes += node.size;
          totals.objectsDeleted += 1;
          totals.bytesDeleted += node.size;
        }
        break;
      }
    }

    if (opErrors.length > 0) {
      Object.assign(totals, totalsBefore);
      errors.push(...opErrors);
      lines.push({ index, type: operation.type, effect: `not possible: ${opErrors[0]!.message}`, objects: 0, bytes: 0 });
      return;
    }
    for (const apply of effects) apply();
    actions.push(...planned);
    lines.push({ index, type: operation.type, effect: describeEffect(operation, objects, bytes), objects, bytes });
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
    operations: lines.slice(0, REPORT_LIST_LIMIT),
    diff,
  };
  return { report, actions };
}

/** The preconditions an approval is bound to: what must be absent and which generations must still hold. */
export function snapshotHashOf(actions: readonly Action[]): string {
  return hashOf(
    actions.map((action) =>
      action.kind === 'copy' || action.kind === 'move'
        ? [action.source, action.sourceExpect, action.destination, action.expect]
        : [action.kind === 'delete' ? action.target : action.destination, action.expect],
    ),
  );
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
      return objects === 0 ? `folder marker ${operation.destination} is already gone` : `remove the folder marker ${operation.destination}`;
  }
}

function diffTrees(initial: ReadonlyMap<string, string>, tree: CaseTree): DryRunReport['diff'] {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [key, object] of tree.objects) {
    if (!initial.has(key)) added.push(key);
    else if (!object.original) changed.push(key);
  }
  for (const key of initial.keys()) if (!tree.objects.has(key)) removed.push(key);
  const truncated = added.length > REPORT_LIST_LIMIT || removed.length > REPORT_LIST_LIMIT || changed.length > REPORT_LIST_LIMIT;
  const cap = (list: string[]) => list.sort().slice(0, REPORT_LIST_LIMIT);
  return { added: cap(added), removed: cap(removed), changed: cap(changed), truncated };
}
