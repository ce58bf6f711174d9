/**
 * Restart after a kill, at once: the whole `npm start` process group is SIGKILLed and a new
 * `npm start` is launched on the same directories at once (the same event-loop turn), before the dead
 * processes are reaped. A process that holds no lock (dead, or a zombie nobody has reaped)
 * must never block a start, so each of the 20 starts must come up and serve. A second live
 * server on the same state directory is still refused.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../setup/free-port.ts';
import { spawnGroup, stopGroup, type ProcessGroup } from '../setup/process-group.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = 20;
const TOKEN = 'admin-token-for-the-restart-test';

const dirs: string[] = [];
const groups: ProcessGroup[] = [];
afterAll(async () => {
  for (const group of groups) await stopGroup(group, 'npm start');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Started {
  group: ProcessGroup;
  output: () => string;
}

function startServer(env: Record<string, string>): Started {
  const group = spawnGroup('npm', ['start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.push(group);
  let output = '';
  group.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  group.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { group, output: () => output };
}

/** Resolves once the server answers /health, or throws with its output if it exits first. */
async function waitUntilServing(started: Started, url: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (started.group.child.exitCode !== null) throw new Error(`npm start exited with ${started.group.child.exitCode}: ${started.output()}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`npm start did not answer within 15 s: ${started.output()}`);
}

describe('restart after SIGKILL of the process group', () => {
  it(`starts again at once, ${ROUNDS} times in a row, and still refuses a second live server`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-restart-at-once-'));
    dirs.push(dir);
    await mkdir(join(dir, 'workspace', 'projects'), { recursive: true });
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: JSON.stringify({ [TOKEN]: { principal: 'root@restart', roles: ['admin'] } }),
      LOG_LEVEL: 'warn',
    };

    let current = startServer(env);
    await waitUntilServing(current, url);

    // A second server on the same state directory, while the first lives: refused, and says why.
    const second = startServer({ ...env, PORT: String(await freeLoopbackPort()) });
    const secondExit = await new Promise<number | null>((resolve) => second.group.child.once('exit', resolve));
    expect(secondExit).not.toBe(0);
    expect(second.output()).toMatch(/state directory .* is in use/);

    // Each restart is spawned in the same turn of the event loop as the kill, so the dead server
    // cannot have been reaped yet (Node reaps a child when it handles SIGCHLD, in a later turn):
    // its pid may still be present, which is what a pid-file lock tripped over. That, not a
    // figure in milliseconds (a spawn on a busy machine takes what it takes), is the race.
    const reapedBeforeRestart: boolean[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const killed = current.group.child;
      let reaped = false;
      killed.once('exit', () => {
        reaped = true;
      });
      process.kill(-killed.pid!, 'SIGKILL');
      current = startServer(env);
      reapedBeforeRestart.push(reaped);
      await waitUntilServing(current, url);
    }
    expect(reapedBeforeRestart).toEqual(Array.from({ length: ROUNDS }, () => false));
    // The last server is the one that serves, and it answers an authenticated call.
    const verified = await fetch(`${url}/audit/verify`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(verified.status).toBe(200);
  }, 300_000);
});
