/**
 * An approval is consent to the effects a person reviewed, not to the plan's text: on the
 * embedded server over HTTP, a `delete scratch/` reviewed while scratch/ held one file must not
 * delete the fifteen files an auto-approved plan put there afterwards.
 */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';

const AGENT = 'agent-token-0123456789abcdef';
const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const TOKENS = {
  [AGENT]: { principal: 'agent@firm.example', roles: ['agent'] },
  [ALICE]: { principal: 'alice@firm.example', roles: ['approver'] },
  [BOB]: { principal: 'bob@firm.example', roles: ['approver'] },
};
const CASE = 'binding-case';

let dir: string;
let scratch: string;
let app: EmbeddedApp;
let server: RunningServer;

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bailiff-binding-'));
  const workspace = join(dir, 'workspace');
  scratch = join(workspace, 'projects', CASE, 'scratch');
  await mkdir(scratch, { recursive: true });
  await writeFile(join(scratch, 'draft-0.txt'), 'the one file the approver saw');
  // The agent's notes land without a person: the rule that lets them is what makes the race real.
  const policyFile = join(dir, 'policy.json');
  await writeFile(
    policyFile,
    JSON.stringify({ version: 'binding-test', autoApprove: [{ name: 'notes', operations: ['write_file'], maxOperations: 50, maxBytesWritten: 100_000 }] }),
  );
  const config = parseConfig({
    BAILIFF_WORKSPACE_DIR: workspace,
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKENS),
    BAILIFF_POLICY_FILE: policyFile,
    PORT: '0',
  });
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

async function waitUntilFinished(planId: string): Promise<string> {
  for (let i = 0; i < 200; i += 1) {
    const { body } = await call('GET', `/plans/${planId}`, AGENT);
    if (['succeeded', 'failed'].includes(body.plan.status)) return body.plan.status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`plan ${planId} never finished`);
}

describe('an approval is bound to the report the approver reviewed', () => {
  it('refuses an approval of `delete scratch/` reviewed at 1 file once scratch/ holds 16, and deletes nothing', async () => {
    const proposed = await call('POST', '/plans', AGENT, {
      case: CASE,
      description: 'Clear the scratch folder',
      operations: [{ type: 'delete', source: 'scratch/' }],
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.report.totals.objectsDeleted).toBe(1);
    expect(proposed.body.decisions.nextStep).toBe('Awaiting 1 more approval');
    // What the approver reads, and later sends back.
    const reviewed = { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash };
    const planId: string = proposed.body.plan.id;

    const notes = await call('POST', '/plans', AGENT, {
      case: CASE,
      description: 'Working notes',
      operations: Array.from({ length: 15 }, (_, i) => ({ type: 'write_file', destination: `scratch/note-${i + 1}.txt`, content: `note ${i + 1}` })),
    });
    expect(notes.body.plan.status).toBe('approved');
    expect(notes.body.approval.rule).toBe('notes');
    expect((await call('POST', `/plans/${notes.body.plan.id}/apply`, AGENT)).status).toBe(202);
    expect(await waitUntilFinished(notes.body.plan.id)).toBe('succeeded');
    expect(await readdir(scratch)).toHaveLength(16);

    const validated = await call('POST', `/plans/${planId}/validate`, AGENT);
    expect(validated.status).toBe(200);
    expect(validated.body.report.totals.objectsDeleted).toBe(16);
    expect(validated.body.plan.planHash).toBe(reviewed.planHash);
    expect(validated.body.report.snapshotHash).not.toBe(reviewed.snapshotHash);

    const approval = await call('POST', `/plans/${planId}/approve`, ALICE, { ...reviewed, comment: 'one stray draft, fine' });
    expect(approval.status).toBe(409);
    expect(approval.body.error.code).toBe('report_changed');
    expect(approval.body.error.message).toContain(reviewed.snapshotHash);
    expect(approval.body.error.message).toContain(validated.body.report.snapshotHash);
    expect(approval.body.error.details[0]).toMatchObject({ expected: validated.body.report.snapshotHash, got: reviewed.snapshotHash });

    const after = await call('GET', `/plans/${planId}`, ALICE);
    expect(after.body.plan.status).toBe('proposed');
    expect(after.body.approval).toBeUndefined();
    expect((await call('POST', `/plans/${planId}/apply`, AGENT)).status).toBe(409);
    expect(await readdir(scratch)).toHaveLength(16);
  });

  it('requires the snapshotHash, naming the field', async () => {
    const proposed = await call('POST', '/plans', AGENT, {
      case: CASE,
      description: 'Remove one note',
      operations: [{ type: 'delete', source: 'scratch/note-1.txt' }],
    });
    const refused = await call('POST', `/plans/${proposed.body.plan.id}/approve`, ALICE, { planHash: proposed.body.plan.planHash });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_input');
    expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toContain('snapshotHash');
  });

  it('withdraws an approval, audited, when a later validation changes the report', async () => {
    const proposed = await call('POST', '/plans', AGENT, {
      case: CASE,
      description: 'Clear the scratch folder again',
      operations: [{ type: 'delete', source: 'scratch/' }],
    });
    const planId: string = proposed.body.plan.id;
    const approved = await call('POST', `/plans/${planId}/approve`, BOB, {
      planHash: proposed.body.plan.planHash,
      snapshotHash: proposed.body.report.snapshotHash,
    });
    expect(approved.body.plan.status).toBe('approved');
    expect(approved.body.decisions.nextStep).toBe('Approved: ready to run');

    // Unchanged workspace: the approval stands.
    const same = await call('POST', `/plans/${planId}/validate`, AGENT);
    expect(same.body.plan.status).toBe('approved');

    await writeFile(join(scratch, 'late-arrival.txt'), 'added after the approval');
    const changed = await call('POST', `/plans/${planId}/validate`, AGENT);
    expect(changed.body.plan.status).toBe('proposed');
    expect(changed.body.approval).toBeUndefined();
    expect(changed.body.decisions.nextStep).toBe('Awaiting 1 more approval');
    const audit = await call('GET', `/plans/${planId}/audit`, AGENT);
    const withdrawn = audit.body.records.find((record: { type: string }) => record.type === 'plan.approval_withdrawn');
    expect(withdrawn.data).toMatchObject({
      previousSnapshotHash: proposed.body.report.snapshotHash,
      snapshotHash: changed.body.report.snapshotHash,
      approvers: ['bob@firm.example'],
    });
    expect((await call('POST', `/plans/${planId}/apply`, AGENT)).status).toBe(409);
    expect(await readdir(scratch)).toHaveLength(17);
  });
});
