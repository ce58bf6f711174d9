/**
 * Process-level chaos, embedded: `npm start`'s server runs a 4,000-operation plan (moves,
 * copies, overwrites with backups, deletes and new files) and is killed with SIGKILL at random
 * instants, then started again on the same workspace and state each time; afterwards the
 * rollback of that plan gets the same treatment. Each plan must end `succeeded`, the workspace
 * must be exactly what the plan promised (object by object, by content hash), every backup must
 * hold what it replaced, and a restarted server must resume at once rather than wait out the dead
 * process's lease.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../setup/free-port.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CASE = 'chaos-v-order';
const AGENT = 'agent-token-for-the-chaos-test';
const APPROVER = 'approver-token-for-the-chaos-test';
const SECOND_APPROVER = 'partner-token-for-the-chaos-test';
const TOKENS = JSON.stringify({
  [AGENT]: { principal: 'agent@chaos', roles: ['agent'] },
  [APPROVER]: { principal: 'approver@chaos', roles: ['approver'] },
  [SECOND_APPROVER]: { principal: 'partner@chaos', roles: ['approver'] },
});
const MOVES = 2500;
const NOTES = 500;
const REPORTS = 500;

const dirs: string[] = [];
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const scan = (i: number) => `scan ${i} ${'x'.repeat(i % 97)}`;
const note = (i: number) => `note ${i} ${'y'.repeat(i % 89)}`;

function operations(): unknown[] {
  const ops: unknown[] = [];
  for (let i = 0; i < MOVES; i += 1) ops.push({ type: 'move', source: `intake/f${i}.pdf`, destination: `sorted/${i % 20}/f${i}.pdf` });
  for (let i = 0; i < NOTES; i += 1) ops.push({ type: 'copy', source: `notes/n${i}.txt`, destination: `copies/n${i}.txt` });
  for (let i = 0; i < NOTES / 2; i += 1) ops.push({ type: 'write_file', destination: `notes/n${i}.txt`, content: `rewritten ${i}`, overwrite: true });
  for (let i = NOTES / 2; i < NOTES; i += 1) ops.push({ type: 'delete', source: `notes/n${i}.txt` });
  for (let i = 0; i < REPORTS; i += 1) ops.push({ type: 'write_file', destination: `reports/r${i}.md`, content: `# report ${i}\n` });
  return ops;
}

const digest = (content: string | Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 16);

function initialState(): Map<string, string> {
  const state = new Map<string, string>();
  for (let i = 0; i < MOVES; i += 1) state.set(`intake/f${i}.pdf`, digest(scan(i)));
  for (let i = 0; i < NOTES; i += 1) state.set(`notes/n${i}.txt`, digest(note(i)));
  return state;
}

function promisedState(): Map<string, string> {
  const state = new Map<string, string>();
  for (let i = 0; i < MOVES; i += 1) state.set(`sorted/${i % 20}/f${i}.pdf`, digest(scan(i)));
  for (let i = 0; i < NOTES; i += 1) state.set(`copies/n${i}.txt`, digest(note(i)));
  for (let i = 0; i < NOTES / 2; i += 1) state.set(`notes/n${i}.txt`, digest(`rewritten ${i}`));
  for (let i = 0; i < REPORTS; i += 1) state.set(`reports/r${i}.md`, digest(`# report ${i}\n`));
  return state;
}

/** path → content hash of every file of the case, read from the disk itself. */
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

const sorted = (map: Map<string, string>) => new Map([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

class Server {
  child: ChildProcess | undefined;
  readonly url: string;
  readonly env: Record<string, string>;

  constructor(port: number, dir: string) {
    this.url = `http://127.0.0.1:${port}`;
    this.env = {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: TOKENS,
      LOG_LEVEL: 'error',
    };
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(repoRoot, 'functions', 'start.ts')], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let i = 0; i < 400; i += 1) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${this.url}/health`).then(
        (response) => response.status < 500,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the server did not answer: ${stderr}`);
  }

  async kill(): Promise<void> {
    const child = this.child!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    children.delete(child);
  }

  async call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }
}

/** Approves and applies `planId`, killing the server at random instants until the plan has finished. */
async function runThroughKills(
  server: Server,
  planId: string,
  reviewed: { planHash: string; snapshotHash: string },
  maxKills: number,
  resumeTimes: number[],
): Promise<{ kills: number; status: string }> {
  const approved = await server.call(APPROVER, 'POST', `/plans/${planId}/approve`, reviewed);
  expect(approved.status).toBe(200);
  // Removing thousands of objects needs a second person under the default policy.
  if (approved.body.decisions.approvals.remaining > 0)
    expect((await server.call(SECOND_APPROVER, 'POST', `/plans/${planId}/approve`, reviewed)).status).toBe(200);
  expect((await server.call(AGENT, 'POST', `/plans/${planId}/apply`)).status).toBe(202);
  let kills = 0;
  for (;;) {
    // Kills come every 0.05–0.25 s of resumed work: often enough that a plan the executor
    // finishes in a couple of seconds still meets all of them.
    const deadline = Date.now() + (kills < maxKills ? 50 + Math.floor(Math.random() * 200) : 600_000);
    let status = 'queued';
    while (Date.now() < deadline) {
      status = (await server.call(AGENT, 'GET', `/plans/${planId}`)).body.plan.status;
      if (status === 'succeeded' || status === 'failed') return { kills, status };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await server.kill();
    kills += 1;
    const restartedAt = Date.now();
    await server.start();
    // Resumed work: the plan is running again under a new lease, recorded after the restart.
    for (;;) {
      const audit = (await server.call(AGENT, 'GET', `/plans/${planId}/audit`)).body.records as Array<{ type: string; at: string }>;
      const resumed = audit.find((record) => (record.type === 'plan.resumed' || record.type === 'plan.running') && Date.parse(record.at) >= restartedAt - 5);
      const finished = audit.find((record) => (record.type === 'plan.succeeded' || record.type === 'plan.failed') && Date.parse(record.at) >= restartedAt - 5);
      // A plan that finished in the instant between the last poll and the kill has nothing to resume.
      const endedBeforeKill = !resumed && !finished && audit.some((record) => record.type === 'plan.succeeded' || record.type === 'plan.failed');
      if (endedBeforeKill) break;
      if (resumed || finished) {
        resumeTimes.push(Date.parse((resumed ?? finished)!.at) - restartedAt);
        break;
      }
      if (Date.now() - restartedAt > 60_000) {
        const plan = (await server.call(AGENT, 'GET', `/plans/${planId}`)).body.plan as { status: string };
        throw new Error(
          `the plan did not resume within a minute of the restart (kill ${kills}, status ${plan.status}; last records: ${audit
            .slice(-4)
            .map((record) => `${record.type}@${record.at}`)
            .join(', ')}; restarted ${new Date(restartedAt).toISOString()})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('embedded server killed with SIGKILL during a 4,000-operation plan and its rollback', () => {
  it('ends each plan succeeded with nothing lost, duplicated or corrupted, every backup present, and resumes at once', { timeout: 900_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-chaos-'));
    dirs.push(dir);
    const caseDir = join(dir, 'workspace', 'projects', CASE);
    for (const folder of ['intake', 'notes']) await mkdir(join(caseDir, folder), { recursive: true });
    for (let i = 0; i < MOVES; i += 1) await writeFile(join(caseDir, 'intake', `f${i}.pdf`), scan(i));
    for (let i = 0; i < NOTES; i += 1) await writeFile(join(caseDir, 'notes', `n${i}.txt`), note(i));
    expect(await caseOnDisk(caseDir)).toEqual(sorted(initialState()));

    const server = new Server(await freeLoopbackPort(), dir);
    await server.start();
    const resumeTimes: number[] = [];
    try {
      const proposed = await server.call(AGENT, 'POST', '/plans', { case: CASE, description: 'chaos: file everything', operations: operations() });
      expect(proposed.status).toBe(201);
      expect(proposed.body.report.errors).toEqual([]);
      const planId: string = proposed.body.plan.id;
      const first = await runThroughKills(
        server,
        planId,
        { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash },
        7,
        resumeTimes,
      );
      const view = (await server.call(AGENT, 'GET', `/plans/${planId}`)).body;
      expect(`${first.status} ${view.execution?.lastError ?? ''}`).toBe('succeeded ');
      expect(await caseOnDisk(caseDir)).toEqual(sorted(promisedState()));
      // Every overwrite and delete kept what it replaced, byte for byte.
      const backups = await caseOnDisk(join(dir, 'workspace', '.bailiff', 'backups', planId));
      const backedUp = new Map([...backups].map(([path, hash]) => [path.replace(/^\d+\/projects\/[^/]+\//, ''), hash]));
      for (let i = 0; i < NOTES; i += 1) expect(backedUp.get(`notes/n${i}.txt`), `backup of notes/n${i}.txt`).toBe(digest(note(i)));
      expect(backups.size).toBe(NOTES);

      const rollback = await server.call(AGENT, 'POST', `/plans/${planId}/rollback`);
      expect(rollback.status).toBe(201);
      expect(rollback.body.report.errors).toEqual([]);
      const second = await runThroughKills(
        server,
        rollback.body.plan.id,
        { planHash: rollback.body.plan.planHash, snapshotHash: rollback.body.report.snapshotHash },
        7,
        resumeTimes,
      );
      expect(second.status).toBe('succeeded');
      expect(await caseOnDisk(caseDir)).toEqual(sorted(initialState()));
      const kills = first.kills + second.kills;
      expect(kills).toBeGreaterThanOrEqual(10);
      // The dead process's lease (60 s by default) is never waited out: resuming takes seconds.
      // (The figure itself, under 2 s on an idle machine, is printed and reported in the bench notes.)
      expect(Math.max(...resumeTimes)).toBeLessThan(15_000);
      const ordered = [...resumeTimes].sort((a, b) => a - b);
      console.info(
        `[process chaos] embedded: ${kills} SIGKILLs over two 4,000-operation plans (${first.kills} + ${second.kills}); ${promisedState().size} objects and ${NOTES} backups checked after the plan, ${initialState().size} after its rollback; restart to resumed work: median ${ordered[Math.floor(ordered.length / 2)]} ms, max ${ordered.at(-1)} ms`,
      );
    } finally {
      if (server.child && server.child.exitCode === null) await server.kill();
    }
  });
});
