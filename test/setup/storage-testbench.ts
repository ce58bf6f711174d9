/**
 * Google's storage-testbench for the test run: the Cloud Storage emulator Google's own client
 * libraries run their conformance and retry tests against. Its address reaches the workers as
 * `STORAGE_TESTBENCH_HOST` (`http://127.0.0.1:<port>`); tests pass it to `createGcsStorage` as
 * the endpoint. (`STORAGE_EMULATOR_HOST` stays fake-gcs-server's.)
 *
 * Why a second Cloud Storage emulator: it enforces every precondition Bailiff relies on —
 * `ifGenerationMatch` on uploads, rewrites and deletes, `ifSourceGenerationMatch` on rewrites
 * — which fake-gcs-server v1.56.1 does not; it splits a rewrite into several calls when
 * `maxBytesRewrittenPerCall` asks for it; and its Retry Test API injects the faults real Cloud
 * Storage produces (503/429, connection resets, broken streams) per JSON API method. So it
 * carries the ObjectStore contract, the fault suite and the functions end-to-end test.
 * fake-gcs-server stays for what it still does better: it is several times faster (Go, no
 * Python worker), so the benchmarks and the broad crash sweep run on it, and it is a second,
 * independent implementation of the JSON API the adapter must also work against.
 *
 * Where it comes from: it is not on PyPI, so the project keeps an unmodified copy next to the
 * repository (`../shared/vendor/storage-testbench`, see the README there). Installing writes
 * into the source tree, so the source is first copied into `.tools/`, under a folder named by
 * a hash of its contents: a changed copy gives a new requirement, which rebuilds the venv.
 *
 * It runs as one gunicorn worker (its state is in memory) with 10 threads, as
 * `testbench_run.py <host> <port> 10` would start it, but called directly without that
 * script's `--reload` file watcher and access log, which cost CPU on a shared machine and
 * nothing here needs. gunicorn forks its worker, so the server runs as a watched process group.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { freeLoopbackPort } from './free-port.ts';
import { spawnGroup, stopGroup } from './process-group.ts';
import { ensurePythonVenv, repoRoot } from './python-venv.ts';

const START_TIMEOUT_MS = 60_000;
// Node keeps an idle connection for 5 s before closing it; gunicorn's default of 2 s closes
// connections the client is about to reuse, which resets requests at random. Cloud Storage
// keeps idle connections far longer than clients do; so does the testbench here. (Resets on
// purpose come from the Retry Test API.)
const KEEP_ALIVE_SECONDS = 30;
const VENDORED = join('shared', 'vendor', 'storage-testbench');

/**
 * Starts the testbench, exports `STORAGE_TESTBENCH_HOST`, and returns a function that stops it.
 * Throws, naming what is missing, when it cannot be installed or does not answer.
 */
export async function startStorageTestbench(): Promise<() => Promise<void>> {
  const began = Date.now();
  const source = await preparedSource();
  const venv = await ensurePythonVenv('storage-testbench', [source]);
  const port = await freeLoopbackPort();
  const host = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const group = spawnGroup(
    join(venv.bin, 'gunicorn'),
    [
      `--bind=127.0.0.1:${port}`,
      '--worker-class=sync',
      '--threads=10',
      '--workers=1',
      `--keep-alive=${KEEP_ALIVE_SECONDS}`,
      '--log-level=warning',
      'testbench:run()',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${venv.bin}:${process.env.PATH ?? ''}` } },
  );
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  group.child.stdout?.on('data', remember);
  group.child.stderr?.on('data', remember);
  try {
    await waitUntilAnswering(group.child, host, output);
  } catch (error) {
    await stopGroup(group, 'storage-testbench');
    throw error;
  }
  process.env.STORAGE_TESTBENCH_HOST = host;
  process.stderr.write(`[emulators] storage-testbench ready on ${host} after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
  return async () => {
    delete process.env.STORAGE_TESTBENCH_HOST;
    await stopGroup(group, 'storage-testbench');
  };
}

/** The vendored copy, beside this checkout or beside the main checkout of this git worktree. */
function vendoredSource(): string {
  const candidates = [join(repoRoot, '..', VENDORED)];
  try {
    const commonDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    candidates.push(join(dirname(commonDir), '..', VENDORED));
  } catch {
    // Not a git checkout: only the first candidate applies.
  }
  const found = candidates.find((candidate) => existsSync(join(candidate, 'testbench_run.py')));
  if (!found) {
    throw new Error(
      `storage-testbench is required for the Cloud Storage tests and was not found at ${candidates.join(' or ')}. ` +
        "It is Google's github.com/googleapis/storage-testbench, kept as an unmodified copy in ../shared/vendor/ next to the repository. " +
        'BAILIFF_EMULATORS can leave it out (e.g. gcs,firestore,pubsub), and the suites that need it then fail.',
    );
  }
  return found;
}

/** Copies the vendored source into `.tools/storage-testbench-src/<content hash>` once. */
async function preparedSource(): Promise<string> {
  const vendored = vendoredSource();
  const hash = createHash('sha256');
  for (const file of await filesUnder(vendored)) {
    hash
      .update(relative(vendored, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  const parent = join(repoRoot, '.tools', 'storage-testbench-src');
  const target = join(parent, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(target, 'testbench_run.py'))) {
    await rm(parent, { recursive: true, force: true });
    await cp(vendored, target, { recursive: true });
  }
  return target;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function waitUntilAnswering(child: ReturnType<typeof spawnGroup>['child'], host: string, output: string[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `exit code ${code ?? 'none'}, signal ${signal ?? 'none'}`));
  child.once('error', (error) => (exit = `could not run gunicorn: ${error.message}`));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`storage-testbench stopped during start-up (${exit}):\n${output.join('')}`);
    try {
      // It answers "OK" on its root once it serves requests.
      const response = await fetch(`${host}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`storage-testbench did not answer on ${host} within ${START_TIMEOUT_MS / 1000} s:\n${output.join('')}`);
}
