/**
 * The console's read-only endpoints over HTTP on the embedded server: who am I, the inbox,
 * a plan's decisions, its operations with previews, and per-action results — each gated by
 * role and case scope like the rest of the API.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

const TOKENS = {
  'agent-token-0123456789abcdef': { principal: 'agent@firm.example', roles: ['agent'] },
  'alice-token-0123456789abcdef': { principal: 'alice@firm.example', roles: ['approver'] },
  'scoped-token-0123456789abcdef': { principal: 'scoped@firm.example', roles: ['approver'], cases: ['other-*'] },
};
const AGENT = 'agent-token-0123456789abcdef';
const ALICE = 'alice-token-0123456789abcdef';
const SCOPED = 'scoped-token-0123456789abcdef';

let dir: string;
let app: EmbeddedApp;
let server: RunningServer;

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-review-'));
  const caseDir = join(dir, 'workspace', 'projects', 'smith', 'intake');
  await mkdir(caseDir, { recursive: true });
  await writeFile(join(caseDir, 'scan.pdf'), 'scan');
  app = buildEmbeddedApp(
    parseConfig({ BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state'), BAILIFF_TOKENS: JSON.stringify(TOKENS) }),
    { logger: silentLogger },
  );
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: { api: app.service, review: app.review, identity: app.identity, health: app.health, limits: { maxBodyBytes: 1 << 20 }, logger: silentLogger },
  });
});

afterAll(async () => {
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the review endpoints', () => {
  it('answer who am I', async () => {
    expect(await call('GET', '/me', SCOPED)).toEqual({ status: 200, body: { principal: 'scoped@firm.example', roles: ['approver'], cases: ['other-*'] } });
    expect((await fetch(`${server.url}/me`)).status).toBe(401);
  });

  it('show a plan, what each caller may decide, and what each action did', async () => {
    const proposed = await call('POST', '/plans', AGENT, {
      case: 'smith',
      description: 'File the scan',
      operations: [
        { type: 'move', source: 'intake/scan.pdf', destination: 'Filed/scan.pdf' },
        { type: 'write_file', destination: 'Filed/note.md', content: 'Filed.\n' },
      ],
    });
    const id = proposed.body.plan.id as string;

    const inbox = await call('GET', '/inbox', ALICE);
    expect(inbox.body.awaitingYou.map((plan: { id: string }) => plan.id)).toEqual([id]);
    expect((await call('GET', '/inbox', AGENT)).body.awaitingYou).toEqual([]);
    expect((await call('GET', '/inbox?author=someone@else', ALICE)).body).toEqual({ awaitingYou: [], plans: [] });
    expect((await call('GET', '/inbox', SCOPED)).body).toEqual({ awaitingYou: [], plans: [] });

    const forAgent = await call('GET', `/plans/${id}/decisions`, AGENT);
    expect(forAgent.body.approve).toEqual({
      allowed: false,
      offered: true,
      code: 'forbidden',
      reason: 'Approving needs the approver role; this sign-in can only read the plan.',
    });
    expect((await call('GET', `/plans/${id}/decisions`, ALICE)).body.approve).toEqual({ allowed: true, offered: true });
    expect((await call('GET', `/plans/${id}/decisions`, SCOPED)).status).toBe(404);

    const operations = await call('GET', `/plans/${id}/operations?offset=1&limit=1`, ALICE);
    expect(operations.body).toEqual({
      planId: id,
      offset: 1,
      total: 2,
      operations: [
        {
          index: 1,
          type: 'write_file',
          destination: 'Filed/note.md',
          overwrite: false,
          content: { bytes: 7, encoding: 'utf8', mediaType: 'text/markdown', preview: 'Filed.\n', previewTruncated: false },
        },
      ],
    });
    expect((await call('GET', `/plans/${id}/operations?limit=5001`, ALICE)).status).toBe(400);
    expect((await call('GET', `/plans/${id}/operations`, SCOPED)).status).toBe(404);

    const before = await call('GET', `/plans/${id}/results`, ALICE);
    expect(before.body.actions.map((action: { outcome?: string }) => action.outcome)).toEqual([undefined, undefined]);
    await call('POST', `/plans/${id}/approve`, ALICE, { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash });
    await call('POST', `/plans/${id}/apply`, AGENT);
    await app.queue.idle();
    const after = await call('GET', `/plans/${id}/results`, AGENT);
    expect(after.body.actions).toEqual([
      expect.objectContaining({ index: 0, kind: 'move', source: 'intake/scan.pdf', destination: 'Filed/scan.pdf', outcome: 'done' }),
      expect.objectContaining({ index: 1, kind: 'put', destination: 'Filed/note.md', size: 7, outcome: 'done' }),
    ]);
    expect((await call('GET', `/plans/${id}/decisions`, ALICE)).body.rollback).toEqual({ allowed: true, offered: true });
  });
});
