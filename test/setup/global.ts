/**
 * Vitest global setup: starts the backends the contract, end-to-end and fault tests need,
 * exports their addresses through the environment the test workers inherit, and stops them.
 * A backend that cannot be started fails the run loudly; tests never fall back to a mock.
 */
import { startFakeGcs } from './fake-gcs.ts';
import { startGcloudEmulators } from './gcloud-emulators.ts';
import { startStorageTestbench } from './storage-testbench.ts';

/** `gcs` is fake-gcs-server, `testbench` Google's storage-testbench (both Cloud Storage). */
export type EmulatorName = 'gcs' | 'testbench' | 'firestore' | 'pubsub';

function selectedEmulators(): Set<EmulatorName> {
  const raw = (process.env.BAILIFF_EMULATORS ?? 'all').trim();
  if (raw === 'all') return new Set(['gcs', 'testbench', 'firestore', 'pubsub']);
  if (raw === 'none' || raw === '') return new Set();
  return new Set(raw.split(',').map((name) => name.trim() as EmulatorName));
}

export default async function setup(): Promise<() => Promise<void>> {
  // The Google client libraries otherwise probe the GCE metadata server for credentials they
  // never use against emulators; tests send traffic to loopback only. Workers and the function
  // processes the end-to-end test starts inherit this.
  process.env.METADATA_SERVER_DETECTION = 'none';
  const wanted = selectedEmulators();
  const stops: Array<() => Promise<void>> = [];
  try {
    // Started side by side: each mostly waits for its own process to come up.
    const gcloud = [...wanted].filter((name): name is 'firestore' | 'pubsub' => name === 'firestore' || name === 'pubsub');
    const starts = [
      ...(wanted.has('gcs') ? [startFakeGcs()] : []),
      ...(wanted.has('testbench') ? [startStorageTestbench()] : []),
      ...(gcloud.length > 0 ? [startGcloudEmulators(gcloud)] : []),
    ];
    const started = await Promise.allSettled(starts);
    for (const result of started) if (result.status === 'fulfilled') stops.push(result.value);
    const failed = started.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failed.length > 0) throw new Error(failed.map((reason) => (reason instanceof Error ? reason.message : String(reason))).join('\n\n'));
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
  return async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
}
