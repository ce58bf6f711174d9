/**
 * The TypeScript client against the embedded server: every API method, and errors as typed
 * BailiffApiErrors with the API's code, status and field paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BailiffApiError, BailiffClient, settingsFromEnvironment } from '../../shared/client/index.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

let bailiff: EmbeddedBailiff;
let agent: BailiffClient;
let approver: BailiffClient;
let admin: BailiffClient;

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({ 'projects/smith/intake/a.txt': 'alpha', 'projects/smith/intake/b.txt': 'beta' });
  agent = new BailiffClient({ baseUrl: bailiff.url, token: TEST_TOKENS.agent });
  approver = new BailiffClient({ baseUrl: bailiff.url, token: async () => TEST_TOKENS.approver });
  admin = new BailiffClient({ baseUrl: `${bailiff.url}/`, token: TEST_TOKENS.admin });
});

afterAll(async () => {
  await bailiff?.stop();
});

async function caught(promise: Promise<unknown>): Promise<BailiffApiError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof BailiffApiError)) throw new Error(`expected a BailiffApiError, got ${String(error)}`);
  return error;
}

describe('BailiffClient', () => {
  it('runs the whole lifecycle through typed methods', async () => {
    expect((await agent.health()).status).toBe('ok');
    expect((await agent.openApi()).openapi).toBe('3.1.0');
    expect((await agent.listFiles('smith')).files.map((file) => file.path)).toEqual(['intake/a.txt', 'intake/b.txt']);
    expect((await agent.listFiles('smith', { prefix: 'intake/', recursive: false })).files).toHaveLength(2);
    expect(await agent.readFileText('smith', 'intake/a.txt', { limit: 3 })).toMatchObject({ text: 'alp', nextOffset: 3, size: 5 });

    const proposed = await agent.propose({
      case: 'smith',
      description: 'archive a',
      operations: [{ type: 'move', source: 'intake/a.txt', destination: 'archive/a.txt' }],
    });
    expect(proposed.plan.status).toBe('proposed');
    expect((await approver.validate(proposed.plan.id)).report.valid).toBe(true);
    expect((await agent.listPlans({ case: 'smith' })).plans.map((plan) => plan.id)).toContain(proposed.plan.id);
    expect(
      (await approver.approve(proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash, comment: 'ok' })).plan.status,
    ).toBe('approved');
    expect((await agent.apply(proposed.plan.id)).plan.status).toBe('queued');
    const finished = await agent.waitForPlan(proposed.plan.id, { until: ['succeeded', 'failed'], intervalMs: 20, timeoutMs: 10_000 });
    expect(finished).toMatchObject({ timedOut: false, view: { plan: { status: 'succeeded' } } });
    expect((await agent.planAudit(proposed.plan.id)).records.map((record) => record.type)).toContain('plan.approved');
    const undo = await agent.rollback(proposed.plan.id);
    expect(undo.plan.kind).toBe('rollback');
    expect((await approver.reject(undo.plan.id, { reason: 'keep it' })).plan.status).toBe('rejected');
    expect((await admin.verifyAudit()).ok).toBe(true);
    expect(await admin.releaseLease('smith')).toEqual({});

    const fromCommands = await agent.proposeFromCommands({ case: 'smith', description: 'tidy', commands: 'rm intake/b.txt' });
    expect(fromCommands.translation).toEqual([{ line: 1, text: 'rm intake/b.txt', operations: [0] }]);
    expect(agent.consoleUrl(fromCommands.plan.id)).toBe(`${bailiff.url}/ui/plans/${fromCommands.plan.id}`);
  });

  it('returns the plan as it is when waiting times out', async () => {
    const proposed = await agent.propose({ case: 'smith', description: 'wait', operations: [{ type: 'create_dir', destination: 'w' }] });
    const waited = await agent.waitForPlan(proposed.plan.id, { until: ['succeeded'], timeoutMs: 50, intervalMs: 20 });
    expect(waited).toMatchObject({ timedOut: true, view: { plan: { status: 'proposed' } } });
  });

  it('raises typed errors with code, status and field paths', async () => {
    const invalid = await caught(agent.propose({ case: 'smith', description: 'x', operations: [{ type: 'move', source: '../a', destination: 'b' }] }));
    expect(invalid).toMatchObject({ code: 'invalid_input', status: 400 });
    expect(invalid.fieldPaths).toEqual(['operations.0.source']);
    expect(invalid.describe()).toBe('invalid_input: invalid plan\n  - operations.0.source: unsafe path: `..` segments are not allowed');

    const refused = await caught(agent.proposeFromCommands({ case: 'smith', description: 'x', commands: 'ls' }));
    expect(refused.details).toEqual([{ line: 1, column: 1, message: expect.stringContaining('`ls` only reads') }]);
    expect(refused.describe()).toContain('line 1, column 1: `ls` only reads');

    expect(await caught(approver.propose({ case: 'smith', description: 'x', operations: [{ type: 'create_dir', destination: 'y' }] }))).toMatchObject({
      code: 'forbidden',
      status: 403,
    });
    expect(await caught(agent.getPlan('pln_000000000000000000000000'))).toMatchObject({ code: 'not_found', status: 404 });
    expect(await caught(new BailiffClient({ baseUrl: bailiff.url }).listPlans())).toMatchObject({ code: 'unauthenticated', status: 401 });
    const unreachable = await caught(new BailiffClient({ baseUrl: 'http://127.0.0.1:1', token: 'x' }).listPlans());
    expect(unreachable).toMatchObject({ code: 'unavailable', status: 0, retryable: true });
  });
});

describe('settingsFromEnvironment', () => {
  it('takes BAILIFF_URL and BAILIFF_TOKEN', async () => {
    const settings = settingsFromEnvironment({ BAILIFF_URL: 'http://127.0.0.1:9/', BAILIFF_TOKEN: 'tok' });
    expect(settings.baseUrl).toBe('http://127.0.0.1:9');
    expect(await settings.token()).toBe('tok');
  });

  it('defaults to the local server without a token', async () => {
    const settings = settingsFromEnvironment({});
    expect(settings.baseUrl).toBe('http://127.0.0.1:8080');
    expect(await settings.token()).toBeUndefined();
  });

  it('refuses a URL that is not http(s), naming the variable', () => {
    expect(() => settingsFromEnvironment({ BAILIFF_URL: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'invalid_input', details: [expect.objectContaining({ path: 'BAILIFF_URL' })] }),
    );
  });
});
