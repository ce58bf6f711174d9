/**
 * No path leaves its case, whatever is on disk: the embedded workspace holds a folder link from
 * one case into another (`smith-v-jones/doelink -> ../doe-v-roe`), a link out of the workspace
 * (`smith-v-jones/outlink -> <elsewhere>`), a file link into the other case, and a case folder
 * that is itself a link (`projects/smith-alias -> doe-v-roe`). Every HTTP route that takes a
 * case or a path, and every plan operation (and a rollback), is tried through them by an agent
 * scoped to `smith-*` and by approvers who approve whatever validates: nothing in doe-v-roe or
 * outside the workspace changes, and no answer discloses a byte or a name from there.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

const AGENT = 'agent-token-0123456789abcdef';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const TOKENS = {
  [AGENT]: { principal: 'agent@firm.example', roles: ['agent'], cases: ['smith-*'] },
  [ALICE]: { principal: 'alice@firm.example', roles: ['approver'] },
  [BOB]: { principal: 'bob@firm.example', roles: ['approver'] },
};
const CASE = 'smith-v-jones';
/** Words that exist only behind the links: no answer may ever carry them. */
const SECRETS = ['DOE-PRIVILEGED-CONTENT', 'doe-hidden-witness', 'OUTSIDE-PAYROLL-CONTENT', 'outside-hidden-ledger'];

let dir: string;
let workspace: string;
let elsewhere: string;
let doe: string;
let app: EmbeddedApp;
let server: RunningServer;
const answers: string[] = [];

async function call(method: string, path: string, token: string, body?: unknown, raw?: Buffer) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(raw === undefined ? {} : { 'content-type': 'text/plain' }),
    },
    body: raw ? new Uint8Array(raw) : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  answers.push(text);
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as any, text };
}

/** Every entry under `root` as lstat sees it (type, mode, size, content hash or link target). */
async function fingerprint(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function visit(path: string, rel: string): Promise<void> {
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) out[rel] = `link ${await readlink(path)}`;
    else if (stats.isDirectory()) {
      out[rel] = `dir ${stats.mode}`;
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry), `${rel}/${entry}`);
    } else
      out[rel] = `file ${stats.mode} ${stats.ino} ${stats.mtimeMs} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`;
  }
  await visit(root, '.');
  return out;
}

let doeBefore: Record<string, string>;
let elsewhereBefore: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-symlinks-'));
  workspace = join(dir, 'workspace');
  elsewhere = join(dir, 'elsewhere-outside-the-workspace');
  const smith = join(workspace, 'projects', CASE);
  doe = join(workspace, 'projects', 'doe-v-roe');
  await mkdir(join(smith, 'notes'), { recursive: true });
  await mkdir(join(doe, 'notes'), { recursive: true });
  await mkdir(elsewhere, { recursive: true });
  await writeFile(join(smith, 'a.txt'), 'smith file');
  await writeFile(join(doe, 'memo.txt'), 'DOE-PRIVILEGED-CONTENT memo');
  await writeFile(join(doe, 'doe-hidden-witness.txt'), 'DOE-PRIVILEGED-CONTENT witness');
  await writeFile(join(doe, 'notes', 'n.txt'), 'DOE-PRIVILEGED-CONTENT note');
  await writeFile(join(elsewhere, 'payroll.txt'), 'OUTSIDE-PAYROLL-CONTENT');
  await writeFile(join(elsewhere, 'outside-hidden-ledger.txt'), 'OUTSIDE-PAYROLL-CONTENT ledger');
  await symlink('../doe-v-roe', join(smith, 'doelink'));
  await symlink(elsewhere, join(smith, 'outlink'));
  await symlink('../doe-v-roe/memo.txt', join(smith, 'memo-link.txt'));
  await symlink('doe-v-roe', join(workspace, 'projects', 'smith-alias'));
  await symlink('../..', join(smith, 'everything'));
  const config = parseConfig({ BAILIFF_WORKSPACE_DIR: workspace, BAILIFF_STATE_DIR: join(dir, 'state'), BAILIFF_TOKENS: JSON.stringify(TOKENS), PORT: '0' });
  app = buildEmbeddedApp(config, { logger: silentLogger });
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api: app.service,
      review: app.review,
      content: app.content,
      targets: app.targets,
      identity: app.identity,
      health: app.health,
      limits: { maxBodyBytes: 1024 * 1024 },
      logger: silentLogger,
    },
  });
  doeBefore = await fingerprint(doe);
  elsewhereBefore = await fingerprint(elsewhere);
});

afterAll(async () => {
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitUntilFinished(planId: string): Promise<string> {
  for (let i = 0; i < 400; i += 1) {
    const { body } = await call('GET', `/plans/${planId}`, AGENT);
    if (['succeeded', 'failed', 'rolled_back'].includes(body.plan.status)) return body.plan.status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`plan ${planId} never finished`);
}

/**
 * Proposes, and if the dry run lets it, approves (two people, in case a rule asks for two) and
 * applies: the worst an agent and trusting approvers can do. Returns how far it got.
 */
async function pushThrough(proposal: { status: number; body: any }): Promise<string> {
  if (proposal.status !== 201) return `refused ${proposal.status}`;
  if (!proposal.body.report.valid) return 'invalid';
  const id: string = proposal.body.plan.id;
  const reviewed = { planHash: proposal.body.plan.planHash, snapshotHash: proposal.body.report.snapshotHash };
  if (proposal.body.plan.status !== 'approved') {
    for (const approver of [ALICE, BOB]) {
      const approved = await call('POST', `/plans/${id}/approve`, approver, reviewed);
      if (approved.status === 200 && approved.body.plan.status === 'approved') break;
    }
  }
  const applied = await call('POST', `/plans/${id}/apply`, AGENT);
  if (applied.status !== 202) return `apply refused ${applied.status}`;
  return waitUntilFinished(id);
}

async function propose(operations: unknown[]) {
  return call('POST', '/plans', AGENT, { case: CASE, description: 'through a link', operations });
}

async function expectNothingOutsideChanged(): Promise<void> {
  expect(await fingerprint(doe)).toEqual(doeBefore);
  expect(await fingerprint(elsewhere)).toEqual(elsewhereBefore);
  for (const answer of answers) {
    for (const secret of SECRETS) expect(answer).not.toContain(secret);
    expect(answer).not.toContain(basename(elsewhere));
  }
}

describe('the embedded store never follows a symbolic link', () => {
  it('lists a case without what lies behind its links', async () => {
    for (const path of [`/cases/${CASE}/files`, `/cases/${CASE}/files?recursive=true`, `/cases/${CASE}/snapshot`]) {
      const listed = await call('GET', path, AGENT);
      expect(listed.status).toBe(200);
      expect(listed.text).toContain('a.txt');
    }
    for (const prefix of ['doelink/', 'outlink/', 'everything/', 'everything/projects/doe-v-roe/']) {
      const listed = await call('GET', `/cases/${CASE}/files?recursive=true&prefix=${encodeURIComponent(prefix)}`, AGENT);
      if (listed.status === 200) expect(listed.body.files).toEqual([]);
      else expect(listed.status).toBe(400);
    }
    await expectNothingOutsideChanged();
  });

  it('reads nothing through a link, by any read route', async () => {
    for (const path of [
      'doelink/memo.txt',
      'doelink/doe-hidden-witness.txt',
      'outlink/payroll.txt',
      'memo-link.txt',
      'everything/projects/doe-v-roe/memo.txt',
    ]) {
      for (const route of ['files/content', 'files/text']) {
        const read = await call('GET', `/cases/${CASE}/${route}?path=${encodeURIComponent(path)}`, AGENT);
        expect([400, 404]).toContain(read.status);
        if (read.status === 400) expect(read.body.error.message).toMatch(/symbolic link/);
      }
    }
    await expectNothingOutsideChanged();
  });

  it('refuses a case folder that is a link, for every case route', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/cases/smith-alias/files'],
      ['GET', '/cases/smith-alias/files?recursive=true'],
      ['GET', '/cases/smith-alias/snapshot'],
      ['GET', '/cases/smith-alias/files/content?path=memo.txt'],
      ['GET', '/cases/smith-alias/files/text?path=memo.txt'],
    ];
    for (const [method, path] of routes) {
      const answer = await call(method, path, AGENT);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.message).toMatch(/symbolic link/);
    }
    const proposal = await call('POST', '/plans', AGENT, {
      case: 'smith-alias',
      description: 'delete through an alias',
      operations: [{ type: 'delete', source: 'memo.txt' }],
    });
    expect(await pushThrough(proposal)).not.toBe('succeeded');
    const fromCommands = await call('POST', '/plans/from-commands', AGENT, {
      case: 'smith-alias',
      description: 'rm through an alias',
      commands: 'rm memo.txt',
    });
    expect(await pushThrough(fromCommands)).not.toBe('succeeded');
    await expectNothingOutsideChanged();
  });

  it('carries out no plan operation through a link: create_dir, write_file, copy, move, delete', async () => {
    const attempts: unknown[][] = [
      [{ type: 'create_dir', path: 'doelink/planted/' }],
      [{ type: 'create_dir', path: 'outlink/planted/' }],
      [{ type: 'write_file', destination: 'doelink/planted.txt', content: 'written by the agent' }],
      [{ type: 'write_file', destination: 'outlink/planted.txt', content: 'written by the agent' }],
      [{ type: 'write_file', destination: 'doelink/memo.txt', content: 'overwritten', overwrite: true }],
      [{ type: 'write_file', destination: 'memo-link.txt', content: 'overwritten', overwrite: true }],
      [{ type: 'copy', source: 'a.txt', destination: 'doelink/copied.txt' }],
      [{ type: 'copy', source: 'a.txt', destination: 'outlink/copied.txt' }],
      [{ type: 'copy', source: 'doelink/memo.txt', destination: 'stolen.txt' }],
      [{ type: 'copy', source: 'memo-link.txt', destination: 'stolen.txt' }],
      [{ type: 'copy', source: 'outlink/payroll.txt', destination: 'stolen.txt' }],
      [{ type: 'move', source: 'a.txt', destination: 'doelink/moved.txt' }],
      [{ type: 'move', source: 'a.txt', destination: 'everything/projects/doe-v-roe/moved.txt' }],
      [{ type: 'move', source: 'doelink/memo.txt', destination: 'stolen.txt' }],
      [{ type: 'move', source: 'outlink/payroll.txt', destination: 'stolen.txt' }],
      [{ type: 'move', source: 'doelink/', destination: 'stolen/' }],
      [{ type: 'delete', source: 'doelink/memo.txt' }],
      [{ type: 'delete', source: 'outlink/payroll.txt' }],
      [{ type: 'delete', source: 'memo-link.txt' }],
      [{ type: 'delete', source: 'doelink/' }],
      [{ type: 'delete', source: 'everything/' }],
    ];
    for (const operations of attempts) {
      const outcome = await pushThrough(await propose(operations));
      expect(outcome, JSON.stringify(operations)).not.toBe('succeeded');
    }
    // Through blobs and shell lines too.
    const content = Buffer.from('blob content');
    const declared = await call('POST', `/cases/${CASE}/blobs`, AGENT, {
      md5: createHash('md5').update(content).digest('hex'),
      size: content.length,
      contentType: 'text/plain',
    });
    expect(declared.status).toBe(200);
    const uploaded = await call('PUT', declared.body.upload.url, AGENT, undefined, content);
    expect(uploaded.status).toBe(201);
    expect(await pushThrough(await propose([{ type: 'write_file', destination: 'doelink/from-blob.txt', blob: declared.body.blob }]))).not.toBe('succeeded');
    // A target state: the snapshot as it is, plus the blob placed behind the link.
    const snapshot = await call('GET', `/cases/${CASE}/snapshot`, AGENT);
    const base = snapshot.body.objects.map((entry: any) => ({ path: entry.path, generation: entry.generation }));
    const target = [
      ...snapshot.body.objects.map((entry: any) => ({ path: entry.path, size: entry.size, md5: entry.md5 })),
      { path: 'doelink/from-target.txt', size: content.length, md5: createHash('md5').update(content).digest('hex'), blob: declared.body.blob },
    ];
    const targeted = await call('POST', '/plans', AGENT, { case: CASE, description: 'target through a link', base, target });
    expect(targeted.status, targeted.text).toBe(201);
    expect(await pushThrough(targeted)).not.toBe('succeeded');
    const commands = await call('POST', '/plans/from-commands', AGENT, {
      case: CASE,
      description: 'shell through a link',
      commands: 'mkdir doelink/x\ncp a.txt doelink/y.txt\nmv doelink/memo.txt z.txt',
    });
    expect(await pushThrough(commands)).not.toBe('succeeded');
    // The smith file is still there, untouched by the refused moves.
    expect(await readFile(join(workspace, 'projects', CASE, 'a.txt'), 'utf8')).toBe('smith file');
    await expectNothingOutsideChanged();
  });

  it('refuses a plan through a link at its dry run, saying why, before anyone approves it', async () => {
    for (const [operations, path] of [
      [[{ type: 'write_file', destination: 'doelink/x.txt', content: 'x' }], 'doelink/x.txt'],
      [[{ type: 'copy', source: 'a.txt', destination: 'outlink/a.txt' }], 'outlink/a.txt'],
      [[{ type: 'delete', source: 'memo-link.txt' }], 'memo-link.txt'],
      [[{ type: 'create_dir', destination: 'everything/projects/doe-v-roe/planted' }], 'everything/projects/doe-v-roe/planted/'],
    ] as const) {
      const proposal = await propose([...operations]);
      expect(proposal.status, proposal.text).toBe(201);
      expect(proposal.body.report.valid).toBe(false);
      expect(proposal.body.report.errors).toEqual([
        expect.objectContaining({ code: 'symbolic_link', path, message: expect.stringMatching(/is a symbolic link, which Bailiff never follows/) }),
      ]);
    }
    await expectNothingOutsideChanged();
  });

  it('refuses a name written in NFD at the dry run, saying why, and leaves it alone', async () => {
    const nfd = join(workspace, 'projects', CASE, 'Mu\u0308ller.txt');
    await writeFile(nfd, 'written by macOS');
    try {
      for (const operations of [
        [{ type: 'write_file', destination: 'M\u00fcller.txt', content: 'x' }],
        [{ type: 'delete', source: 'Mu\u0308ller.txt' }],
        [{ type: 'move', source: 'M\u00fcller.txt', destination: 'mueller.txt' }],
      ]) {
        const proposal = await propose(operations);
        expect(proposal.status, proposal.text).toBe(201);
        expect(proposal.body.report.errors).toEqual([
          expect.objectContaining({ code: 'name_not_nfc', message: expect.stringMatching(/another Unicode normalisation/) }),
        ]);
      }
      expect(await readFile(nfd, 'utf8')).toBe('written by macOS');
    } finally {
      await rm(nfd);
    }
  });

  it('rolls nothing back through a folder that became a link', async () => {
    const written = await propose([{ type: 'write_file', destination: 'notes/n.txt', content: 'smith note' }]);
    expect(await pushThrough(written)).toBe('succeeded');
    const smithNotes = join(workspace, 'projects', CASE, 'notes');
    await rm(smithNotes, { recursive: true });
    await symlink('../doe-v-roe/notes', smithNotes);
    const rollback = await call('POST', `/plans/${written.body.plan.id}/rollback`, AGENT);
    expect(await pushThrough(rollback)).not.toBe('succeeded');
    await expectNothingOutsideChanged();
  });
});
