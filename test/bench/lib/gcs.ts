/** Seeding, checking and emptying prefixes of the fake-gcs-server bucket, outside any timing. */
import type { Bucket, Storage } from '@google-cloud/storage';
import { contentOf, type FileSpec } from './fixtures.ts';
import { mapLimited } from './util.ts';

export const SEED_CONCURRENCY = 64;

export async function seedBucket(bucket: Bucket, casePrefix: string, files: readonly FileSpec[]): Promise<void> {
  await mapLimited(files, SEED_CONCURRENCY, async (file) => {
    await bucket.file(`${casePrefix}${file.source}`).save(contentOf(file.size), { resumable: false, validation: false });
  });
}

/** Every object name under a prefix (the library pages through for us). */
export async function listNames(bucket: Bucket, prefix: string): Promise<string[]> {
  const [files] = await bucket.getFiles({ prefix, autoPaginate: true });
  return files.map((file) => file.name);
}

/** Throws unless every file sits at its destination and nothing is left at its source. */
export async function verifyMoved(bucket: Bucket, casePrefix: string, files: readonly FileSpec[], who: string): Promise<void> {
  const names = new Set(await listNames(bucket, casePrefix));
  const missing = files.filter((file) => !names.has(`${casePrefix}${file.destination}`));
  const left = files.filter((file) => names.has(`${casePrefix}${file.source}`));
  if (missing.length > 0 || left.length > 0) {
    throw new Error(`${who}: ${missing.length} files missing at their destination and ${left.length} still at their source after the move`);
  }
}

/** Deletes everything under a prefix, so the emulator's memory does not grow from run to run. */
export async function emptyPrefix(bucket: Bucket, prefix: string): Promise<void> {
  const names = await listNames(bucket, prefix);
  await mapLimited(names, SEED_CONCURRENCY, (name) =>
    bucket
      .file(name)
      .delete({ ignoreNotFound: true })
      .then(() => undefined),
  );
}

/** Cloud Storage requests a Storage client has made, by kind, since it was wrapped. */
export interface RequestCounter {
  snapshot(): Record<string, number>;
  since(before: Record<string, number>): Record<string, number>;
}

/**
 * Counts every request the client builds (JSON API calls, uploads, downloads: Storage-level
 * interceptors see them all), by kind: `rewrite`, `delete`, `get` (an object's metadata or
 * bytes), `list`, `upload`, `other`. Counting at the HTTP layer, not at the port, shows a port
 * call that costs two requests as two.
 */
export function countRequests(storage: Storage): RequestCounter {
  const counts: Record<string, number> = {};
  storage.interceptors.push({
    request: (requestOptions) => {
      const decorated = requestOptions as typeof requestOptions & { method?: string; uri: string };
      const { method = 'GET', uri = '' } = decorated;
      const kind = uri.includes('/rewriteTo/')
        ? 'rewrite'
        : method === 'DELETE'
          ? 'delete'
          : uri.includes('/upload/')
            ? 'upload'
            : method === 'GET' && /\/o\/[^/]/.test(uri)
              ? 'get'
              : method === 'GET' && /\/o\/?$/.test(uri)
                ? 'list'
                : 'other';
      counts[kind] = (counts[kind] ?? 0) + 1;
      return decorated;
    },
  });
  return {
    snapshot: () => ({ ...counts }),
    since: (before) => Object.fromEntries(Object.entries(counts).map(([kind, n]) => [kind, n - (before[kind] ?? 0)])),
  };
}
