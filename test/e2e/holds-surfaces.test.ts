/**
 * A plan touching a held document is invalid through every surface of the embedded server: the
 * hold placed with `bailiff hold set` (admin only), the plan's view over HTTP, the MCP
 * `get_plan` tool an agent reads, `bailiff show`, and approval refused over HTTP and by
 * `bailiff approve`; `bailiff hold clear` makes the plan valid again.
 */
import { PassThrough, Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BailiffClient } from '../../shared/client/index.ts';
import { EXIT } from '../../shared/cli/context.ts';
import { runCli } from '../../shared/cli/program.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

let bailiff: EmbeddedBailiff;

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/doe/Pleadings/complaint.pdf': 'complaint',
    'projects/doe/Pleadings/notes.txt': 'notes',
  });
});

afterAll(async () => {
  await bailiff?.stop();
});

async function cli(as: keyof typeof TEST_TOKENS, args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const code = await runCli(
    args,
    { stdout, stderr, stdin: Readable.from(['']), env: {} },
    { client: () => new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS[as] }) },
  );
  return { code, out, err };
}

async function api(as: keyof typeof TEST_TOKENS, method: string, path: string, body?: unknown) {
  const response = await fetch(`${bailiff.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKENS[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('a held document through every surface', () => {
  it('hold set → the plan is invalid over HTTP, MCP and the CLI and cannot be approved → hold clear', async () => {
    const refused = await cli('agent', ['hold', 'set', 'doe', 'Pleadings/complaint.pdf']);
    expect(refused.code).toBe(EXIT.denied);
    expect(refused.err).toContain('needs the admin role');

    const placed = await cli('admin', ['hold', 'set', 'doe', 'Pleadings/complaint.pdf']);
    expect(placed).toMatchObject({ code: EXIT.ok, out: 'placed the temporary hold on doe/Pleadings/complaint.pdf\n' });
    const eventBased = await cli('admin', ['hold', 'set', 'doe', 'Pleadings/complaint.pdf', '--kind', 'event_based', '--json']);
    expect(JSON.parse(eventBased.out)).toEqual({
      case: 'doe',
      path: 'Pleadings/complaint.pdf',
      kind: 'event_based',
      held: true,
      generation: expect.any(String),
      holds: { temporary: true, eventBased: true },
      backups: 0,
    });

    const proposed = await api('agent', 'POST', '/plans', { case: 'doe', description: 'Tidy', operations: [{ type: 'delete', source: 'Pleadings/' }] });
    expect(proposed.status).toBe(201);
    const id = proposed.body.plan.id as string;

    // HTTP: the view says why.
    const view = await api('approver', 'GET', `/plans/${id}`);
    expect(view.body.report.valid).toBe(false);
    expect(view.body.report.errors).toEqual([
      {
        operation: 0,
        code: 'object_held',
        path: 'Pleadings/complaint.pdf',
        message: '`Pleadings/complaint.pdf` is under a temporary hold and an event-based hold, so no plan may delete it',
        holds: [{ kind: 'temporary' }, { kind: 'event_based' }],
      },
    ]);
    const approval = await api('approver', 'POST', `/plans/${id}/approve`, { planHash: view.body.plan.planHash, snapshotHash: view.body.report.snapshotHash });
    expect([approval.status, approval.body.error.code]).toEqual([422, 'plan_invalid']);

    // MCP: what an agent reads.
    const mcp = new Client({ name: 'bailiff-holds-test', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${bailiff.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKENS.agent}` } } }),
    );
    try {
      const got = (await mcp.callTool({ name: 'get_plan', arguments: { planId: id } })) as CallToolResult;
      const text = got.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
      expect(text).toContain('`Pleadings/complaint.pdf` is under a temporary hold and an event-based hold, so no plan may delete it');
      expect(text).toContain('cannot be approved');
      expect((got.structuredContent as { report: { valid: boolean } }).report.valid).toBe(false);
    } finally {
      await mcp.close();
    }

    // CLI: show names the hold; approve is refused.
    const shown = await cli('approver', ['show', id]);
    expect(shown.out).toContain('is under a temporary hold and an event-based hold, so no plan may delete it');
    const approve = await cli('approver', ['approve', id, '--yes']);
    expect(approve.code).toBe(EXIT.invalid);

    // Released, the plan validates.
    expect((await cli('admin', ['hold', 'clear', 'doe', 'Pleadings/complaint.pdf'])).out).toBe('released the temporary hold on doe/Pleadings/complaint.pdf\n');
    expect((await cli('admin', ['hold', 'clear', 'doe', 'Pleadings/complaint.pdf', '--kind', 'event_based'])).code).toBe(EXIT.ok);
    const validated = await api('agent', 'POST', `/plans/${id}/validate`);
    expect(validated.body.report.valid).toBe(true);
  });

  it('HTTP: admin only, a file that exists, a known kind', async () => {
    const body = { path: 'Pleadings/notes.txt', kind: 'temporary', held: true };
    expect((await api('approver', 'POST', '/cases/doe/holds', body)).status).toBe(403);
    expect((await api('admin', 'POST', '/cases/doe/holds', { ...body, path: 'Pleadings/none.txt' })).status).toBe(404);
    const unknown = await api('admin', 'POST', '/cases/doe/holds', { ...body, kind: 'forever' });
    expect([unknown.status, unknown.body.error.details[0].path]).toEqual([400, 'kind']);
    const placed = await api('admin', 'POST', '/cases/doe/holds', body);
    expect([placed.status, placed.body.holds]).toEqual([200, { temporary: true }]);
    const released = await api('admin', 'POST', '/cases/doe/holds', { ...body, held: false });
    expect([released.status, released.body.holds]).toEqual([200, {}]);
  });
});
