/**
 * End to end on the embedded default, as a newcomer would use it: the HTTP server over a local
 * directory and SQLite, driven through propose → approve → apply → succeeded, then rollback,
 * checking the files on disk and the audit chain; and a table of bad requests that must each
 * be refused with a precise 4xx while the workspace and the state stay unchanged.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

const TOKENS = {
  'agent-token-0123456789abcdef': { principal: 'agent@firm.example', roles: ['agent'] },
  'approver-token-0123456789abcdef': { principal: 'alice@firm.example', roles: ['approver'] },
  'admin-token-0123456789abcdef': { principal: 'root@firm.example', roles: ['admin'] },
  'scoped-token-0123456789abcdef': { principal: 'scoped@firm.example', roles: ['agent'], cases: ['other-*'] },
};
const AGENT = 'agent-token-0123456789abcdef';
const APPROVER = 'approver-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const SCOPED = 'scoped-token-0123456789abcdef';

let dir: string;
let workspace: string;
let app: EmbeddedApp;
let server: RunningServer;

async function call(method: string, path: string, token: string | undefined, body?: unknown, rawBody?: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined || rawBody !== undefined ? { 'content-type': contentType } : {}),
    },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function waitForStatus(planId: string, statuses: string[]) {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await call('GET', `/plans/${planId}`, AGENT);
    if (statuses.includes(body.plan.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`plan ${planId} never reached ${statuses.join('/')}`);
}

async function treeOf(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}:${await readFile(join(folder, entry.name), 'utf8')}`);
    }
  };
  await walk(root, '');
  return found.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-e2e-'));
  workspace = join(dir, 'workspace');
  const caseDir = join(workspace, 'projects', 'abby-sitgraves');
  await mkdir(join(caseDir, 'intake'), { recursive: true });
  await writeFile(join(caseDir, 'intake', 'records_001.pdf'), 'medical record one');
  await writeFile(join(caseDir, 'intake', 'records_002.pdf'), 'medical record two');
  await writeFile(join(caseDir, 'intake', 'police-report.pdf'), 'police report');
  const config = parseConfig({ BAILIFF_WORKSPACE_DIR: workspace, BAILIFF_STATE_DIR: join(dir, 'state'), BAILIFF_TOKENS: JSON.stringify(TOKENS), PORT: '0' });
  app = buildEmbeddedApp(config, { logger: silentLogger });
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: { api: app.service, review: app.review, identity: app.identity, health: app.health, limits: { maxBodyBytes: 1024 * 1024 }, logger: silentLogger },
  });
});

afterAll(async () => {
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('embedded Bailiff over HTTP', () => {
  it('answers health without a token', async () => {
    const { status, body } = await call('GET', '/health', undefined);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it('proposes, approves, applies, audits and rolls back a reorganisation', async () => {
    const caseDir = join(workspace, 'projects', 'abby-sitgraves');
    const before = await treeOf(caseDir);
    const proposed = await call('POST', '/plans', AGENT, {
      case: 'abby-sitgraves',
      description: 'Sort intake into the firm structure',
      operations: [
        { type: 'create_dir', destination: 'Medical Records/Provider1' },
        { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/Provider1/records_001.pdf' },
        { type: 'move', source: 'intake/records_002.pdf', destination: 'Medical Records/Provider1/records_002.pdf' },
        { type: 'move', source: 'intake/police-report.pdf', destination: 'Police/report.pdf' },
        { type: 'write_file', destination: 'Reports/summary.md', content: '# Summary\n' },
      ],
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.report.valid).toBe(true);
    expect(proposed.body.report.totals).toMatchObject({ operations: 5, actions: 5, objectsCreated: 5 });
    expect(proposed.body.report.diff.removed).toEqual(['intake/police-report.pdf', 'intake/records_001.pdf', 'intake/records_002.pdf']);
    const planId: string = proposed.body.plan.id;

    const selfApproval = await call('POST', `/plans/${planId}/approve`, AGENT, {
      planHash: proposed.body.plan.planHash,
      snapshotHash: proposed.body.report.snapshotHash,
    });
    expect(selfApproval.status).toBe(403);
    const early = await call('POST', `/plans/${planId}/apply`, AGENT);
    expect(early.status).toBe(409);
    expect(early.body.error.details[0].status).toBe('proposed');
    const stale = await call('POST', `/plans/${planId}/approve`, APPROVER, {
      planHash: 'sha256:not-what-was-reviewed',
      snapshotHash: proposed.body.report.snapshotHash,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('hash_mismatch');

    const approved = await call('POST', `/plans/${planId}/approve`, APPROVER, {
      planHash: proposed.body.plan.planHash,
      snapshotHash: proposed.body.report.snapshotHash,
      comment: 'looks right',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.plan.status).toBe('approved');
    const applied = await call('POST', `/plans/${planId}/apply`, AGENT);
    expect(applied.status).toBe(202);
    const done = await waitForStatus(planId, ['succeeded', 'failed']);
    expect(done.plan.status).toBe('succeeded');

    expect(await treeOf(caseDir)).toEqual([
      'Medical Records/Provider1/records_001.pdf:medical record one',
      'Medical Records/Provider1/records_002.pdf:medical record two',
      'Police/report.pdf:police report',
      'Reports/summary.md:# Summary\n',
    ]);
    const audit = await call('GET', `/plans/${planId}/audit`, AGENT);
    const types = audit.body.records?.map((record: { type: string }) => record.type) ?? audit.body.map((record: { type: string }) => record.type);
    expect(types).toEqual(
      expect.arrayContaining(['plan.proposed', 'plan.approved', 'plan.queued', 'lease.acquired', 'plan.running', 'execution.actions', 'plan.succeeded']),
    );
    // The audit file is written once the plan has finished and released its lease.
    await app.queue.idle();
    const copies = (await readdir(join(workspace, '.bailiff', 'audit', 'abby-sitgraves'))).filter((name) => name.startsWith(`${planId}.`));
    expect(copies).toHaveLength(1);
    const auditFile = await readFile(join(workspace, '.bailiff', 'audit', 'abby-sitgraves', copies[0]!), 'utf8');
    expect(auditFile.trim().split('\n').length).toBeGreaterThanOrEqual(7);
    const verified = await call('GET', '/audit/verify', ADMIN);
    expect(verified.body.ok).toBe(true);
    expect((await call('GET', '/audit/verify', AGENT)).status).toBe(403);

    const files = await call('GET', '/cases/abby-sitgraves/files?prefix=Medical%20Records/&recursive=true', APPROVER);
    expect(files.status).toBe(200);
    expect(JSON.stringify(files.body)).toContain('Medical Records/Provider1/records_001.pdf');

    const rollback = await call('POST', `/plans/${planId}/rollback`, AGENT);
    expect(rollback.status).toBe(201);
    expect(rollback.body.report.errors).toEqual([]);
    expect(rollback.body.report.valid).toBe(true);
    const rollbackId = rollback.body.plan.id;
    await call('POST', `/plans/${rollbackId}/approve`, APPROVER, { planHash: rollback.body.plan.planHash, snapshotHash: rollback.body.report.snapshotHash });
    expect((await call('POST', `/plans/${rollbackId}/apply`, AGENT)).status).toBe(202);
    expect((await waitForStatus(rollbackId, ['succeeded', 'failed'])).plan.status).toBe('succeeded');
    expect(await treeOf(caseDir)).toEqual(before);
    expect((await call('GET', `/plans/${planId}`, AGENT)).body.plan.status).toBe('rolled_back');
  });

  it('refuses bad input with a precise 4xx and changes nothing', async () => {
    const caseDir = join(workspace, 'projects', 'abby-sitgraves');
    const treeBefore = await treeOf(caseDir);
    const plansBefore = (await call('GET', '/plans', ADMIN)).body.plans.length;
    const op = (overrides: Record<string, unknown>) => ({
      case: 'abby-sitgraves',
      description: 'bad',
      operations: [{ type: 'write_file', destination: 'x.txt', content: 'x', ...overrides }],
    });
    const cases: Array<{ name: string; token?: string; body?: unknown; raw?: string; contentType?: string; status: number; code: string; path?: string }> = [
      { name: 'malformed JSON', token: AGENT, raw: '{"case": ', status: 400, code: 'invalid_input' },
      { name: 'wrong content type', token: AGENT, raw: 'case=x', contentType: 'text/plain', status: 400, code: 'invalid_input' },
      { name: 'unknown operation type', token: AGENT, body: op({ type: 'chmod' }), status: 400, code: 'invalid_input', path: 'operations.0' },
      { name: 'unknown field', token: AGENT, body: op({ mode: '0777' }), status: 400, code: 'invalid_input', path: 'operations.0' },
      { name: 'missing field', token: AGENT, body: { case: 'abby-sitgraves', operations: [] }, status: 400, code: 'invalid_input', path: 'description' },
      {
        name: 'traversal',
        token: AGENT,
        body: op({ destination: '../other-case/x.txt' }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0.destination',
      },
      {
        name: 'backslash traversal',
        token: AGENT,
        body: op({ destination: '..\\x.txt' }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0.destination',
      },
      {
        name: 'encoded traversal',
        token: AGENT,
        body: op({ destination: '%2e%2e/x.txt' }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0.destination',
      },
      { name: 'fullwidth dots', token: AGENT, body: op({ destination: '．．/x.txt' }), status: 400, code: 'invalid_input', path: 'operations.0.destination' },
      { name: 'absolute path', token: AGENT, body: op({ destination: '/etc/passwd' }), status: 400, code: 'invalid_input', path: 'operations.0.destination' },
      { name: 'NUL byte', token: AGENT, body: op({ destination: 'a\u0000b.txt' }), status: 400, code: 'invalid_input', path: 'operations.0.destination' },
      { name: 'CR/LF', token: AGENT, body: op({ destination: 'a\r\nb.txt' }), status: 400, code: 'invalid_input', path: 'operations.0.destination' },
      {
        name: 'over-long name',
        token: AGENT,
        body: op({ destination: `${'a'.repeat(200)}/${'b'.repeat(200)}/${'c'.repeat(200)}/${'d'.repeat(200)}/${'e'.repeat(250)}` }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0.destination',
      },
      {
        name: 'system prefix',
        token: AGENT,
        body: op({ destination: '.bailiff/backups/x' }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0.destination',
      },
      { name: 'case escaping projects/', token: AGENT, body: { ...op({}), case: '../.bailiff' }, status: 400, code: 'invalid_input', path: 'case' },
      {
        name: 'restore is internal',
        token: AGENT,
        body: op({ type: 'restore', backup: '.bailiff/backups/x', destination: 'x' }),
        status: 400,
        code: 'invalid_input',
        path: 'operations.0',
      },
      { name: 'oversized body', token: AGENT, raw: JSON.stringify(op({ content: 'x'.repeat(1024 * 1024) })), status: 413, code: 'payload_too_large' },
      { name: 'no token', body: op({}), status: 401, code: 'unauthenticated' },
      { name: 'bad token', token: 'not-a-token-at-all-000000', body: op({}), status: 401, code: 'unauthenticated' },
      { name: 'approver cannot propose', token: APPROVER, body: op({}), status: 403, code: 'forbidden' },
      { name: 'case out of scope', token: SCOPED, body: op({}), status: 403, code: 'forbidden' },
    ];
    for (const testCase of cases) {
      const { status, body } = await call('POST', '/plans', testCase.token, testCase.body, testCase.raw, testCase.contentType);
      expect(status, testCase.name).toBe(testCase.status);
      expect(body.error.code, testCase.name).toBe(testCase.code);
      expect(body.error.message.length, testCase.name).toBeGreaterThan(0);
      expect(JSON.stringify(body), testCase.name).not.toMatch(/at .*\.ts:\d+|token-0123456789/);
      if (testCase.path) expect(body.error.details.map((detail: { path: string }) => detail.path).join(' '), testCase.name).toContain(testCase.path);
    }
    expect(await treeOf(caseDir)).toEqual(treeBefore);
    expect((await call('GET', '/plans', ADMIN)).body.plans.length).toBe(plansBefore);
    await expect(stat(join(workspace, 'projects', 'other-case'))).rejects.toThrow();
  });
});
