/**
 * Runs the PlanStore contract against every adapter: the embedded SQLite store (in memory and
 * on a file) and the Firestore store against the emulator the global setup started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
