/** Seeding, checking and emptying prefixes of the fake-gcs-server bucket, outside any timing. */
import type { Bucket } from '@google-cloud/storage';
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
  await mapLimited(names, SEED_CONCURRENCY, (name) => bucket.file(name).delete({ ignoreNotFound: true }).then(() => undefined));
}
