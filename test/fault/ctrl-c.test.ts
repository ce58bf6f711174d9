/**
 * Ctrl-C during a run: `npm start` applies a plan long enough to still be running when the
 * signal comes. A terminal's Ctrl-C sends SIGINT to the whole foreground process group (npm and
 * node); a supervisor sends SIGTERM to npm alone. Either way the server must stop starting
 * actions, journal what finished, release its lease as `continued` and exit by itself within
 * 5 s, with no second signal. The next start resumes the plan, which ends succeeded with the
 * case exactly as promised.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../setup/free-port.ts';
import { spawnGroup, stopGroup, type ProcessGroup } from '../setup/process-group.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CASE = 'ctrl-c-v-run';
const AGENT = 'agent-token-for-the-ctrl-c-test';
const APPROVER = 'approver-token-for-the-ctrl-c-test';
const SECOND_APPROVER = 'partner-token-for-the-ctrl-c-test';
const FILES = 3000;

const dirs: string[] = [];
const groups: ProcessGroup[] = [];
afterAll(async () => {
  for (const group of groups) await stopGroup(group, 'npm start');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const scan = (i: number) => `scan ${i} ${'x'.repeat(i % 97)}`;
const digest = (content: string | Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 16);

async function caseOnDisk(caseDir: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else state.set(relative(caseDir, path), digest(await readFile(path)));
    }
  };
  await walk(caseDir);
  return new Map([...state].sort(([a], [b]) => (a < b ? -1 : 1)));
}

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

async function waitUntilServing(started: Started, url: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (started.group.child.exitCode !== null) throw new Error(`npm start exited with ${started.group.child.exitCode}: ${started.output()}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`npm start did not answer within 30 s: ${started.output()}`);
}

/** True once no process of the group is left (npm and the server it started). */
function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe.each([
  { signal: 'SIGINT' as const, to: 'group' as const, what: 'Ctrl-C (SIGINT to the process group)' },
  { signal: 'SIGTERM' as const, to: 'npm' as const, what: 'SIGTERM to npm' },
])('$what while a plan runs', ({ signal, to }) => {
  it('hands over, exits within 5 s by itself, and the next start finishes the plan with nothing lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-ctrl-c-'));
    dirs.push(dir);
    const caseDir = join(dir, 'workspace', 'projects', CASE);
    await mkdir(join(caseDir, 'intake'), { recursive: true });
    for (let i = 0; i < FILES; i += 1) await writeFile(join(caseDir, 'intake', `f${i}.pdf`), scan(i));
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: JSON.stringify({
        [AGENT]: { principal: 'agent@ctrl-c', roles: ['agent'] },
        [APPROVER]: { principal: 'approver@ctrl-c', roles: ['approver'] },
        [SECOND_APPROVER]: { principal: 'partner@ctrl-c', roles: ['approver'] },
      }),
      // One at a time in small batches: the plan is still running when the signal comes.
      BAILIFF_EXECUTOR_CONCURRENCY: '1',
      BAILIFF_EXECUTOR_MAX_CONCURRENCY: '1',
      BAILIFF_JOURNAL_BATCH: '20',
      LOG_LEVEL: 'warn',
    };
    let server = startServer(env);
    await waitUntilServing(server, url);

    const operations = Array.from({ length: FILES }, (_, i) => ({ type: 'move', source: `intake/f${i}.pdf`, destination: `sorted/${i % 10}/f${i}.pdf` }));
    const proposed = await call(url, AGENT, 'POST', '/plans', { case: CASE, description: 'file the intake', operations });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const planId: string = proposed.body.plan.id;
    const reviewed = { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash };
    expect((await call(url, APPROVER, 'POST', `/plans/${planId}/approve`, reviewed)).status).toBe(200);
    // Moving thousands of objects away needs a second person under the default policy.
    expect((await call(url, SECOND_APPROVER, 'POST', `/plans/${planId}/approve`, reviewed)).status).toBe(200);
    expect((await call(url, AGENT, 'POST', `/plans/${planId}/apply`)).status).toBe(202);
    // Wait until actions are being journaled, so the signal lands in the middle of the work.
    for (let i = 0; ; i += 1) {
      const results = (await call(url, AGENT, 'GET', `/plans/${planId}/results?limit=1000`)).body;
      if (results.actions.filter((action: { outcome?: string }) => action.outcome).length >= 40) break;
      if (i > 600) throw new Error(`the plan did not start: ${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await call(url, AGENT, 'GET', `/plans/${planId}`)).body.plan.status).toBe('running');

    const pid = server.group.child.pid!;
    const sent = performance.now();
    process.kill(to === 'group' ? -pid : pid, signal);
    while (!groupGone(pid) && performance.now() - sent < 15_000) await new Promise((resolve) => setTimeout(resolve, 25));
    const exitMs = performance.now() - sent;
    expect(groupGone(pid), `still running 15 s after ${signal}: ${server.output()}`).toBe(true);
    expect(exitMs, server.output()).toBeLessThan(5_000);
    expect(server.output()).not.toMatch(/shutting down; deliver again/);

    server = startServer(env);
    await waitUntilServing(server, url);
    const audit = (await call(url, AGENT, 'GET', `/plans/${planId}/audit`)).body.records as Array<{ type: string; data: Record<string, unknown> }>;
    const leases = audit.filter((record) => record.type.startsWith('lease.'));
    // The handed-over lease is released `continued`; the restart never has to take one over.
    expect(leases.map((record) => `${record.type} ${String(record.data.outcome ?? '')}`.trim()).slice(0, 2)).toEqual([
      'lease.acquired',
      'lease.released continued',
    ]);
    expect(leases.some((record) => record.type === 'lease.taken_over' || record.type === 'lease.expired')).toBe(false);

    let status = 'running';
    for (let i = 0; i < 1200 && status !== 'succeeded' && status !== 'failed'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await call(url, AGENT, 'GET', `/plans/${planId}`)).body.plan.status;
    }
    expect(status).toBe('succeeded');
    const expected = new Map(
      Array.from({ length: FILES }, (_, i) => [`sorted/${i % 10}/f${i}.pdf`, digest(scan(i))] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    expect(await caseOnDisk(caseDir)).toEqual(expected);
    console.info(`[ctrl-c] ${signal} to ${to}: exited in ${Math.round(exitMs)} ms; resumed and finished ${FILES} moves after the restart`);
  }, 180_000);
});
