/**
 * Every shell block of the README runs as written. The blocks that start Bailiff (`npm ci &&
 * npm start`) are what this test does itself, with `npm start` in a fresh folder that looks like
 * a clone (the repository's code and installed packages, linked; no workspace, no state); the
 * other blocks run there in bash, in order, as a newcomer would paste them into a second
 * terminal. Two things differ from a newcomer's machine, both substituted in the text: the port
 * (a free one instead of 8080, so the test never meets a server someone left running) and
 * nothing else. `set -euo pipefail` makes any command that fails fail the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm, symlink, copyFile, readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface ShellBlock {
  heading: string;
  text: string;
}

/** The ```sh blocks of a Markdown document, each with the section heading it sits under. */
function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('## ')) heading = line.slice(3);
    if (line.trim() !== '```sh') continue;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i]!.trim() !== '```'; i += 1) body.push(lines[i]!);
    blocks.push({ heading, text: body.join('\n') });
  }
  return blocks;
}

const startsBailiff = (block: ShellBlock) => /\bnpm ci\b/.test(block.text);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Only what a newcomer's shell would have: no Bailiff settings, no emulators. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BAILIFF_') || name.endsWith('_EMULATOR_HOST') || name === 'STORAGE_TESTBENCH_HOST') continue;
    env[name] = value;
  }
  return env;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('the README', () => {
  const blocks: ShellBlock[] = [];
  let folder: string;
  let port: number;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  const env = cleanEnvironment();

  beforeAll(async () => {
    blocks.push(...shellBlocks(await readFile(join(repoRoot, 'README.md'), 'utf8')));
    folder = await mkdtemp(join(tmpdir(), 'bailiff-readme-'));
    // A clone as `npm ci` leaves it, without copying the code: what npm start and npx need.
    for (const name of ['functions', 'shared', 'node_modules']) await symlink(join(repoRoot, name), join(folder, name));
    await copyFile(join(repoRoot, 'package.json'), join(folder, 'package.json'));
    port = await freePort();
    server = spawn('npm', ['start'], { cwd: folder, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (health?.ok) break;
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`npm start did not come up:\n${serverOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('starts Bailiff the way it says, and has the walk-through and the sandbox round trip to run', async () => {
    expect(
      blocks
        .filter(startsBailiff)
        .map((block) => block.text)
        .join('\n'),
    ).toContain('npm ci && npm start');
    expect(blocks.filter((block) => !startsBailiff(block)).map((block) => block.heading)).toEqual([
      'Five minutes with Bailiff',
      'The sandbox round trip: pull, run any script, push',
    ]);
    // "It prints development tokens for agent@local, approver@local, ...": the banner follows the listening socket.
    await expect.poll(() => serverOutput, { timeout: 15_000 }).toContain('approver2@local');
  });

  it('runs the five-minute walk-through as written: the plan runs, the audit verifies, the rollback restores intake', async () => {
    const walkThrough = blocks.find((block) => block.heading === 'Five minutes with Bailiff' && !startsBailiff(block))!;
    const { code, out } = await runBash(walkThrough.text.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`), folder, env);
    expect(code, out).toBe(0);
    expect(out).toContain('"status": "succeeded"');
    expect(out).toMatch(/"ok": true/);
    // Refusals the walk-through shows on purpose: the agent approving, applying before approval.
    expect(out).toContain('needs the approver or admin role');
    expect(out).toContain('needs 1 more approval before it can run');
    const files = (await readdir(join(folder, 'workspace/projects/abby-sitgraves'), { recursive: true })).map(String).sort();
    expect(files).toContain(join('intake', 'records_001.pdf'));
    expect(files).not.toContain(join('Police', 'report.pdf'));
  });

  it('runs the sandbox round trip as written, ending with an identical case', async () => {
    const roundTrip = blocks.find((block) => block.heading.startsWith('The sandbox round trip'))!;
    const { code, out } = await runBash(roundTrip.text.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`), folder, env);
    expect(code, out).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('identical');
  });
});
