/**
 * The Firestore and Pub/Sub emulators for the test run, started through the gcloud CLI on free
 * loopback ports. Their addresses reach the test workers through the environment variables
 * the Google client libraries honour (`FIRESTORE_EMULATOR_HOST`, `PUBSUB_EMULATOR_HOST`), and
 * `GOOGLE_CLOUD_PROJECT` names the project the tests use.
 *
 * gcloud is a Python wrapper that starts a Java server as a child of its own, so each emulator
 * runs as a watched process group (test/setup/process-group.ts). gcloud makes a group of its
 * own even when started inside another, so it must be the process spawned there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port.ts';
import { spawnGroup, stopGroup, type ProcessGroup } from './process-group.ts';

export type GcloudEmulatorName = 'firestore' | 'pubsub';

/** The project every emulator-backed test uses; no real project is ever touched. */
export const TEST_PROJECT = 'bailiff-test';

const START_TIMEOUT_MS = 60_000;

interface RunningEmulator {
  name: GcloudEmulatorName;
  group: ProcessGroup;
  host: string;
  dataDir?: string;
}

/**
 * Starts the named emulators in parallel and exports their addresses. Resolves to a function
 * that stops them all, process groups included. Throws with each failing emulator's output if
 * one does not answer within 60 s; whatever did start is stopped first.
 */
export async function startGcloudEmulators(which: Array<GcloudEmulatorName>): Promise<() => Promise<void>> {
  const wanted = [...new Set(which)];
  const started = await Promise.allSettled(wanted.map((name) => startEmulator(name)));
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = started.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(running.map((emulator) => stopEmulator(emulator)));
    throw new Error(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('\n\n'));
  }
  process.env.GOOGLE_CLOUD_PROJECT = TEST_PROJECT;
  for (const emulator of running) {
    if (emulator.name === 'firestore') process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    if (emulator.name === 'pubsub') process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  }
  return async () => {
    delete process.env.FIRESTORE_EMULATOR_HOST;
    delete process.env.PUBSUB_EMULATOR_HOST;
    await Promise.allSettled(running.map((emulator) => stopEmulator(emulator)));
  };
}

async function startEmulator(name: GcloudEmulatorName): Promise<RunningEmulator> {
  const port = await freeLoopbackPort();
  const host = `127.0.0.1:${port}`;
  const dataDir = name === 'pubsub' ? await mkdtemp(join(tmpdir(), 'bailiff-pubsub-')) : undefined;
  const args =
    name === 'firestore'
      ? ['emulators', 'firestore', 'start', `--host-port=${host}`, `--project=${TEST_PROJECT}`, '--quiet']
      : ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--project=${TEST_PROJECT}`, `--data-dir=${dataDir}`, '--quiet'];
  const began = Date.now();
  const output: string[] = [];
  const group = spawnGroup('gcloud', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
      CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    },
  });
  const { child } = group;
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 300) output.shift();
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const emulator: RunningEmulator = { name, group, host, ...(dataDir ? { dataDir } : {}) };
  try {
    await waitUntilAnswering(emulator, output);
  } catch (error) {
    await stopEmulator(emulator);
    throw error;
  }
  process.stderr.write(`[emulators] ${name} ready on ${host} after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
  return emulator;
}

async function waitUntilAnswering(emulator: RunningEmulator, output: string[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exit: string | undefined;
  emulator.group.child.once('exit', (code, signal) => (exit = `exit code ${code ?? 'none'}, signal ${signal ?? 'none'}`));
  emulator.group.child.once('error', (error) => (exit = `could not run gcloud: ${error.message}`));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`the ${emulator.name} emulator stopped during start-up (${exit}):\n${output.join('')}`);
    try {
      // Both emulators answer a plain GET on their root with "Ok" once they serve requests.
      const response = await fetch(`http://${emulator.host}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `the ${emulator.name} emulator did not answer on ${emulator.host} within ${START_TIMEOUT_MS / 1000} s. ` +
      `It needs the gcloud CLI with the ${emulator.name === 'pubsub' ? 'pubsub-emulator' : 'cloud-firestore-emulator'} component and Java 11+; ` +
      `run with BAILIFF_EMULATORS=none to skip every emulator-backed suite. Its output:\n${output.join('')}`,
  );
}

async function stopEmulator(emulator: RunningEmulator): Promise<void> {
  await stopGroup(emulator.group, `the ${emulator.name} emulator`);
  if (emulator.dataDir) await rm(emulator.dataDir, { recursive: true, force: true });
}
