import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'test/bench/**'],
    // Starts fake-gcs-server, storage-testbench and the Firestore and Pub/Sub emulators on free
    // loopback ports (choose with BAILIFF_EMULATORS=none|all|gcs,testbench,firestore,pubsub)
    // and stops them afterwards.
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only fight over them and the emulators.
    maxWorkers: 2,
  },
});
