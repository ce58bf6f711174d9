/**
 * `npm test` after the type-check: the vitest suites and the agent package's pytest suite, side
 * by side (pytest takes well under a minute and mostly waits on its own embedded server, so it
 * finishes long before vitest's emulator suites and costs the run no time).
 *
 * Arguments go to vitest, so `.ci/run` can still ask for its JSON report. The pytest JUnit
 * report goes to `BAILIFF_PYTEST_JUNIT` when it is set. pytest's output is printed in one
 * piece when it ends, so it never interleaves with vitest's. Exits non-zero when either suite
 * fails, collects no test, or cannot start.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './setup/python-venv.ts';
import { runAgentPytest } from './setup/pytest.ts';

function runVitest(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const junitFile = process.env.BAILIFF_PYTEST_JUNIT;
const [vitestCode, pytest] = await Promise.all([
  runVitest(process.argv.slice(2)),
  runAgentPytest(junitFile ? { junitFile: join(process.cwd(), junitFile) } : {}).then((run) => {
    process.stdout.write(`\n──── pytest: the agent package (agent/tests), exit ${run.exitCode} ────\n${run.output}────\n`);
    return run;
  }),
]);
// pytest usually ends first, so its block scrolls away: repeat its verdict below vitest's.
const verdict = pytest.output.trim().split('\n').at(-1)?.replace(/=+/g, '').trim() ?? '';
process.stdout.write(`\npytest (agent/tests): ${verdict || 'no output'} (exit ${pytest.exitCode})\n`);
process.exit(vitestCode !== 0 ? vitestCode : pytest.exitCode);
