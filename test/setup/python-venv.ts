/**
 * Python virtual environments for the tools the tests run on (Google's storage testbench,
 * Schemathesis, the agent package's pytest suite): created under `<repo>/.tools/venvs/<name>`
 * from PyPI with the machine's `python3`, and reused while their requirements are unchanged.
 *
 * A venv records what it was built from in a stamp file; a different requirement list (a new
 * pin) rebuilds it from scratch, so a stale environment never passes for the pinned one.
 * Failures throw with pip's output: a suite that needs Python must never run without it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface PythonVenv {
  /** The venv's folder. */
  dir: string;
  /** Its python interpreter. */
  python: string;
  /** Its `bin` folder, to put first on a child's PATH. */
  bin: string;
}

/**
 * Makes sure `.tools/venvs/<name>` exists with exactly `requirements` installed (pip
 * requirement specifiers, local paths included) and returns it.
 */
export async function ensurePythonVenv(name: string, requirements: readonly string[]): Promise<PythonVenv> {
  const dir = join(repoRoot, '.tools', 'venvs', name);
  const bin = join(dir, 'bin');
  const venv: PythonVenv = { dir, bin, python: join(bin, 'python') };
  const stampFile = join(dir, 'bailiff-requirements.txt');
  const wanted = `${[...requirements].join('\n')}\n`;
  if (existsSync(venv.python) && existsSync(stampFile) && (await readFile(stampFile, 'utf8')) === wanted) return venv;
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(repoRoot, '.tools', 'venvs'), { recursive: true });
  await run('python3', ['-m', 'venv', dir], `create the ${name} venv`);
  await run(
    venv.python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', ...requirements],
    `install ${requirements.join(' ')} into the ${name} venv`,
  );
  await writeFile(stampFile, wanted);
  return venv;
}

/** Runs a command to completion; a non-zero exit throws with its output. */
export function run(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.on('error', (error) => reject(new Error(`could not ${what}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`could not ${what} (\`${command} ${args.join(' ')}\` exited ${code}):\n${output.join('').slice(-4000)}`));
    });
  });
}
