/**
 * The MCP server through the 1.x SDK's client (a 2025-11-25 client), over both transports
 * against the embedded server: stdio (`bailiff mcp` as a child, talking HTTP to Bailiff) and
 * Streamable HTTP at `/mcp`. Every tool; a plan proposed and applied through MCP only, approved
 * over HTTP as a person would; errors as tool errors naming the exact field; annotations as
 * declared; progress while a plan runs; plans that are over said to be over; and the
 * resource-server rules of MCP authorization on `/mcp`. Then the 2026-07-28 revision on the same
 * endpoint, request by request as the revision defines them, and the Origin and Host rules.
 */
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { http as registerFunction } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionHandler, type FunctionRequest } from '../../shared/front-door/function-handler.ts';
import { GoogleIdTokenIdentity } from '../../shared/adapters/gcp/google-id-token-identity.ts';
import { createIdTokenSigner } from '../support/google-id-tokens.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { parseConfig } from '../../shared/config.ts';
import { approveBodySchema } from '../../shared/domain/plan.ts';
import { silentLogger } from '../../shared/logging.ts';
import { TOOLS } from '../../shared/mcp/tools.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

const REPO = join(import.meta.dirname, '..', '..');
let bailiff: EmbeddedBailiff;

beforeAll(async () => {
  const files: Record<string, string> = {};
  for (const transport of ['stdio', 'http']) {
    files[`projects/case-${transport}/intake/records_001.pdf`] = 'medical record one';
    files[`projects/case-${transport}/intake/records_002.pdf`] = 'medical record two';
    files[`projects/case-${transport}/notes.txt`] = 'Intake notes: two records, one report.';
  }
  bailiff = await startEmbeddedBailiff(files);
});

afterAll(async () => {
  await bailiff?.stop();
});

async function connect(transport: 'stdio' | 'http', token: string = TEST_TOKENS.agent): Promise<Client> {
  const client = new Client({ name: 'bailiff-test', version: '1.0.0' });
  if (transport === 'http') {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bailiff.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  } else {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['functions/cli.ts', 'mcp'],
        cwd: REPO,
        env: { PATH: process.env.PATH ?? '', BAILIFF_URL: bailiff.url, BAILIFF_TOKEN: token },
        stderr: 'pipe',
      }),
    );
  }
  // What arrived on the wire, in order: the SDK client hands a progress notification to its
  // handler a microtask late, and drops it when the call's result arrived in the same read.
  const transport_ = client.transport!;
  const inner = transport_.onmessage;
  const wire: unknown[] = [];
  transport_.onmessage = (message, extra) => {
    wire.push(message);
    inner?.call(transport_, message, extra);
  };
  WIRE.set(client, wire);
  return client;
}

const WIRE = new WeakMap<Client, unknown[]>();

/** The progress notifications the server sent between its last two responses (during the last call). */
function progressOnWireDuringLastCall(client: Client): Array<{ progress: number; total?: number; message?: string }> {
  const wire = WIRE.get(client)! as Array<{ id?: number; method?: string; params?: { progress: number; total?: number; message?: string } }>;
  const answers = wire.flatMap((message, index) => (message.id !== undefined && message.method === undefined ? [index] : []));
  return wire.slice((answers.at(-2) ?? -1) + 1, answers.at(-1)).flatMap((message) => (message.method === 'notifications/progress' ? [message.params!] : []));
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

const text = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

interface ViewShape {
  plan: { id: string; planHash: string; status: string };
  report: { snapshotHash: string };
}

/** The approve body names the snapshot the approver reviewed wherever the API asks for it. */
const APPROVAL_NAMES_SNAPSHOT = 'snapshotHash' in approveBodySchema.shape;

/** A person's decision, over HTTP as the console sends it. */
async function decideOverHttp(view: ViewShape, decision: 'approve' | 'reject') {
  const response = await fetch(`${bailiff.url}/plans/${view.plan.id}/${decision}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKENS.approver}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      decision === 'approve'
        ? { planHash: view.plan.planHash, ...(APPROVAL_NAMES_SNAPSHOT ? { snapshotHash: view.report.snapshotHash } : {}) }
        : { reason: 'not this month' },
    ),
  });
  expect(response.status).toBe(200);
}

describe.each(['stdio', 'http'] as const)('MCP over %s', (transport) => {
  const caseName = `case-${transport}`;
  let agent: Client;

  beforeAll(async () => {
    agent = await connect(transport);
  });

  afterAll(async () => {
    await agent?.close();
  });

  it('lists every tool with its schemas and truthful annotations', async () => {
    const { tools } = await agent.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'apply_plan',
      'file_history',
      'get_plan',
      'list_files',
      'plan_from_commands',
      'propose_plan',
      'propose_rollback',
      'read_file',
      'wait_for_plan',
    ]);
    for (const tool of tools) {
      const declared = TOOLS.find((candidate) => candidate.name === tool.name)!;
      expect(tool.annotations).toEqual(declared.annotations);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.description).toContain('Example: {');
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations!]));
    for (const read of ['list_files', 'read_file', 'file_history', 'get_plan', 'wait_for_plan'])
      expect(byName[read]).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    for (const propose of ['propose_plan', 'plan_from_commands', 'propose_rollback'])
      expect(byName[propose]).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.apply_plan).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(tools.map((tool) => tool.name)).not.toContain('approve_plan');
    const propose = tools.find((tool) => tool.name === 'propose_plan')!;
    expect(propose.inputSchema.required).toEqual(['case', 'description', 'operations']);
  });

  it('reads files: list_files and paged read_file', async () => {
    const listed = await call(agent, 'list_files', { case: caseName, prefix: 'intake/' });
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { files: Array<{ path: string }> }).files.map((file) => file.path)).toEqual([
      'intake/records_001.pdf',
      'intake/records_002.pdf',
    ]);
    expect(text(listed)).toContain(`2 files in case ${caseName} under intake/`);
    const page = await call(agent, 'read_file', { case: caseName, path: 'notes.txt', limit: 12 });
    expect(page.structuredContent).toMatchObject({ text: 'Intake notes', offset: 0, nextOffset: 12, size: 38 });
    expect(text(page)).toContain('call again with offset 12');
    const rest = await call(agent, 'read_file', { case: caseName, path: 'notes.txt', offset: 12 });
    expect(rest.structuredContent).toMatchObject({ text: ': two records, one report.' });
  });

  it('proposes and applies a plan through MCP only, with the approval given over HTTP', async () => {
    const proposed = await call(agent, 'propose_plan', {
      case: caseName,
      description: 'Sort intake',
      operations: [
        { type: 'create_dir', destination: 'Medical Records' },
        { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/records_001.pdf' },
      ],
    });
    expect(proposed.isError).toBeFalsy();
    const view = proposed.structuredContent as unknown as ViewShape;
    expect(view.plan.status).toBe('proposed');
    expect(text(proposed)).toContain(`a person must review and approve it at ${bailiff.url}/ui/plans/${view.plan.id}`);
    expect(text(proposed)).toContain('2. move intake/records_001.pdf to Medical Records/records_001.pdf');

    const early = await call(agent, 'apply_plan', { planId: view.plan.id });
    expect(early.isError).toBe(true);
    expect(text(early)).toContain('Error conflict: The plan needs 1 more approval before it can run.');
    expect(text(early)).toContain(`awaits a person's approval: ${bailiff.url}/ui/plans/${view.plan.id}`);

    const undecided = await call(agent, 'wait_for_plan', { planId: view.plan.id, timeoutSeconds: 1 });
    expect(undecided.structuredContent).toMatchObject({ timedOut: true, plan: { status: 'proposed' } });

    await decideOverHttp(view, 'approve');
    const decided = await call(agent, 'wait_for_plan', { planId: view.plan.id, until: 'decided', timeoutSeconds: 5 });
    expect(decided.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'approved' } });
    expect(text(decided)).toContain('Approved. Next: call apply_plan.');

    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const applied = (await agent.callTool({ name: 'apply_plan', arguments: { planId: view.plan.id, timeoutSeconds: 30 } }, undefined, {
      onprogress: (update) => progress.push(update),
    })) as CallToolResult;
    expect(applied.isError).toBeFalsy();
    expect(applied.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'succeeded' }, execution: { done: 2, actionCount: 2 } });
    expect(await readdir(join(bailiff.caseDir(caseName), 'Medical Records'))).toEqual(['records_001.pdf']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((update) => update.progress)).toEqual([...new Set(progress.map((update) => update.progress))].sort((a, b) => a - b));
    // The server sends the last progress before the result; the SDK client may drop that one
    // (see WIRE), so the order is checked on the wire.
    const sent = progressOnWireDuringLastCall(agent);
    expect(sent.at(-1)).toMatchObject({ progress: 2, total: 2, message: 'succeeded: 2 of 2 actions done' });
    expect(progress.map((update) => update.progress)).toEqual(sent.slice(0, progress.length).map((update) => update.progress));

    // Idempotent as annotated: applying it again answers with its result, and nothing runs twice.
    const again = await call(agent, 'apply_plan', { planId: view.plan.id });
    expect(again.isError).toBeFalsy();
    expect(again.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'succeeded' }, execution: { done: 2, actionCount: 2 } });
    expect(text(again)).toMatch(/^Already applied\.\n/);

    const got = await call(agent, 'get_plan', { planId: view.plan.id });
    expect(got.structuredContent).toMatchObject({ plan: { id: view.plan.id, status: 'succeeded' } });

    const rollback = await call(agent, 'propose_rollback', { planId: view.plan.id });
    expect(rollback.structuredContent).toMatchObject({ plan: { kind: 'rollback', rollbackOf: view.plan.id, status: 'proposed' } });
  });

  it('proposes from shell commands with the line map', async () => {
    const result = await call(agent, 'plan_from_commands', { case: caseName, description: 'Archive', commands: 'mkdir -p Archive\nmv intake/*.pdf Archive/' });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { translation: unknown }).translation).toEqual([
      { line: 1, text: 'mkdir -p Archive', operations: [0] },
      { line: 2, text: 'mv intake/*.pdf Archive/', operations: [1] },
    ]);
    expect(text(result)).toContain('line 2: mv intake/*.pdf Archive/ → operation 2');
  });

  it('returns errors as tool errors with the exact field and message', async () => {
    const unsafe = await call(agent, 'propose_plan', {
      case: caseName,
      description: 'x',
      operations: [{ type: 'move', source: '../other/a.pdf', destination: 'a.pdf' }],
    });
    expect(unsafe.isError).toBe(true);
    expect(unsafe.content[0]).toEqual({
      type: 'text',
      text: 'Error invalid_input: invalid arguments for propose_plan\n  - operations.0.source: unsafe path: `..` segments are not allowed',
    });
    expect(JSON.parse((unsafe.content[1] as { text: string }).text)).toEqual({
      error: {
        code: 'invalid_input',
        message: 'invalid arguments for propose_plan',
        details: [{ path: 'operations.0.source', message: 'unsafe path: `..` segments are not allowed' }],
      },
    });
    const badId = await call(agent, 'get_plan', { planId: 'nope' });
    expect(text(badId)).toContain('Error invalid_input: invalid arguments for get_plan\n  - planId: not a plan id');
    const refused = await call(agent, 'plan_from_commands', { case: caseName, description: 'x', commands: 'mkdir a\nrm $(ls)' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]).toEqual({
      type: 'text',
      text: 'Error invalid_input: the commands cannot be turned into a plan\n  - line 2, column 4: command substitution (`$(...)`) is not supported',
    });
    const missing = await call(agent, 'read_file', { case: caseName, path: 'nope.txt' });
    expect(text(missing)).toContain(`Error not_found: \`nope.txt\` does not exist in case ${caseName}`);
  });

  it('says a plan is over, and why, instead of asking to call again', async () => {
    const proposed = await call(agent, 'propose_plan', {
      case: caseName,
      description: 'Unwanted',
      operations: [{ type: 'create_dir', destination: 'Unwanted' }],
    });
    const view = proposed.structuredContent as unknown as ViewShape;
    await decideOverHttp(view, 'reject');
    const waited = await call(agent, 'wait_for_plan', { planId: view.plan.id, until: 'finished', timeoutSeconds: 5 });
    expect(waited.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'rejected' } });
    expect(text(waited)).toContain('It is over: alice@firm.example rejected it at');
    expect(text(waited)).toContain(': "not this month". Nothing more happens to this plan');
    const applied = await call(agent, 'apply_plan', { planId: view.plan.id });
    expect(applied.isError).toBe(true);
    expect(text(applied)).toContain(`Error conflict: plan ${view.plan.id} is rejected and can no longer be applied: alice@firm.example rejected it at`);
    for (const answer of [waited, applied]) expect(text(answer)).not.toMatch(/again|wait_for_plan/);

    // A plan whose dry run failed can never be approved: waiting for a decision ends at once.
    const invalid = await call(agent, 'propose_plan', {
      case: caseName,
      description: 'Broken',
      operations: [{ type: 'move', source: 'missing.pdf', destination: 'x.pdf' }],
    });
    const invalidId = (invalid.structuredContent as unknown as ViewShape).plan.id;
    const started = Date.now();
    const undecidable = await call(agent, 'wait_for_plan', { planId: invalidId, until: 'decided', timeoutSeconds: 30 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(undecidable.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'proposed' } });
    expect(text(undecidable)).toContain('this one cannot be approved');
    expect(text(undecidable)).not.toMatch(/call wait_for_plan again/);
    const refused = await call(agent, 'apply_plan', { planId: invalidId });
    expect(text(refused)).toContain('can no longer be applied: its dry run found errors, so no one can approve it');
    expect(text(refused)).not.toMatch(/again/);
  });

  it('answers a call to an unknown tool with the JSON-RPC error -32602', async () => {
    await expect(agent.callTool({ name: 'approve_plan', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Unknown tool: approve_plan'),
    });
  });

  it('keeps roles: an approver cannot propose through MCP', async () => {
    const approver = await connect(transport, TEST_TOKENS.approver);
    try {
      const result = await call(approver, 'propose_plan', { case: caseName, description: 'x', operations: [{ type: 'create_dir', destination: 'y' }] });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('Error forbidden:');
    } finally {
      await approver.close();
    }
  });
});

describe('/mcp as an OAuth protected resource', () => {
  it('answers 401 with WWW-Authenticate, 405 for GET, and no metadata without an authorization server', async () => {
    const anonymous = await fetch(`${bailiff.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="bailiff"');
    const badToken = await fetch(`${bailiff.url}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(badToken.status).toBe(401);
    expect(badToken.headers.get('www-authenticate')).toBe('Bearer realm="bailiff", error="invalid_token"');
    const get = await fetch(`${bailiff.url}/mcp`, { headers: { authorization: `Bearer ${TEST_TOKENS.agent}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${bailiff.url}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
  });

  it('on Cloud, serves protected resource metadata and points 401s at it', async () => {
    let server: RunningServer | undefined;
    try {
      server = await startHttpServer({
        port: 0,
        host: '127.0.0.1',
        deps: {
          api: bailiff.app.service,
          identity: bailiff.app.identity,
          health: bailiff.app.health,
          limits: { maxBodyBytes: 1024 * 1024 },
          logger: silentLogger,
          mcp: { publicUrl: 'https://bailiff-api.example.run.app', authorizationServers: ['https://accounts.google.com'] },
        },
      });
      const metadata = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
      expect(metadata.status).toBe(200);
      expect(await metadata.json()).toEqual({
        resource: 'https://bailiff-api.example.run.app/mcp',
        authorization_servers: ['https://accounts.google.com'],
        bearer_methods_supported: ['header'],
        scopes_supported: ['openid', 'email'],
        resource_name: 'Bailiff',
        resource_documentation: 'https://bailiff-api.example.run.app/openapi.json',
      });
      const anonymous = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe(
        'Bearer realm="bailiff", resource_metadata="https://bailiff-api.example.run.app/.well-known/oauth-protected-resource/mcp"',
      );
    } finally {
      await server?.close(100);
    }
  });
});

describe('/mcp with Google ID tokens, as on Cloud', () => {
  it('accepts a Google ID token for the api, and answers one for another audience with invalid_token', async () => {
    const audience = 'https://bailiff-api.example.run.app';
    const signer = createIdTokenSigner(audience);
    const identity = new GoogleIdTokenIdentity({
      audience,
      certs: signer.certs,
      principals: new Map([['agent@firm.example', { id: 'agent@firm.example', roles: ['agent'] as const }]]),
    });
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      deps: {
        api: bailiff.app.service,
        identity,
        health: bailiff.app.health,
        limits: { maxBodyBytes: 1024 * 1024 },
        logger: silentLogger,
        mcp: { publicUrl: audience, authorizationServers: ['https://accounts.google.com'] },
      },
    });
    const client = new Client({ name: 'bailiff-test', version: '1.0.0' });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${signer.sign()}` } } }),
      );
      const listed = await call(client, 'list_files', { case: 'case-http', prefix: 'notes' });
      expect((listed.structuredContent as { files: Array<{ path: string }> }).files.map((file) => file.path)).toEqual(['notes.txt']);
      const other = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${signer.sign({ aud: 'https://elsewhere.example' })}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(other.status).toBe(401);
      expect(other.headers.get('www-authenticate')).toBe(
        `Bearer realm="bailiff", error="invalid_token", resource_metadata="${audience}/.well-known/oauth-protected-resource/mcp"`,
      );
    } finally {
      await client.close();
      await server.close(100);
    }
  });
});

describe('/mcp in the Cloud function handler (functions framework)', () => {
  it('serves the same tools to an MCP client, with metadata for Google tokens', async () => {
    const handler = createFunctionHandler({
      api: bailiff.app.service,
      identity: bailiff.app.identity,
      health: bailiff.app.health,
      limits: { maxBodyBytes: 1024 * 1024 },
      logger: silentLogger,
      mcp: { publicUrl: 'https://bailiff-api.example.run.app', authorizationServers: ['https://accounts.google.com'] },
    });
    registerFunction('bailiffMcpUnderTest', (request, response) => handler(request as unknown as FunctionRequest, response));
    const server: Server = getTestServer('bailiffMcpUnderTest');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new Client({ name: 'bailiff-test', version: '1.0.0' });
    try {
      const metadata = await fetch(`${base}/.well-known/oauth-protected-resource`);
      expect(await metadata.json()).toMatchObject({
        resource: 'https://bailiff-api.example.run.app/mcp',
        authorization_servers: ['https://accounts.google.com'],
      });
      const anonymous = await fetch(`${base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain(
        'resource_metadata="https://bailiff-api.example.run.app/.well-known/oauth-protected-resource/mcp"',
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKENS.agent}` } } }),
      );
      expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
      const listed = await call(client, 'list_files', { case: 'case-http', prefix: 'notes' });
      expect((listed.structuredContent as { files: Array<{ path: string }> }).files.map((file) => file.path)).toEqual(['notes.txt']);
      const got = await call(client, 'get_plan', { planId: 'pln_000000000000000000000000' });
      expect(got.isError).toBe(true);
      expect(text(got)).toContain('Error not_found: plan pln_000000000000000000000000 not found');
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

const MODERN = '2026-07-28';

/** A 2026-07-28 request as the revision defines it: the envelope in `_meta`, the standard headers, no session. */
async function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  options: { version?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const version = options.version ?? MODERN;
  return fetch(`${bailiff.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_TOKENS.agent}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': version,
      'mcp-method': method,
      ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}),
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          ...(params._meta as object | undefined),
          'io.modelcontextprotocol/protocolVersion': version,
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'bailiff-test', version: '1.0.0' },
        },
      },
    }),
  });
}

/** The JSON-RPC messages of an answer, whether a JSON body or an SSE stream of them. */
async function messagesOf(response: Response): Promise<Array<{ method?: string; params?: any; result?: any; error?: any }>> {
  const body = await response.text();
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return [JSON.parse(body)];
  return body
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data));
}

async function modernResult(method: string, params: Record<string, unknown> = {}) {
  const response = await modernRequest(method, params);
  expect(response.status).toBe(200);
  expect(response.headers.get('mcp-session-id')).toBeNull();
  const messages = await messagesOf(response);
  const last = messages.at(-1)!;
  expect(last.error).toBeUndefined();
  return { result: last.result, notifications: messages.slice(0, -1) };
}

describe('MCP 2026-07-28 over HTTP: no initialize, no session, the envelope in every request', () => {
  it('discovers the server and lists the tools', async () => {
    const { result: discovered } = await modernResult('server/discover');
    expect(discovered.supportedVersions).toContain(MODERN);
    expect(discovered.capabilities).toEqual({ tools: { listChanged: false }, resources: {} });
    expect(discovered._meta['io.modelcontextprotocol/serverInfo']).toEqual({ name: 'bailiff', version: '0.1.0' });
    const { result: listed } = await modernResult('tools/list');
    expect(listed.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
  });

  it('proposes, waits for a person, and applies with progress notifications', async () => {
    const { result: proposed } = await modernResult('tools/call', {
      name: 'propose_plan',
      arguments: {
        case: 'case-http',
        description: 'Modern',
        operations: [
          { type: 'write_file', destination: 'modern.txt', content: 'hello' },
          { type: 'copy', source: 'notes.txt', destination: 'notes-copy.txt' },
        ],
      },
    });
    const view = proposed.structuredContent as unknown as ViewShape;
    expect(view.plan.status).toBe('proposed');
    await decideOverHttp(view, 'approve');
    const { result: applied, notifications } = await modernResult('tools/call', {
      name: 'apply_plan',
      arguments: { planId: view.plan.id, timeoutSeconds: 30 },
      _meta: { progressToken: 'apply-1' },
    });
    expect(applied.structuredContent).toMatchObject({ timedOut: false, plan: { status: 'succeeded' }, execution: { done: 2, actionCount: 2 } });
    expect(notifications.length).toBeGreaterThan(0);
    for (const notification of notifications) expect(notification).toMatchObject({ method: 'notifications/progress', params: { progressToken: 'apply-1' } });
    expect(notifications.at(-1)!.params).toMatchObject({ progress: 2, total: 2 });
  });

  it('answers an unknown tool with -32602 and an unsupported revision with -32022 listing the supported ones', async () => {
    const unknown = await messagesOf(await modernRequest('tools/call', { name: 'approve_plan', arguments: {} }));
    expect(unknown[0]!.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: approve_plan') });
    const future = await modernRequest('tools/list', {}, { version: '2099-01-01' });
    expect(future.status).toBe(400);
    expect((await future.json()).error).toEqual({
      code: -32022,
      message: 'Unsupported protocol version: 2099-01-01',
      data: { supported: [MODERN], requested: '2099-01-01' },
    });
  });
});

/** fetch always sends the URL's own Host, so a rebound name is sent through node:http. */
function statusWithHost(url: string, host: string): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'server/discover',
    params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } },
  });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/mcp`,
      {
        method: 'POST',
        headers: {
          host,
          authorization: `Bearer ${TEST_TOKENS.agent}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN,
          'mcp-method': 'server/discover',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('/mcp refuses foreign browser origins and rebound host names', () => {
  const list = (url: string, headers: Record<string, string>) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_TOKENS.agent}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'server/discover',
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    });

  it('answers 403 to a foreign Origin and to a foreign Host on loopback, and serves its own origin', async () => {
    const foreign = await list(bailiff.url, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.message).toContain("the Origin https://evil.example is neither this server's nor an allowed one");
    expect((await list(bailiff.url, { origin: 'null' })).status).toBe(403);
    expect((await list(bailiff.url, { origin: bailiff.url })).status).toBe(200);
    expect((await list(bailiff.url, {})).status).toBe(200);
    // A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host gives it away.
    const port = new URL(bailiff.url).port;
    expect(await statusWithHost(bailiff.url, `attacker.example:${port}`)).toBe(403);
    expect(await statusWithHost(bailiff.url, `localhost:${port}`)).toBe(200);
    expect(await statusWithHost(bailiff.url, `127.0.0.1:${port}`)).toBe(200);
  });

  it('serves an origin the operator allowed (BAILIFF_MCP_ALLOWED_ORIGINS)', async () => {
    const config = parseConfig({ BAILIFF_MCP_ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:6274' });
    expect(config.BAILIFF_MCP_ALLOWED_ORIGINS).toEqual(['https://chat.example.com', 'http://localhost:6274']);
    expect(() => parseConfig({ BAILIFF_MCP_ALLOWED_ORIGINS: 'https://chat.example.com/app' })).toThrow('invalid configuration');
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      deps: {
        api: bailiff.app.service,
        identity: bailiff.app.identity,
        health: bailiff.app.health,
        limits: { maxBodyBytes: 1024 * 1024 },
        logger: silentLogger,
        mcp: { allowedOrigins: config.BAILIFF_MCP_ALLOWED_ORIGINS },
      },
    });
    try {
      expect((await list(server.url, { origin: 'https://chat.example.com' })).status).toBe(200);
      expect((await list(server.url, { origin: 'http://localhost:6274' })).status).toBe(200);
      expect((await list(server.url, { origin: 'https://chat.example.com:8443' })).status).toBe(403);
    } finally {
      await server.close(100);
    }
  });
});
