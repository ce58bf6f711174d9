/**
 * Runs the ObjectStore contract against both adapters: the local directory directly, and
 * Cloud Storage against both emulators started by test/setup/global.ts — Google's
 * storage-testbench, which enforces every precondition real Cloud Storage does, and
 * fake-gcs-server, which does not (and so documents its gaps).
 *
 * The assertion set per adapter is explicit in the capabilities passed below; see
 * object-store.contract.ts for how an unenforced precondition is pinned as a documented gap.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcsStorage, GcsObjectStore } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';
import { TestbenchMarkersHidden } from '../support/storage-testbench.ts';
import { ALL_PRECONDITIONS, FAITHFUL_LISTING_AND_COPY, describeObjectStoreContract, type ObjectStoreCapabilities } from './object-store.contract.ts';

describeObjectStoreContract(
  'FsObjectStore (local directory)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-fs-store-'));
    const store = new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'metadata') });
    return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { ...ALL_PRECONDITIONS, ...FAITHFUL_LISTING_AND_COPY, rename: true },
);

/**
 * fake-gcs-server v1.56.1 (test/setup/fake-gcs.ts) enforces ifGenerationMatch on uploads only;
 * it reads no precondition on rewrite or delete (fixed upstream after that release, #2343).
 * Real Cloud Storage enforces all of them, and the adapter sends all of them: see the request
 * shapes pinned in shared/adapters/gcp/gcs-object-store.test.ts.
 */
const FAKE_GCS_CAPABILITIES: ObjectStoreCapabilities = {
  copyDestinationPreconditions: false,
  copySourcePreconditions: false,
  deletePreconditions: false,
  rename: false,
  ...FAITHFUL_LISTING_AND_COPY,
};

/**
 * storage-testbench enforces every precondition, but it answers every listing in one page
 * (it has no maxResults or pageToken) and merges the custom metadata a rewrite is given into
 * the source's instead of replacing it. fake-gcs-server covers both of those.
 */
const TESTBENCH_CAPABILITIES: ObjectStoreCapabilities = {
  ...ALL_PRECONDITIONS,
  rename: false,
  listPagination: false,
  copyReplacesMetadata: false,
};

/** A fresh bucket per test on the emulator at `variable`, which names the setup's `emulator`. */
function gcsFixture(variable: string, emulator: string, options: { maxBytesRewrittenPerCall?: number; view?: (store: ObjectStore) => ObjectStore } = {}) {
  return async () => {
    const endpoint = process.env[variable];
    if (!endpoint) {
      throw new Error(
        `${variable} is not set, so that emulator is not running: the Cloud Storage contract cannot run. ` +
          `Run vitest with the default global setup and BAILIFF_EMULATORS=all or a list including ${emulator}.`,
      );
    }
    const storage = createGcsStorage({ apiEndpoint: endpoint, projectId: 'bailiff-test' });
    // A bucket per test keeps tests independent without any clean-up between them.
    const bucketName = `contract-${randomUUID()}`;
    const [bucket] = await storage.createBucket(bucketName);
    const adapter = new GcsObjectStore({
      storage,
      bucket: bucketName,
      ...(options.maxBytesRewrittenPerCall ? { maxBytesRewrittenPerCall: options.maxBytesRewrittenPerCall } : {}),
    });
    return {
      store: options.view ? options.view(adapter) : adapter,
      cleanup: async () => {
        await bucket.deleteFiles({ force: true });
        await bucket.delete();
      },
    };
  };
}

// The smallest rewrite step
// Cloud Storage accepts (1 MiB) makes the suite's larger copies take several rewrite calls.
describeObjectStoreContract(
  'GcsObjectStore (storage-testbench)',
  gcsFixture('STORAGE_TESTBENCH_HOST', 'testbench', { maxBytesRewrittenPerCall: 1_048_576, view: (store) => new TestbenchMarkersHidden(store) }),
  TESTBENCH_CAPABILITIES,
);

describeObjectStoreContract('GcsObjectStore (fake-gcs-server)', gcsFixture('STORAGE_EMULATOR_HOST', 'gcs'), FAKE_GCS_CAPABILITIES);
