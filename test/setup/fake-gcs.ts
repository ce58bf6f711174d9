/**
 * fake-gcs-server for the test run: installs the pinned version into `<repo>/.tools/bin` with
 * `go install`, starts it in memory on a free loopback port, and exports its address as
 * `STORAGE_EMULATOR_HOST`, which test workers inherit and `@google-cloud/storage` honours.
 *
 * Why this version: v1.56.1 is the newest tag the Go module proxy serves. It enforces
 * `ifGenerationMatch` (including `0`) on every upload path — simple, multipart and resumable
 * (fsouza/fake-gcs-server#2260, #2308) — atomically under the memory backend's lock. It does
 * NOT read preconditions on rewrite/copy (neither `ifGenerationMatch` nor
 * `ifSourceGenerationMatch`) or on delete: that support landed in #2343 after the last
 * release. The contract suite encodes exactly this (see `FAKE_GCS_CAPABILITIES` in
 * test/contract/object-store.test.ts); when a newer tag ships, bump the version here and the
 * suite's "documents a gap" tests fail until the capabilities are switched on.
 *
 * Where it still earns its place beside Google's storage-testbench (storage-testbench.ts),
 * which enforces all of those: speed — the fault suite's broad crash sweep and `npm run bench`
 * run here, several times faster than on the testbench's Python server — and listing pages
 * and copy metadata, which it implements as Cloud Storage does and the testbench does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from './free-port.ts';

/** The fake-gcs-server release the contract suite was verified against. */
export const FAKE_GCS_VERSION = 'v1.56.1';
const MODULE = 'github.com/fsouza/fake-gcs-server';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const binDir = join(repoRoot, '.tools', 'bin');
const binary = join(binDir, process.platform === 'win32' ? 'fake-gcs-server.exe' : 'fake-gcs-server');
// The binary does not report its own version, so the install records it beside the binary.
const stampFile = join(binDir, 'fake-gcs-server.version');

/**
 * Starts fake-gcs-server and returns a function that stops it.
 * Throws with the reason and the server's output when it cannot be installed or started:
 * the GCS contract tests must never silently run without it.
 */
export async function startFakeGcs(): Promise<() => Promise<void>> {
  await ensureInstalled();
  const port = await freeLoopbackPort();
  const host = `127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn(
    binary,
    ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-public-host', host, '-backend', 'memory', '-log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  try {
    await waitUntilHealthy(child, `http://${host}`, output);
  } catch (error) {
    await stop(child);
    throw error;
  }
  process.env.STORAGE_EMULATOR_HOST = `http://${host}`;
  return async () => {
    delete process.env.STORAGE_EMULATOR_HOST;
    await stop(child);
  };
}

async function ensureInstalled(): Promise<void> {
  const stamp = await readFile(stampFile, 'utf8').catch(() => '');
  if (stamp.trim() === FAKE_GCS_VERSION && existsSync(binary)) return;
  await mkdir(binDir, { recursive: true });
  const target = `${MODULE}@${FAKE_GCS_VERSION}`;
  const { code, output } = await run('go', ['install', target], { ...process.env, GOBIN: binDir });
  if (code !== 0 || !existsSync(binary)) {
    throw new Error(
      `fake-gcs-server ${FAKE_GCS_VERSION} is required for the Cloud Storage tests and could not be installed.\n` +
        `Ran: GOBIN=${binDir} go install ${target} (exit ${code ?? 'none'}).\n` +
        `Install Go 1.26 or newer (what this version's go.mod asks for) and let it reach the Go module ` +
        `proxy. BAILIFF_EMULATORS=none starts no emulator, and the suites that need this one then fail.\n${output}`,
    );
  }
  await writeFile(stampFile, `${FAKE_GCS_VERSION}\n`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // A missing `go` surfaces as a spawn error, not an exit code.
    child.on('error', (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function waitUntilHealthy(child: ChildProcess, baseUrl: string, output: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`fake-gcs-server exited during start-up:\n${output.join('')}`);
    try {
      const response = await fetch(`${baseUrl}/storage/v1/b`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fake-gcs-server did not answer at ${baseUrl} within 20 s:\n${output.join('')}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
