/**
 * The agent package's pytest suite (`agent/tests`): builds `.tools/venvs/agent` from
 * `agent/requirements-test.txt` (the one place its pins live) plus the package itself, editable,
 * then runs pytest there. The tests start their own embedded Bailiff with the Node.js this
 * process runs on (`BAILIFF_NODE`), so nothing else needs to be up.
 *
 * `npm test` runs this beside vitest (test/run.ts); `npm run test:python` runs it alone.
 * pytest's exit codes pass through unchanged: 5 (no tests collected) is a failure like any other.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePythonVenv, repoRoot } from './python-venv.ts';

export const agentDir = join(repoRoot, 'agent');

export interface PytestRun {
  /** pytest's exit code, or 1 when the environment could not be built. */
  exitCode: number;
  /** Everything pip and pytest printed, for a runner that shows it in one piece. */
  output: string;
}

/** The pinned requirement lines, then the package itself (editable, so edits need no rebuild). */
export async function agentRequirements(): Promise<string[]> {
  const text = await readFile(join(agentDir, 'requirements-test.txt'), 'utf8');
  const pins = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
  return [...pins, '-e', agentDir];
}

/**
 * Runs the suite. `junitFile` asks pytest for a JUnit XML report (what `.ci/run` counts);
 * `inherit` streams output to this terminal instead of collecting it.
 */
export async function runAgentPytest(options: { junitFile?: string; inherit?: boolean; args?: readonly string[] } = {}): Promise<PytestRun> {
  let venv;
  try {
    venv = await ensurePythonVenv('agent', await agentRequirements());
  } catch (error) {
    return { exitCode: 1, output: `could not build the agent package's Python environment: ${error instanceof Error ? error.message : String(error)}\n` };
  }
  const args = ['-m', 'pytest', '-p', 'no:cacheprovider', ...(options.junitFile ? [`--junitxml=${options.junitFile}`] : []), ...(options.args ?? [])];
  const env = { ...process.env, BAILIFF_NODE: process.execPath, PATH: `${venv.bin}:${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' };
  return new Promise((resolve) => {
    const output: string[] = [];
    const child = spawn(venv.python, args, { cwd: agentDir, env, stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.on('error', (error) => resolve({ exitCode: 1, output: `could not start pytest: ${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ exitCode: code ?? 1, output: output.join('') + (signal ? `pytest ended by ${signal}\n` : '') }));
  });
}

if (import.meta.main) {
  const run = await runAgentPytest({ inherit: true, args: process.argv.slice(2) });
  if (run.output) process.stderr.write(run.output);
  process.exit(run.exitCode);
}
