/**
 * Ethical walls end to end, on the embedded server: plans proposed and approved before the
 * policy gained a wall; then Bailiff restarts with the wall, which withdraws the walled
 * approver's pending approval. A walled admin (every role gate passes) then gets 404 from every
 * route, MCP tool and CLI verb for the walled case and its plans, and sees none of its plans
 * in listings; each refusal is audited on the case's chain with the wall's reason; someone the
 * wall does not name still gets in.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../functions/local.ts';
import { BailiffClient } from '../../shared/client/index.ts';
import { EXIT } from '../../shared/cli/context.ts';
import { COMMANDS, runCli } from '../../shared/cli/program.ts';
import { parseConfig } from '../../shared/config.ts';
import { ROUTES } from '../../shared/http/routes.ts';
import { silentLogger } from '../../shared/logging.ts';
import { TOOLS } from '../../shared/mcp/tools.ts';

const TOKENS = {
  agent: 'agent-token-0123456789abcdef',
  alice: 'alice-token-0123456789abcdef',
  bob: 'bob-token-0123456789abcdef',
  carol: 'carol-token-0123456789abcdef',
  root: 'root-token-0123456789abcdef',
} as const;
const TOKEN_TABLE = {
  [TOKENS.agent]: { principal: 'agent@firm.example', roles: ['agent'] },
  [TOKENS.alice]: { principal: 'alice@firm.example', roles: ['approver'] },
  [TOKENS.bob]: { principal: 'bob@firm.example', roles: ['approver'] },
  // Carol may do everything, anywhere, but the wall names her.
  [TOKENS.carol]: { principal: 'carol@firm.example', roles: ['admin'] },
  [TOKENS.root]: { principal: 'root@firm.example', roles: ['admin'] },
};
const REASON = 'conflict check 2026-114';
const WALLED = 'doe-smith';

let dir: string;
let server: LocalServer;
let executed: string;
let pending: string;

function start(policy?: object): Promise<LocalServer> {
  const env: Record<string, string> = {
    BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKEN_TABLE),
    PORT: '0',
  };
  if (policy) env.BAILIFF_POLICY_FILE = join(dir, 'policy.json');
  return startLocalServer(parseConfig(env), { logger: silentLogger });
}

async function api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function proposeApproved(operations: unknown[], comment: string): Promise<{ id: string; planHash: string; snapshotHash: string }> {
  const proposed = await api(TOKENS.agent, 'POST', '/plans', { case: WALLED, description: comment, operations });
  expect(proposed.status).toBe(201);
  const reviewed = { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash };
  const approved = await api(TOKENS.alice, 'POST', `/plans/${proposed.body.plan.id}/approve`, { ...reviewed, comment });
  expect(approved.body.plan.status).toBe('approved');
  return { id: proposed.body.plan.id, ...reviewed };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-walls-'));
  for (const caseName of [WALLED, 'roe-v-wade']) {
    await mkdir(join(dir, 'workspace', 'projects', caseName, 'intake'), { recursive: true });
    await writeFile(join(dir, 'workspace', 'projects', caseName, 'intake', 'a.txt'), 'a document');
  }
  // Before the wall: one plan approved by Alice and run, one approved by her and waiting.
  server = await start();
  const first = await proposeApproved([{ type: 'move', source: 'intake/a.txt', destination: 'sorted/a.txt' }], 'sort');
  expect((await api(TOKENS.agent, 'POST', `/plans/${first.id}/apply`)).status).toBe(202);
  for (let i = 0; i < 100 && (await api(TOKENS.agent, 'GET', `/plans/${first.id}`)).body.plan.status !== 'succeeded'; i += 1)
    await new Promise((resolve) => setTimeout(resolve, 50));
  executed = first.id;
  pending = (await proposeApproved([{ type: 'write_file', destination: 'notes.txt', content: 'notes' }], 'notes')).id;
  await server.stop();
  // The firm's policy gains a wall (ids written as someone typed them: compared canonically).
  await writeFile(
    join(dir, 'policy.json'),
    JSON.stringify({ version: 'walls-1', walls: [{ cases: 'doe-*', exclude: ['Alice@Firm.example', ' carol@firm.example'], reason: REASON }] }),
  );
  server = await start({});
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a policy change applies walls to plans already proposed', () => {
  it("withdraws the walled approver's pending approval, audited with the wall's reason", async () => {
    const view = await api(TOKENS.root, 'GET', `/plans/${pending}`);
    expect(view.body.plan.status).toBe('proposed');
    expect(view.body.plan.approval).toBeUndefined();
    const audit = await api(TOKENS.root, 'GET', `/plans/${pending}/audit`);
    const withdrawn = audit.body.records.find((record: any) => record.type === 'plan.approval_withdrawn');
    expect(withdrawn.data.approvers).toEqual(['alice@firm.example']);
    expect(withdrawn.data.reason).toContain(REASON);
    // The plan that already ran keeps its history.
    expect((await api(TOKENS.root, 'GET', `/plans/${executed}`)).body.plan.status).toBe('succeeded');
  });
});

describe('a walled principal gets 404 from every route for the walled case', () => {
  const blob = 'md5-0cc175b9c0f1b6a831c399e269772661-1';
  const request: Record<string, () => { method: string; path: string; body?: unknown } | 'not about one case' | 'public'> = {
    getHealth: () => 'public',
    getOpenApiDocument: () => 'public',
    listCaseFiles: () => ({ method: 'GET', path: `/cases/${WALLED}/files` }),
    readFileContent: () => ({ method: 'GET', path: `/cases/${WALLED}/files/content?path=sorted/a.txt` }),
    getFileHistory: () => ({ method: 'GET', path: `/cases/${WALLED}/files/history?path=sorted/a.txt` }),
    snapshotCase: () => ({ method: 'GET', path: `/cases/${WALLED}/snapshot` }),
    declareBlob: () => ({
      method: 'POST',
      path: `/cases/${WALLED}/blobs`,
      body: { md5: '0cc175b9c0f1b6a831c399e269772661', size: 1, contentType: 'text/plain' },
    }),
    uploadBlob: () => ({ method: 'PUT', path: `/cases/${WALLED}/blobs/${blob}`, body: 'a' }),
    readCaseFileText: () => ({ method: 'GET', path: `/cases/${WALLED}/files/text?path=sorted/a.txt` }),
    proposePlan: () => ({ method: 'POST', path: '/plans', body: { case: WALLED, description: 'x', operations: [{ type: 'create_dir', destination: 'x' }] } }),
    proposePlanFromCommands: () => ({ method: 'POST', path: '/plans/from-commands', body: { case: WALLED, description: 'x', commands: 'mkdir x' } }),
    listPlans: () => ({ method: 'GET', path: `/plans?case=${WALLED}` }),
    getPlan: () => ({ method: 'GET', path: `/plans/${executed}` }),
    validatePlan: () => ({ method: 'POST', path: `/plans/${pending}/validate` }),
    approvePlan: () => ({ method: 'POST', path: `/plans/${pending}/approve`, body: { planHash: 'sha256:x', snapshotHash: 'sha256:y' } }),
    rejectPlan: () => ({ method: 'POST', path: `/plans/${pending}/reject`, body: { reason: 'no' } }),
    applyPlan: () => ({ method: 'POST', path: `/plans/${pending}/apply` }),
    rollbackPlan: () => ({ method: 'POST', path: `/plans/${executed}/rollback` }),
    getPlanAudit: () => ({ method: 'GET', path: `/plans/${executed}/audit` }),
    verifyAudit: () => 'not about one case',
    releaseCaseLease: () => ({ method: 'DELETE', path: `/cases/${WALLED}/lease` }),
    setCaseFileHold: () => ({ method: 'POST', path: `/cases/${WALLED}/holds`, body: { path: 'sorted/a.txt', kind: 'temporary', held: true } }),
    whoAmI: () => 'not about one case',
    getInbox: () => ({ method: 'GET', path: `/inbox?case=${WALLED}` }),
    getPlanDecisions: () => ({ method: 'GET', path: `/plans/${executed}/decisions` }),
    getPlanOperations: () => ({ method: 'GET', path: `/plans/${executed}/operations` }),
    getPlanResults: () => ({ method: 'GET', path: `/plans/${executed}/results` }),
  };

  it('has a case for every route of the table', () => {
    expect(Object.keys(request).sort()).toEqual(ROUTES.map((route) => route.operationId).sort());
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}`, async () => {
      const spec = request[route.operationId]!();
      if (typeof spec === 'string') return;
      const walled = await api(TOKENS.carol, spec.method, spec.path, spec.body);
      expect(walled.status, JSON.stringify(walled.body)).toBe(404);
      expect(JSON.stringify(walled.body)).not.toContain(REASON);
    });
  }

  it("lists none of the case's plans in /plans or /inbox, while someone outside the wall sees them", async () => {
    const plans = await api(TOKENS.carol, 'GET', '/plans?limit=200');
    expect(plans.status).toBe(200);
    expect(plans.body.plans.map((plan: any) => plan.case)).not.toContain(WALLED);
    const inbox = await api(TOKENS.alice, 'GET', '/inbox');
    expect([...inbox.body.awaitingYou, ...inbox.body.plans].map((plan: any) => plan.case)).not.toContain(WALLED);
    const outside = await api(TOKENS.root, 'GET', `/plans?case=${WALLED}`);
    expect(outside.body.plans.map((plan: any) => plan.id)).toEqual(expect.arrayContaining([executed, pending]));
    expect((await api(TOKENS.bob, 'GET', `/plans/${pending}`)).status).toBe(200);
    expect((await api(TOKENS.root, 'GET', `/cases/${WALLED}/files/history?path=sorted/a.txt`)).body.changes).toHaveLength(1);
  });

  it("audits the refusals on the case's chain with the wall's reason", async () => {
    const records = await server.app.plans.readAuditChain(WALLED, 0, 10_000);
    const refusals = records.filter((record) => record.type === 'access.walled');
    expect(refusals.length).toBeGreaterThan(10);
    expect(refusals.every((record) => record.data.reason === REASON)).toBe(true);
    expect(refusals.map((record) => record.actor)).toContain('carol@firm.example');
    expect(refusals.some((record) => record.data.plan === executed && record.data.action === 'roll back')).toBe(true);
  });
});

describe('a walled administrator verifying the audit trail', () => {
  it('gets an answer that leaves out the walled case: its chain, its records and its copies', async () => {
    const everyone = await api(TOKENS.root, 'GET', '/audit/verify');
    const walled = await api(TOKENS.carol, 'GET', '/audit/verify');
    expect(everyone.status).toBe(200);
    expect(walled.status).toBe(200);
    expect(everyone.body.ok).toBe(true);
    expect(walled.body.ok).toBe(true);
    const walledChain = await server.app.plans.readAuditChain(WALLED, 0, 100_000);
    expect(walled.body.chains).toBe(everyone.body.chains - 1);
    // Records are appended meanwhile (each refusal is audited), so the walled chain is counted as read after.
    expect(walled.body.records).toBeLessThanOrEqual(everyone.body.records - walledChain.length + 20);
    expect(walled.body.records).toBeLessThan(everyone.body.records);
    expect(walled.body.files).toBeLessThan(everyone.body.files);
    expect(JSON.stringify(walled.body)).not.toContain(WALLED);
  });

  it('is not told about a break in a walled chain, which another administrator sees', async () => {
    // A copy of the walled case's plan is cut short: only someone outside the wall may learn it.
    const folder = join(dir, 'workspace', '.bailiff', 'audit', WALLED);
    const name = (await readdir(folder)).find((file) => file.startsWith(`${executed}.`));
    expect(name, 'the executed plan has an audit copy').toBeDefined();
    const copy = join(folder, name!);
    const saved = await readFile(copy, 'utf8');
    await writeFile(copy, `${saved.split('\n')[0]}\n`);
    try {
      const everyone = await api(TOKENS.root, 'GET', '/audit/verify');
      expect(everyone.body.ok).toBe(false);
      expect(everyone.body.firstBreak.chain, JSON.stringify(everyone.body)).toBe(WALLED);
      const walled = await api(TOKENS.carol, 'GET', '/audit/verify');
      expect(walled.body.ok).toBe(true);
      expect(JSON.stringify(walled.body)).not.toContain(WALLED);
    } finally {
      await writeFile(copy, saved);
    }
  });
});

describe('a walled principal gets not found from every MCP tool', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: 'walls-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKENS.carol}` } } }),
    );
  });
  afterAll(async () => {
    await client?.close();
  });
  const args: Record<string, () => Record<string, unknown>> = {
    list_files: () => ({ case: WALLED }),
    read_file: () => ({ case: WALLED, path: 'sorted/a.txt' }),
    file_history: () => ({ case: WALLED, path: 'sorted/a.txt' }),
    propose_plan: () => ({ case: WALLED, description: 'x', operations: [{ type: 'create_dir', destination: 'x' }] }),
    plan_from_commands: () => ({ case: WALLED, description: 'x', commands: 'mkdir x' }),
    get_plan: () => ({ planId: executed }),
    wait_for_plan: () => ({ planId: pending, timeoutSeconds: 1 }),
    apply_plan: () => ({ planId: pending, wait: false }),
    propose_rollback: () => ({ planId: executed }),
  };
  it('has a case for every tool', () => {
    expect(Object.keys(args).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
  });
  for (const tool of TOOLS) {
    it(tool.name, async () => {
      const result = (await client.callTool({ name: tool.name, arguments: args[tool.name]!() })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/not_found|not found/);
    });
  }
});

describe('a walled principal gets exit code "not found" from every CLI verb', () => {
  async function cli(token: string, argv: string[], stdin = '') {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (chunk) => (out += chunk));
    stderr.on('data', (chunk) => (out += chunk));
    const code = await runCli(
      argv,
      { stdout, stderr, stdin: Readable.from([stdin]), env: { BAILIFF_URL: server.url, BAILIFF_TOKEN: token } },
      { client: () => new BailiffClient({ baseUrl: server.url, token }) },
    );
    return { code, out };
  }
  const verbs: Record<string, (() => { argv: string[]; stdin?: string }) | 'local only' | 'not about one case'> = {
    files: () => ({ argv: ['files', WALLED] }),
    propose: () => ({
      argv: ['propose', '-'],
      stdin: JSON.stringify({ case: WALLED, description: 'x', operations: [{ type: 'create_dir', destination: 'x' }] }),
    }),
    'from-commands': () => ({ argv: ['from-commands', WALLED, '-', '-d', 'x'], stdin: 'mkdir x\n' }),
    show: () => ({ argv: ['show', executed] }),
    plans: () => ({ argv: ['plans', '--case', WALLED] }),
    approve: () => ({ argv: ['approve', pending, '--yes'] }),
    reject: () => ({ argv: ['reject', pending, '-r', 'no', '--yes'] }),
    apply: () => ({ argv: ['apply', pending] }),
    rollback: () => ({ argv: ['rollback', executed] }),
    audit: () => ({ argv: ['audit', executed] }),
    history: () => ({ argv: ['history', WALLED, 'sorted/a.txt', '--json'] }),
    verify: 'not about one case',
    pull: () => ({ argv: ['pull', WALLED, join(dir, 'pulled')] }),
    // status compares a pulled folder with its snapshot file and asks Bailiff nothing.
    status: 'local only',
    push: () => ({ argv: ['push', join(dir, 'pulled-before'), '-m', 'x'] }),
    mcp: 'not about one case',
    hold: () => ({ argv: ['hold', 'set', WALLED, 'sorted/a.txt'] }),
  };
  it('has a case for every verb', async () => {
    const names: string[] = [];
    const { Command } = await import('commander');
    const program = new Command();
    for (const command of COMMANDS) command.register(program, {} as never);
    for (const command of program.commands) names.push(command.name());
    expect(Object.keys(verbs).sort()).toEqual(names.sort());
  });
  beforeAll(async () => {
    // A folder pulled before the wall, as someone would still have it on disk.
    await mkdir(join(dir, 'pulled-before', '.bailiff'), { recursive: true });
    await writeFile(join(dir, 'pulled-before', 'new.txt'), 'new');
    await writeFile(
      join(dir, 'pulled-before', '.bailiff', 'snapshot.json'),
      JSON.stringify({ version: 1, case: WALLED, url: server.url, pulledAt: new Date().toISOString(), objects: [] }),
    );
  });
  for (const [verb, spec] of Object.entries(verbs)) {
    it(verb, async () => {
      if (typeof spec === 'string') return;
      const { argv, stdin } = spec();
      const result = await cli(TOKENS.carol, argv, stdin);
      expect(result.code, result.out).toBe(EXIT.notFound);
    });
  }
});
