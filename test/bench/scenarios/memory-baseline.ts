/**
 * Part of scenario 4: the resident memory of each way Bailiff is started, before any work —
 * the embedded server (`npm start`'s functions/start.ts, which files the first run's sample
 * case) and the two Cloud functions under the functions framework (which build their app on
 * the first request, so this is what an instance holds while idle before it). Read from
 * /proc/<pid>/status a second after the process is ready: VmRSS (now) and VmHWM (its peak).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../../setup/free-port.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FRAMEWORK = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
const SETTLE_MS = 1_000;
const READY_TIMEOUT_MS = 60_000;

export interface Baseline {
  what: string;
  rssKiB: number;
  hwmKiB: number;
}

async function statusKiB(pid: number): Promise<{ rssKiB: number; hwmKiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(/^(\w+):\s+(\d+) kB$/m.exec(status.split('\n').find((line) => line.startsWith(`${name}:`)) ?? '')?.[2] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** Waits until `ready()` holds, or fails with what the child printed. */
async function waitFor(child: ChildProcess, output: string[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited before it was ready: ${output.join('').slice(-2000)}`);
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready within ${READY_TIMEOUT_MS} ms: ${output.join('').slice(-2000)}`);
}

/** A TCP connection only: an HTTP request would be work (the functions build their app on the first one). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function measure(what: string, command: string[], env: NodeJS.ProcessEnv, ready: (output: string[]) => Promise<boolean>): Promise<Baseline> {
  const output: string[] = [];
  const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  try {
    await waitFor(child, output, () => ready(output));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { what, ...(await statusKiB(child.pid!)) };
  } finally {
    await stop(child);
  }
}

/** The embedded server and both functions, each started fresh, nothing asked of them. */
export async function measureBaselines(): Promise<Baseline[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bailiff-bench-baseline-'));
  try {
    const embedded = await measure(
      'embedded server (npm start), after start-up and the sample case',
      [join(ROOT, 'functions', 'start.ts')],
      { PORT: String(await freeLoopbackPort()), BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state'), LOG_LEVEL: 'error' },
      async (output) => output.join('').includes('Bailiff is running at'),
    );
    const functions: Baseline[] = [];
    for (const target of ['api', 'executor'] as const) {
      const port = await freeLoopbackPort();
      const args = [FRAMEWORK, `--target=${target}`, `--source=${join(ROOT, 'functions', 'index.ts')}`, `--port=${port}`];
      if (target === 'executor') args.push('--signature-type=cloudevent');
      functions.push(
        await measure(`${target} function (functions framework), listening, no request yet`, args, { NODE_ENV: 'production' }, () => listening(port)),
      );
    }
    return [embedded, ...functions];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
