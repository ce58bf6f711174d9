/** What run.ts hands every scenario: options, the started backends and the result sink. */
import type { Firestore } from '@google-cloud/firestore';
import type { Storage } from '@google-cloud/storage';
import type { Results } from './results.ts';

/** The Google Cloud project every emulator client of the bench uses. */
export const BENCH_PROJECT_ID = 'bailiff-bench';

export interface BenchOptions {
  runs: number;
  quick: boolean;
}

export interface BenchContext extends BenchOptions {
  /** A scratch directory for this bench run, removed at the end. */
  workDir: string;
  results: Results;
  /** fake-gcs-server, when a scenario that needs it was selected. */
  gcs?: { storage: Storage; endpoint: string };
  /** Google's storage-testbench (every precondition enforced), when selected. */
  testbench?: { storage: Storage; endpoint: string };
  /** The Firestore emulator's client, when selected. */
  firestore?: Firestore;
  /** Versions of the tools compared against, for the report. */
  versions: Record<string, string>;
}

/** The order contenders run in, rotated each run so none always goes first (cold caches) or last. */
export function rotate<T>(items: readonly T[], run: number): T[] {
  const shift = run % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
