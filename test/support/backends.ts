/**
 * The real backends the service-level tests run on: the embedded adapters (a temporary
 * directory and SQLite file), and the Google Cloud adapters on the Firestore emulator with
 * Cloud Storage on either emulator the global setup starts — fake-gcs-server, or Google's
 * storage-testbench, which enforces every precondition. Each call gives a fresh, isolated
 * workspace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Firestore } from '@google-cloud/firestore';
import { FsObjectStore } from '../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import { createGcsStorage, GcsObjectStore, type GcsStorageSettings } from '../../shared/adapters/gcp/gcs-object-store.ts';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import type { AuditRecord } from '../../shared/domain/audit.ts';
import type { ObjectStore } from '../../shared/ports/object-store.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';

export interface TestBackend {
  objects: ObjectStore;
  /**
   * The same workspace through a Cloud Storage client with extra settings (retry options,
   * headers such as the testbench's `x-retry-test-id`); only the Google Cloud backends have it.
   */
  objectsWith?(settings: Pick<GcsStorageSettings, 'retryOptions' | 'requestHeaders'>): ObjectStore;
  plans: PlanStore;
  /**
   * Edits (or, when `change` returns undefined, deletes) one stored audit record behind the
   * store's back, the way someone with database access would: for the tamper-detection tests.
   */
  tamperAuditRecord(chain: string, seq: number, change: (record: AuditRecord) => AuditRecord | undefined): Promise<void>;
  cleanup(): Promise<void>;
}

export interface BackendFactory {
  name: string;
  make(): Promise<TestBackend>;
}

export const embeddedBackend: BackendFactory = {
  name: 'embedded',
  async make() {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-test-'));
    const objects = new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'state', 'object-metadata') });
    const plans = new SqlitePlanStore(join(dir, 'state.sqlite'));
    return {
      objects,
      plans,
      async tamperAuditRecord(chain, seq, change) {
        const db = new DatabaseSync(join(dir, 'state.sqlite'));
        try {
          const row = db.prepare('SELECT json FROM audit_records WHERE chain = ? AND seq = ?').get(chain, seq) as { json: string };
          const changed = change(JSON.parse(row.json) as AuditRecord);
          if (changed) db.prepare('UPDATE audit_records SET json = ? WHERE chain = ? AND seq = ?').run(JSON.stringify(changed), chain, seq);
          else db.prepare('DELETE FROM audit_records WHERE chain = ? AND seq = ?').run(chain, seq);
        } finally {
          db.close();
        }
      },
      async cleanup() {
        plans.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: the global test setup did not start that emulator (BAILIFF_EMULATORS=${process.env.BAILIFF_EMULATORS ?? 'all'})`);
  return value;
}

/**
 * Google Cloud adapters with Cloud Storage at the endpoint in `storageVariable`. On the
 * testbench a rewrite is capped at 1 MiB per call, so larger copies take several calls.
 */
function gcpBackendOn(
  name: string,
  storageVariable: string,
  options: { maxBytesRewrittenPerCall?: number; preconditionsEnforced?: boolean } = {},
): BackendFactory {
  return {
    name,
    make: () => makeGcpBackend(requireEnv(storageVariable), options),
  };
}

async function makeGcpBackend(apiEndpoint: string, options: { maxBytesRewrittenPerCall?: number; preconditionsEnforced?: boolean }): Promise<TestBackend> {
  requireEnv('FIRESTORE_EMULATOR_HOST');
  // A project per test isolates Firestore data in the one emulator.
  const projectId = `bailiff-${randomBytes(5).toString('hex')}`;
  const storage = createGcsStorage({ apiEndpoint, projectId });
  const bucket = `ws-${randomBytes(6).toString('hex')}`;
  await storage.createBucket(bucket);
  const firestore = new Firestore({ projectId, ignoreUndefinedProperties: true });
  return {
    objects: new GcsObjectStore({ storage, bucket, ...options }),
    objectsWith: (settings) => new GcsObjectStore({ storage: createGcsStorage({ apiEndpoint, projectId, ...settings }), bucket, ...options }),
    plans: new FirestorePlanStore({ firestore }),
    async tamperAuditRecord(chain, seq, change) {
      // The store's layout: bailiff_audit_chains/k_<chain>/bailiff_audit_records/<seq, 12 digits>.
      const doc = firestore.doc(`bailiff_audit_chains/k_${chain}/bailiff_audit_records/${String(seq).padStart(12, '0')}`);
      const snapshot = await doc.get();
      const changed = change(JSON.parse(snapshot.get('record') as string) as AuditRecord);
      if (changed) await doc.update({ record: JSON.stringify(changed) });
      else await doc.delete();
    },
    async cleanup() {
      await firestore.terminate();
    },
  };
}

/** Cloud Storage on fake-gcs-server: fast, but it ignores preconditions on rewrite and delete. */
export const gcpBackend = gcpBackendOn('gcp-emulators', 'STORAGE_EMULATOR_HOST', { preconditionsEnforced: false });
/** Cloud Storage on Google's storage-testbench: every precondition enforced, rewrites split. */
export const testbenchBackend = gcpBackendOn('gcp-testbench', 'STORAGE_TESTBENCH_HOST', { maxBytesRewrittenPerCall: 1_048_576 });

export const ALL_BACKENDS = [embeddedBackend, gcpBackend, testbenchBackend];
