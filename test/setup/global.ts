/**
 * Vitest global setup: starts the backends the contract, end-to-end and fault tests need,
 * exports their addresses through the environment the test workers inherit, and stops them.
 * A backend that cannot be started fails the run loudly; tests never fall back to a mock.
 */
import { startFakeGcs } from './fake-gcs.ts';
import { startGcloudEmulators } from './gcloud-emulators.ts';

export type EmulatorName = 'gcs' | 'firestore' | 'pubsub';

function selectedEmulators(): Set<EmulatorName> {
  const raw = (process.env.BAILIFF_EMULATORS ?? 'all').trim();
  if (raw === 'all') return new Set(['gcs', 'firestore', 'pubsub']);
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
    if (wanted.has('gcs')) stops.push(await startFakeGcs());
    const gcloud = [...wanted].filter((name): name is 'firestore' | 'pubsub' => name === 'firestore' || name === 'pubsub');
    if (gcloud.length > 0) stops.push(await startGcloudEmulators(gcloud));
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }
  return async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
}
