/**
 * The sandbox round trip: `pull` a case into a local folder, let any script change the copy,
 * see what changed (`status`, like `git status`), and `push` the result as one target-state
 * plan — uploading only content the case does not already hold.
 *
 * The snapshot the pull started from is kept beside the tree in `.bailiff/snapshot.json`
 * (`.bailiff` is a name no case path may use, so it is never mistaken for content). It also
 * remembers each file's size and modification time after the download, so `status` and `push`
 * hash only the files that changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { computeTargetPlan, nameSimilarity, type CurrentObject } from '../domain/target-state.ts';
import type { Operation } from '../domain/plan.ts';
import type { BailiffClient } from '../client/client.ts';
import { mapLimited } from '../map-limited.ts';

export const SNAPSHOT_DIR = '.bailiff';
export const SNAPSHOT_FILE = 'snapshot.json';

export interface SnapshotObject {
  path: string;
  size: number;
  md5: string;
  generation: string;
  contentType: string;
  /** The local file's mtime after the pull: unchanged size and mtime mean unchanged content. */
  localMtimeMs?: number;
}

export interface LocalSnapshot {
  version: 1;
  case: string;
  url: string;
  pulledAt: string;
  objects: SnapshotObject[];
}

export interface Progress {
  /** Called as bytes move: done and total for the whole operation. */
  (event: { phase: 'download' | 'hash' | 'upload'; files: number; totalFiles: number; bytes: number; totalBytes: number }): void;
}

const noProgress: Progress = () => undefined;

function localPath(dir: string, path: string): string {
  return join(dir, ...path.replace(/\/$/, '').split('/'));
}

/**
 * Downloads every object of the case into `dir` (parallel, streamed, md5-checked) and writes
 * the snapshot beside it. `dir` must not hold a tree from another pull.
 */
export async function pull(
  client: BailiffClient,
  caseName: string,
  dir: string,
  options: { concurrency?: number; progress?: Progress } = {},
): Promise<LocalSnapshot> {
  const progress = options.progress ?? noProgress;
  const objects: SnapshotObject[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.call('snapshotCase', { params: { case: caseName }, query: { pageToken } });
    objects.push(...page.objects.map(({ path, size, md5, generation, contentType }) => ({ path, size, md5, generation, contentType })));
    pageToken = page.nextPageToken;
  } while (pageToken);
  await mkdir(join(dir, SNAPSHOT_DIR), { recursive: true });
  const totalBytes = objects.reduce((sum, object) => sum + object.size, 0);
  let files = 0;
  let bytes = 0;
  await mapLimited(objects, options.concurrency ?? 16, async (object) => {
    const target = localPath(dir, object.path);
    if (object.path.endsWith('/')) {
      await mkdir(target, { recursive: true });
    } else {
      await mkdir(dirname(target), { recursive: true });
      const { stream } = await client.downloadFile(caseName, object.path);
      const hash = createHash('md5');
      const partial = `${target}.bailiff-partial`;
      await pipeline(
        stream,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(partial),
      );
      const md5 = hash.digest('hex');
      if (md5 !== object.md5)
        throw new Error(`${object.path}: downloaded bytes have md5 ${md5}, the snapshot says ${object.md5} (changed while pulling? pull again)`);
      await rename(partial, target);
      object.localMtimeMs = (await stat(target)).mtimeMs;
    }
    files += 1;
    progress({ phase: 'download', files, totalFiles: objects.length, bytes, totalBytes });
  });
  const snapshot: LocalSnapshot = { version: 1, case: caseName, url: client.baseUrl, pulledAt: new Date().toISOString(), objects };
  await writeFile(join(dir, SNAPSHOT_DIR, SNAPSHOT_FILE), JSON.stringify(snapshot));
  return snapshot;
}

export async function readSnapshot(dir: string): Promise<LocalSnapshot> {
  let text: string;
  try {
    text = await readFile(join(dir, SNAPSHOT_DIR, SNAPSHOT_FILE), 'utf8');
  } catch {
    throw new Error(`${dir} holds no pulled case (no ${SNAPSHOT_DIR}/${SNAPSHOT_FILE}); run \`bailiff pull <case> ${dir}\` first`);
  }
  return JSON.parse(text) as LocalSnapshot;
}

/** One file (or empty folder, ending in `/`) of the local tree, hashed. */
export interface LocalEntry {
  path: string;
  size: number;
  md5: string;
  /** Only computed for content the case does not hold yet (what a push uploads). */
  sha256?: string;
  /** The absolute file name, for uploading. */
  file: string;
}

/** Walks `dir` (skipping `.bailiff/`), hashing files whose size or mtime changed since the pull. */
export async function scanTree(dir: string, snapshot: LocalSnapshot, options: { progress?: Progress } = {}): Promise<LocalEntry[]> {
  const known = new Map(snapshot.objects.map((object) => [object.path, object]));
  const found: Array<{ path: string; file: string; size: number; mtimeMs: number }> = [];
  const walk = async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true });
    if (entries.length === 0 && folder !== dir) {
      found.push({ path: `${relative(dir, folder).split(sep).join('/')}/`, file: folder, size: 0, mtimeMs: 0 });
      return;
    }
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (folder === dir && entry.name === SNAPSHOT_DIR) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const info = await stat(full);
        found.push({ path: relative(dir, full).split(sep).join('/').normalize('NFC'), file: full, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await walk(dir);
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const progress = options.progress ?? noProgress;
  const toHash = found.filter((entry) => {
    const before = known.get(entry.path);
    return !(entry.path.endsWith('/') || (before && before.size === entry.size && before.localMtimeMs === entry.mtimeMs));
  });
  const totalBytes = toHash.reduce((sum, entry) => sum + entry.size, 0);
  let bytes = 0;
  let files = 0;
  const hashes = new Map<string, { md5: string; sha256: string }>();
  await mapLimited(toHash, 8, async (entry) => {
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    for await (const chunk of createReadStream(entry.file)) {
      md5.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    hashes.set(entry.path, { md5: md5.digest('hex'), sha256: sha256.digest('hex') });
    files += 1;
    progress({ phase: 'hash', files, totalFiles: toHash.length, bytes, totalBytes });
  });
  return found.map((entry) => {
    if (entry.path.endsWith('/')) return { path: entry.path, size: 0, md5: createHash('md5').digest('hex'), file: entry.file };
    const hashed = hashes.get(entry.path);
    return hashed
      ? { path: entry.path, size: entry.size, ...hashed, file: entry.file }
      : { path: entry.path, size: entry.size, md5: known.get(entry.path)!.md5, file: entry.file };
  });
}

export interface LocalStatus {
  renamed: Array<{ from: string; to: string }>;
  added: string[];
  modified: string[];
  deleted: string[];
  /** True when nothing changed. */
  clean: boolean;
}

/** Like `git status`: renames are content that left one path and appeared at another. */
export function localStatus(snapshot: LocalSnapshot, tree: readonly LocalEntry[]): LocalStatus {
  const before = new Map(snapshot.objects.map((object) => [object.path, object]));
  const now = new Map(tree.map((entry) => [entry.path, entry]));
  const key = (entry: { md5: string; size: number }) => `${entry.md5}:${entry.size}`;
  const modified = tree.filter((entry) => before.has(entry.path) && key(before.get(entry.path)!) !== key(entry)).map((entry) => entry.path);
  let added = tree.filter((entry) => !before.has(entry.path)).map((entry) => entry.path);
  let deleted = snapshot.objects.filter((object) => !now.has(object.path)).map((object) => object.path);
  const renamed: LocalStatus['renamed'] = [];
  const pairs: Array<{ from: string; to: string; score: number }> = [];
  for (const from of deleted)
    for (const to of added) if (key(before.get(from)!) === key(now.get(to)!) && !from.endsWith('/')) pairs.push({ from, to, score: nameSimilarity(from, to) });
  pairs.sort((a, b) => b.score - a.score || (a.from < b.from ? -1 : 1) || (a.to < b.to ? -1 : 1));
  const usedFrom = new Set<string>();
  const usedTo = new Set<string>();
  for (const pair of pairs) {
    if (usedFrom.has(pair.from) || usedTo.has(pair.to)) continue;
    usedFrom.add(pair.from);
    usedTo.add(pair.to);
    renamed.push({ from: pair.from, to: pair.to });
  }
  added = added.filter((path) => !usedTo.has(path));
  deleted = deleted.filter((path) => !usedFrom.has(path));
  return { renamed, added, modified, deleted, clean: renamed.length + added.length + modified.length + deleted.length === 0 };
}

export function formatStatus(status: LocalStatus): string {
  if (status.clean) return 'nothing changed since the pull';
  const lines: string[] = [];
  for (const { from, to } of status.renamed) lines.push(`renamed:  ${from} -> ${to}`);
  for (const path of status.added) lines.push(`added:    ${path}`);
  for (const path of status.modified) lines.push(`modified: ${path}`);
  for (const path of status.deleted) lines.push(`deleted:  ${path}`);
  return lines.join('\n');
}

export interface PushResult {
  /** Set unless `dryRun`. */
  planId?: string;
  planHash?: string;
  /** `<url>/ui/plans/<id>`: where an approver reviews it. */
  consoleUrl?: string;
  valid?: boolean;
  report?: unknown;
  /** The operations: as proposed, or (dry run) as computed locally against the snapshot. */
  operations: Operation[];
  /** Blobs uploaded by this push (content the case did not hold). */
  uploaded: number;
  uploadedBytes: number;
  conflicts: Array<{ code: string; message: string; path?: string }>;
  warnings: Array<{ code: string; message: string }>;
}

/**
 * Pushes the local tree as a target-state plan: uploads (in parallel, streamed) only content
 * the snapshot does not hold, then proposes `{base, target}`. With `dryRun`, uploads nothing
 * and proposes nothing: the operations are computed locally against the snapshot.
 */
export async function push(
  client: BailiffClient,
  dir: string,
  options: { description: string; dryRun?: boolean; concurrency?: number; progress?: Progress },
): Promise<PushResult> {
  const snapshot = await readSnapshot(dir);
  const tree = await scanTree(dir, snapshot, { progress: options.progress });
  const known = new Set(snapshot.objects.map((object) => `${object.md5}:${object.size}`));
  const fresh = new Map<string, LocalEntry>();
  for (const entry of tree) if (!entry.path.endsWith('/') && !known.has(`${entry.md5}:${entry.size}`)) fresh.set(`${entry.md5}:${entry.size}`, entry);
  const base = snapshot.objects.map(({ path, generation, md5 }) => ({ path, generation, md5 }));
  const blobOf = (entry: LocalEntry) => `${snapshot.case}/md5-${entry.md5}-${entry.size}`;
  const target = tree.map((entry) =>
    entry.path.endsWith('/')
      ? { path: entry.path, size: 0, md5: entry.md5 }
      : { path: entry.path, size: entry.size, md5: entry.md5, ...(fresh.has(`${entry.md5}:${entry.size}`) ? { blob: blobOf(entry) } : {}) },
  );
  if (options.dryRun) {
    const current: CurrentObject[] = snapshot.objects.map(({ path, size, md5, generation }) => ({ path, size, md5, generation }));
    const plan = computeTargetPlan({ base, target, current });
    return { operations: plan.operations, uploaded: 0, uploadedBytes: 0, conflicts: plan.conflicts, warnings: plan.warnings };
  }
  const progress = options.progress ?? noProgress;
  const uploads = [...fresh.values()];
  const totalBytes = uploads.reduce((sum, entry) => sum + entry.size, 0);
  let files = 0;
  let bytes = 0;
  let uploaded = 0;
  let uploadedBytes = 0;
  await mapLimited(uploads, options.concurrency ?? 8, async (entry) => {
    const declared = await client.call('declareBlob', {
      params: { case: snapshot.case },
      body: { md5: entry.md5, sha256: entry.sha256, size: entry.size, contentType: contentTypeOf(entry.path) },
    });
    if (!declared.exists && declared.upload) {
      const counting = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          progress({ phase: 'upload', files, totalFiles: uploads.length, bytes, totalBytes });
          done(null, chunk);
        },
      });
      await client.uploadBlob(declared.upload, createReadStream(entry.file).pipe(counting), entry.size);
      uploaded += 1;
      uploadedBytes += entry.size;
    }
    files += 1;
    progress({ phase: 'upload', files, totalFiles: uploads.length, bytes, totalBytes });
  });
  const view = await client.call('proposePlan', { body: { case: snapshot.case, description: options.description, base, target } });
  const operations: Operation[] = [];
  const conflicts = view.report.errors.filter((issue) => issue.code.startsWith('conflict_'));
  return {
    planId: view.plan.id,
    planHash: view.plan.planHash,
    consoleUrl: client.consoleUrl(view.plan.id),
    valid: view.report.valid,
    report: view.report,
    operations,
    uploaded,
    uploadedBytes,
    conflicts,
    warnings: view.report.warnings,
  };
}

/** A content type from the file name, for the few kinds case files come in. */
export function contentTypeOf(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    pdf: 'application/pdf',
    txt: 'text/plain',
    md: 'text/markdown',
    csv: 'text/csv',
    json: 'application/json',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    tif: 'image/tiff',
    tiff: 'image/tiff',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    eml: 'message/rfc822',
  };
  return types[extension] ?? 'application/octet-stream';
}
