/**
 * Runs the PlanStore contract against every adapter: the embedded SQLite store (in memory and
 * on a file) and the Firestore store against the emulator the global setup started. Without
 * the emulator the Firestore tests fail; they never fall back to anything else.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll } from 'vitest';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import { planStoreContract } from './plan-store.contract.ts';

planStoreContract('SQLite in memory', async () => {
  const store = new SqlitePlanStore(':memory:');
  return { store, dispose: async () => store.close() };
});

planStoreContract('SQLite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bailiff-sqlite-'));
  const store = new SqlitePlanStore(join(dir, 'state.db'));
  return {
    store,
    dispose: async () => {
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

let firestore: Firestore | undefined;
afterAll(async () => {
  await firestore?.terminate();
});

planStoreContract('Firestore (emulator)', async () => {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including firestore so the global setup starts the emulator');
  }
  firestore ??= new Firestore({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'bailiff-test' });
  // A fresh collection prefix per test keeps each test's plans, chains and leases to itself.
  const store = new FirestorePlanStore({ firestore, collectionPrefix: `t${randomBytes(6).toString('hex')}` });
  return { store, dispose: async () => {} };
});
