/**
 * Target-state plans: a sandbox pulled a case, changed its copy with any script, and now says
 * "make the case look like this" — the full desired listing (`target`) and the snapshot it
 * started from (`base`). This module computes the minimal plan that gets from the workspace as
 * it is to the target, and names every conflict between `base` and the workspace. Pure: the
 * caller lists the case and hands both in.
 *
 * - unchanged content at the same path → nothing;
 * - content that left one path and appears at another → `move` (matched by md5 and size; when
 *   several could pair up, the most similar names pair first, then name order: deterministic);
 * - further copies of content that is still (or will be) in the case → `copy`;
 * - new or changed content → `write_file` from the blob the client uploaded;
 * - paths the target no longer has → `delete`; new empty folders → `create_dir`.
 * Objects whose generation changed since `base` (or that appeared or vanished since) are
 * conflicts: reported, never resolved silently; the plan cannot be approved while it has any.
 */
import { z } from 'zod';
import { blobRefSchema } from './blobs.ts';
import { baseName, CASE_PATH_JSON_SCHEMA, checkCasePath, collisionKey, isInside, parentOf } from './paths.ts';
import { caseNameSchema, onErrorSchema, PLAN_LIMITS, type Operation, type ReportIssue } from './plan.ts';

/** As many entries as a snapshot holds. */
export const MAX_MANIFEST_ENTRIES = 100_000;

const manifestPath = z
  .string()
  .max(2048)
  .meta({ ...CASE_PATH_JSON_SCHEMA });

export const baseEntrySchema = z.object({
  path: manifestPath,
  generation: z.string().min(1).max(100),
  /**
   * The md5 the snapshot gave (hex). Optional: it spares the server re-reading files whose
   * generation has not changed. Trusting it gives a client nothing it could not propose
   * directly — every operation still shows in the report the approver reads.
   */
  md5: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'md5 as 32 lower-case hex digits')
    .optional(),
});

export const targetEntrySchema = z.strictObject({
  path: manifestPath,
  size: z.number().int().min(0),
  md5: z.string().regex(/^[0-9a-f]{32}$/, 'md5 as 32 lower-case hex digits'),
  /** Where new content comes from: `<case>/<blob id>` from `POST /cases/{case}/blobs`. */
  blob: blobRefSchema.optional(),
});

export const targetPlanInputSchema = z
  .strictObject({
    case: caseNameSchema,
    description: z.string().trim().min(1).max(PLAN_LIMITS.maxDescriptionLength),
    /** The snapshot the client started from: every object's path and generation (extra fields are ignored). */
    base: z.array(z.looseObject(baseEntrySchema.shape)).max(MAX_MANIFEST_ENTRIES, `at most ${MAX_MANIFEST_ENTRIES.toLocaleString('en')} entries`),
    /** The full desired listing; folders that should exist empty end in `/` (size 0). */
    target: z.array(targetEntrySchema).max(MAX_MANIFEST_ENTRIES, `at most ${MAX_MANIFEST_ENTRIES.toLocaleString('en')} entries`),
    onError: onErrorSchema.default('stop'),
  })
  .superRefine((input, ctx) => {
    checkManifestPaths(input.base, 'base', ctx);
    checkManifestPaths(input.target, 'target', ctx);
    input.target.forEach((entry, index) => {
      if (entry.path.endsWith('/') && (entry.size !== 0 || entry.blob !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['target', index, 'size'], message: 'a folder entry (ending in `/`) has size 0 and no blob' });
      }
    });
  });
export type TargetPlanInput = z.output<typeof targetPlanInputSchema>;

/** Whether a body is a target-state plan rather than a list of operations. */
export function isTargetStateBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && ('target' in body || 'base' in body);
}

/** Path safety, duplicates, names that collide on other file systems, and files standing where folders are. */
function checkManifestPaths(entries: ReadonlyArray<{ path: string }>, field: 'base' | 'target', ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  const twins = new Map<string, number>();
  const files = new Set<string>();
  let problems = 0;
  const report = (index: number, message: string) => {
    if (problems++ < 100) ctx.addIssue({ code: 'custom', path: [field, index, 'path'], message });
  };
  for (const [index, entry] of entries.entries()) {
    const problem = entryProblem(entry.path, index);
    if (problem) report(index, problem);
  }
  for (const [index, entry] of entries.entries()) {
    for (let folder = parentOf(entry.path.replace(/\/$/, '')); folder !== undefined; folder = parentOf(folder)) {
      if (files.has(folder)) {
        report(index, `\`${entry.path}\` lies inside \`${folder}\`, which is a file in the same manifest`);
        break;
      }
    }
  }

  /** What is wrong with one entry's path, or undefined (then it is remembered for the checks after it). */
  function entryProblem(entryPath: string, index: number): string | undefined {
    const checked = checkCasePath(entryPath);
    if (!checked.ok) return `unsafe path: ${checked.reason}`;
    const path = checked.value.folderHint ? `${checked.value.path}/` : checked.value.path;
    if (path !== entryPath) return `\`${entryPath}\` is not in normal form (NFC); send \`${path}\``;
    const first = seen.get(path);
    if (first !== undefined) return `\`${path}\` appears twice (entries ${first} and ${index})`;
    seen.set(path, index);
    const key = collisionKey(path);
    const twin = twins.get(key);
    if (twin !== undefined) {
      return `\`${path}\` and \`${entries[twin]!.path}\` (entry ${twin}) differ only by letter case or Unicode normalisation; many file systems hold only one of them`;
    }
    twins.set(key, index);
    if (!path.endsWith('/')) files.add(path);
    return undefined;
  }
}

/** An object of the case as the workspace holds it now. */
export interface CurrentObject {
  path: string;
  size: number;
  md5: string;
  generation: string;
}

export interface TargetPlan {
  operations: Operation[];
  conflicts: ReportIssue[];
  warnings: ReportIssue[];
  /** What the target changes, in numbers (the operations say how). */
  summary: { unchanged: number; moved: number; copied: number; written: number; deleted: number; foldersCreated: number };
}

/** Content identity: two objects with the same md5 and size are the same content. */
const contentKey = (entry: { md5: string; size: number }) => `${entry.md5}:${entry.size}`;

/**
 * How alike two paths are, for pairing a rename's source with its destination: the same file
 * name counts most, then shared leading and trailing characters of the name, then of the folder.
 */
export function nameSimilarity(a: string, b: string): number {
  const nameA = baseName(a);
  const nameB = baseName(b);
  const common = (x: string, y: string) => {
    let prefix = 0;
    while (prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
    let suffix = 0;
    while (suffix < x.length - prefix && suffix < y.length - prefix && x[x.length - 1 - suffix] === y[y.length - 1 - suffix]) suffix++;
    return prefix + suffix;
  };
  return (nameA === nameB ? 10_000 : 0) + common(nameA, nameB) * 10 + common(a.slice(0, a.length - nameA.length), b.slice(0, b.length - nameB.length));
}

/** Base against the workspace now: every object that changed, appeared or vanished since. */
export function findConflicts(base: ReadonlyArray<{ path: string; generation: string }>, current: readonly CurrentObject[]): ReportIssue[] {
  const conflicts: ReportIssue[] = [];
  const now = new Map(current.map((object) => [object.path, object]));
  const before = new Set<string>();
  for (const entry of base) {
    before.add(entry.path);
    const object = now.get(entry.path);
    if (!object)
      conflicts.push({ code: 'conflict_deleted', path: entry.path, message: `\`${entry.path}\` was deleted in the workspace since your snapshot; pull again` });
    else if (object.generation !== entry.generation) {
      conflicts.push({ code: 'conflict_changed', path: entry.path, message: `\`${entry.path}\` changed in the workspace since your snapshot; pull again` });
    }
  }
  for (const object of current) {
    if (!before.has(object.path))
      conflicts.push({ code: 'conflict_added', path: object.path, message: `\`${object.path}\` was added in the workspace since your snapshot; pull again` });
  }
  return conflicts.sort((a, b) => compare(a.path!, b.path!));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The operations that turn `current` into `target`, in an order the dry run accepts: deletes
 * first (they free names, and nothing is ever copied from what is deleted), then moves (a move
 * out of a name before a move into it; a cycle goes through a temporary name), new content,
 * copies, and empty folders last.
 */
export function computeTargetPlan(input: {
  base: ReadonlyArray<{ path: string; generation: string }>;
  target: ReadonlyArray<z.output<typeof targetEntrySchema>>;
  current: readonly CurrentObject[];
}): TargetPlan {
  const conflicts = findConflicts(input.base, input.current);
  const { files: currentFiles, markers: currentMarkers } = filesAndMarkers(input.current);
  const { files: targetFiles, markers: targetMarkers } = filesAndMarkers(input.target);

  // What leaves its path (gone from the target, or replaced there), and what must arrive.
  const leaving = new Map<string, string[]>();
  const needed: string[] = [];
  let unchanged = 0;
  for (const [path, object] of currentFiles) {
    const wanted = targetFiles.get(path);
    if (wanted && contentKey(wanted) === contentKey(object)) unchanged++;
    else pushTo(leaving, contentKey(object), path);
  }
  for (const [path, entry] of targetFiles) {
    const object = currentFiles.get(path);
    if (!object || contentKey(object) !== contentKey(entry)) needed.push(path);
  }
  needed.sort(compare);

  const moves = pairMoves(needed, leaving, targetFiles); // destination → source
  const movedAway = new Set(moves.values());

  // Where each content will be once moves and writes are done: copies read from there.
  const heldAfter = new Map<string, string>();
  for (const [path, object] of currentFiles) {
    const wanted = targetFiles.get(path);
    if (wanted && contentKey(wanted) === contentKey(object)) setFirst(heldAfter, contentKey(object), path);
  }

  const deletes: Operation[] = [];
  const moveOps: Operation[] = [];
  const folders: Operation[] = [];

  for (const path of [...currentFiles.keys()].sort(compare)) {
    if (!targetFiles.has(path) && !movedAway.has(path)) deletes.push({ type: 'delete', source: path });
  }
  const markerDeletes = deletesOfGoneMarkers(currentMarkers, [...targetFiles.keys(), ...targetMarkers]);

  moveOps.push(...orderMoves(moves, currentFiles, targetFiles));
  for (const [destination] of moves) setFirst(heldAfter, contentKey(targetFiles.get(destination)!), destination);

  const { writes, copies, missingBlobs } = arrivalsOfContent(needed, { moves, movedAway, heldAfter, currentFiles, targetFiles });

  for (const marker of [...targetMarkers].sort(compare)) {
    if (!currentMarkers.has(marker)) folders.push({ type: 'create_dir', destination: marker.slice(0, -1) });
  }

  return {
    operations: [...deletes, ...moveOps, ...writes, ...copies, ...markerDeletes, ...folders],
    conflicts: [...conflicts, ...missingBlobs],
    warnings: deletesMostWarning(deletes.length, currentFiles.size),
    summary: {
      unchanged,
      moved: moves.size,
      copied: copies.length,
      written: writes.length,
      deleted: deletes.length + markerDeletes.length,
      foldersCreated: folders.length,
    },
  };
}

/**
 * How each needed path that no move fills gets its content: a copy from where that content will
 * be, or a write of the blob the target names (none named: a conflict asking for an upload).
 */
function arrivalsOfContent(
  needed: readonly string[],
  known: {
    moves: ReadonlyMap<string, string>;
    movedAway: ReadonlySet<string>;
    heldAfter: Map<string, string>;
    currentFiles: ReadonlyMap<string, CurrentObject>;
    targetFiles: ReadonlyMap<string, z.output<typeof targetEntrySchema>>;
  },
): { writes: Operation[]; copies: Operation[]; missingBlobs: ReportIssue[] } {
  const { moves, movedAway, heldAfter, currentFiles, targetFiles } = known;
  const writes: Operation[] = [];
  const copies: Operation[] = [];
  const missingBlobs: ReportIssue[] = [];
  for (const path of needed) {
    if (moves.has(path)) continue;
    const entry = targetFiles.get(path)!;
    const key = contentKey(entry);
    // Replaced in place (and not moved away first): the write overwrites it.
    const overwrite = currentFiles.has(path) && !movedAway.has(path);
    const from = heldAfter.get(key);
    if (from !== undefined) {
      copies.push({ type: 'copy', source: from, destination: path, overwrite });
      continue;
    }
    if (!entry.blob) {
      missingBlobs.push({
        code: 'blob_required',
        path,
        message: `\`${path}\` is new content (md5 ${entry.md5}, ${entry.size} bytes): upload it with POST /cases/{case}/blobs and name the blob`,
      });
      continue;
    }
    writes.push({ type: 'write_file', destination: path, blob: entry.blob, encoding: 'utf8', overwrite });
    setFirst(heldAfter, key, path);
  }
  return { writes, copies, missingBlobs };
}

/** Files by path, and the paths of folder markers (names ending in `/`). */
function filesAndMarkers<T extends { path: string }>(entries: readonly T[]): { files: Map<string, T>; markers: Set<string> } {
  const files = new Map<string, T>();
  const markers = new Set<string>();
  for (const entry of entries) {
    if (entry.path.endsWith('/')) markers.add(entry.path);
    else files.set(entry.path, entry);
  }
  return { files, markers };
}

/**
 * Pairs what must arrive with what leaves the same content, as moves (destination → source):
 * per content, the most similar (source, destination) pairs first.
 */
function pairMoves(
  needed: readonly string[],
  leaving: ReadonlyMap<string, string[]>,
  targetFiles: ReadonlyMap<string, z.output<typeof targetEntrySchema>>,
): Map<string, string> {
  const moves = new Map<string, string>();
  const neededByKey = new Map<string, string[]>();
  for (const path of needed) pushTo(neededByKey, contentKey(targetFiles.get(path)!), path);
  for (const [key, destinations] of [...neededByKey].sort(([a], [b]) => compare(a, b))) {
    const sources = leaving.get(key);
    if (!sources) continue;
    const pairs: Array<{ source: string; destination: string; score: number }> = [];
    for (const source of sources) for (const destination of destinations) pairs.push({ source, destination, score: nameSimilarity(source, destination) });
    pairs.sort((a, b) => b.score - a.score || compare(a.source, b.source) || compare(a.destination, b.destination));
    const usedSources = new Set<string>();
    for (const pair of pairs) {
      if (usedSources.has(pair.source) || moves.has(pair.destination)) continue;
      usedSources.add(pair.source);
      moves.set(pair.destination, pair.source);
    }
  }
  return moves;
}

/**
 * Folder markers of folders the target no longer has go last: deleting `X/` deletes whatever
 * is under X then, which by then is only markers. The topmost one is enough.
 */
function deletesOfGoneMarkers(currentMarkers: ReadonlySet<string>, targetPaths: readonly string[]): Operation[] {
  const targetFolders = new Set<string>();
  for (const path of targetPaths) {
    for (let folder = parentOf(path.replace(/\/$/, '')); folder !== undefined; folder = parentOf(folder)) targetFolders.add(folder);
    if (path.endsWith('/')) targetFolders.add(path.slice(0, -1));
  }
  const goneMarkers = [...currentMarkers].filter((marker) => !targetFolders.has(marker.slice(0, -1))).sort(compare);
  return goneMarkers
    .filter((marker) => !goneMarkers.some((other) => other !== marker && isInside(marker.slice(0, -1), other.slice(0, -1))))
    .map((marker) => ({ type: 'delete', source: marker }));
}

/** A loud warning when the plan deletes most of a case's files: a target that is only part of the case. */
function deletesMostWarning(deletedFiles: number, currentFiles: number): ReportIssue[] {
  if (currentFiles < 4 || deletedFiles * 2 <= currentFiles) return [];
  return [
    {
      code: 'target_deletes_most',
      message: `THIS PLAN DELETES ${deletedFiles} OF THE CASE'S ${currentFiles} FILES. Check that the target is the whole case, not a part of it.`,
    },
  ];
}

/**
 * Moves in an order where each destination is free when its move runs: a move into a name
 * (or under it, when a file becomes a folder) waits for the move out of that name. Cycles
 * (A→B, B→A) go through a temporary name beside a source.
 */
function orderMoves(
  moves: ReadonlyMap<string, string>,
  currentFiles: ReadonlyMap<string, CurrentObject>,
  targetFiles: ReadonlyMap<string, unknown>,
): Operation[] {
  const bySource = new Map<string, string>();
  for (const [destination, source] of moves) bySource.set(source, destination);
  const sources = [...bySource.keys()].sort(compare);
  // Folder → the sources somewhere under it, for "a folder becoming a file" without a scan per move.
  const sourcesUnder = new Map<string, string[]>();
  for (const source of sources) for (let folder = parentOf(source); folder !== undefined; folder = parentOf(folder)) pushTo(sourcesUnder, folder, source);
  // The same by collision key: a name (or folder) differing only by case is refused beside another.
  const sourcesByKey = new Map<string, string[]>();
  const sourcesUnderKey = new Map<string, string[]>();
  for (const source of sources) {
    pushTo(sourcesByKey, collisionKey(source), source);
    for (let folder = parentOf(source); folder !== undefined; folder = parentOf(folder)) pushTo(sourcesUnderKey, collisionKey(folder), source);
  }
  /**
   * The moves that must run first: those taking away the current file at the destination, at
   * a folder above it (a file becoming a folder), or under it (a folder becoming a file), and
   * those taking away a twin of it or of a folder above it (`A` before `y` → `a`).
   */
  const blockers = (destination: string): string[] => {
    const found: string[] = [];
    if (bySource.has(destination)) found.push(destination);
    for (let folder = parentOf(destination); folder !== undefined; folder = parentOf(folder)) {
      if (bySource.has(folder)) found.push(folder);
      for (const source of sourcesUnderKey.get(collisionKey(folder)) ?? []) if (!isInside(source, folder)) found.push(source);
    }
    found.push(...(sourcesUnder.get(destination) ?? []));
    for (const source of sourcesByKey.get(collisionKey(destination)) ?? []) if (source !== destination) found.push(source);
    return found;
  };
  const operations: Operation[] = [];
  const pendingParked: Array<{ parked: string; destination: string; overwrite: boolean }> = [];
  const state = new Map<string, 'visiting' | 'done'>();
  let temporaries = 0;
  const park = (source: string, destination: string) => {
    // At the case's top level, where no folder has to exist and none is being emptied.
    const parked = temporaryName(source, currentFiles, targetFiles, ++temporaries);
    operations.push({ type: 'move', source, destination: parked, overwrite: false });
    state.set(source, 'done');
    pendingParked.push({ parked, destination, overwrite: currentFiles.has(destination) && !bySource.has(destination) });
  };
  const visit = (source: string) => {
    if (state.get(source) === 'done') return;
    const destination = bySource.get(source)!;
    state.set(source, 'visiting');
    const first = blockers(destination);
    // A move blocked by its own source (`notes` → `notes/old.txt`, `y/z/a` → `y`), or one that
    // changes only letter case, cannot happen in one step: it goes through a temporary name.
    if (first.includes(source) || collisionKey(source) === collisionKey(destination)) return park(source, destination);
    for (const blocking of first) {
      if (state.get(blocking) === 'done') continue;
      // A cycle (A→B, B→A): park this source; its move finishes once the cycle has unwound.
      if (state.get(blocking) === 'visiting') return park(source, destination);
      visit(blocking);
      if (state.get(source) === 'done') return;
    }
    operations.push({ type: 'move', source, destination, overwrite: currentFiles.has(destination) && !bySource.has(destination) });
    state.set(source, 'done');
  };
  for (const source of sources) visit(source);
  // Parked content reaches its destination once every other move has run: by then whatever
  // stood there (or under it) has gone, and no other move goes there.
  for (const { parked, destination, overwrite } of pendingParked) operations.push({ type: 'move', source: parked, destination, overwrite });
  return operations;
}

/** A free top-level name for parking `source`: neither a file nor a folder in the case or the target. */
function temporaryName(source: string, currentFiles: ReadonlyMap<string, unknown>, targetFiles: ReadonlyMap<string, unknown>, n: number): string {
  for (let attempt = n; ; attempt++) {
    const candidate = `${baseName(source)}.bailiff-swap-${attempt}`;
    const taken = (paths: Iterable<string>) => [...paths].some((path) => path === candidate || path.startsWith(`${candidate}/`));
    if (!taken(currentFiles.keys()) && !taken(targetFiles.keys())) return candidate;
  }
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function setFirst(map: Map<string, string>, key: string, value: string): void {
  if (!map.has(key)) map.set(key, value);
}
