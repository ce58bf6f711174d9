/**
 * `POST /plans/from-commands` and `GET /cases/{case}/files/text` on the embedded server:
 * shell lines become a stored plan (with the line → operations map) that runs like any other;
 * refused lines come back as a 400 naming line and column; text files are read in pages.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';

let bailiff: EmbeddedBailiff;

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${bailiff.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({
    'projects/abby/intake/records_001.pdf': 'medical record one',
    'projects/abby/intake/records_002.pdf': 'medical record two',
    'projects/abby/intake/police-report.pdf': 'police report',
    'projects/abby/notes/long.txt': 'é'.repeat(100),
    'projects/abby/scan.bin': Buffer.from([0x25, 0x50, 0x00, 0xff]),
  });
});

afterAll(async () => {
  await bailiff?.stop();
});

describe('POST /plans/from-commands', () => {
  it('proposes the translated plan, which is approved and applied like any other', async () => {
    const proposed = await call('POST', '/plans/from-commands', TEST_TOKENS.agent, {
      case: 'abby',
      description: 'Sort intake',
      commands: 'mkdir -p "Medical Records/Provider1"\nmv intake/records_*.pdf "Medical Records/Provider1/"\nrm intake/police-report.pdf',
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.translation).toEqual([
      { line: 1, text: 'mkdir -p "Medical Records/Provider1"', operations: [0] },
      { line: 2, text: 'mv intake/records_*.pdf "Medical Records/Provider1/"', operations: [1, 2] },
      { line: 3, text: 'rm intake/police-report.pdf', operations: [3] },
    ]);
    expect(proposed.body.plan).toMatchObject({ status: 'proposed', operationCount: 4, description: 'Sort intake' });
    expect(proposed.body.report.valid).toBe(true);
    const id = proposed.body.plan.id;
    const approved = await call('POST', `/plans/${id}/approve`, TEST_TOKENS.approver, {
      planHash: proposed.body.plan.planHash,
      snapshotHash: proposed.body.report.snapshotHash,
    });
    expect(approved.status).toBe(200);
    expect((await call('POST', `/plans/${id}/apply`, TEST_TOKENS.agent)).status).toBe(202);
    for (let i = 0; i < 200; i += 1) {
      const { body } = await call('GET', `/plans/${id}`, TEST_TOKENS.agent);
      if (body.plan.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await call('GET', `/plans/${id}`, TEST_TOKENS.agent)).body.plan.status).toBe('succeeded');
    expect((await readdir(`${bailiff.caseDir('abby')}/Medical Records/Provider1`)).sort()).toEqual(['records_001.pdf', 'records_002.pdf']);
    expect(await readdir(`${bailiff.caseDir('abby')}/intake`).catch(() => [])).toEqual([]);
  });

  it('refuses a line with its line, column and reason, and stores nothing', async () => {
    const before = (await call('GET', '/plans', TEST_TOKENS.agent)).body.plans.length;
    const refused = await call('POST', '/plans/from-commands', TEST_TOKENS.agent, {
      case: 'abby',
      description: 'Bad',
      commands: 'mkdir ok\nrm -rf notes | tee log',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'invalid_input',
      message: 'the commands cannot be turned into a plan',
      details: [{ line: 2, column: 14, message: 'pipes (`|`) are not supported; nothing is executed' }],
    });
    expect((await call('GET', '/plans', TEST_TOKENS.agent)).body.plans.length).toBe(before);
  });

  it('validates the body with field paths, and keeps approvers out', async () => {
    const missing = await call('POST', '/plans/from-commands', TEST_TOKENS.agent, { case: 'abby', commands: 'mkdir x' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'description', message: expect.any(String) }]);
    expect((await call('POST', '/plans/from-commands', TEST_TOKENS.approver, { case: 'abby', description: 'd', commands: 'mkdir x' })).status).toBe(403);
  });
});

describe('GET /cases/{case}/files/text', () => {
  it('reads a text file in pages that never split a character', async () => {
    const first = await call('GET', '/cases/abby/files/text?path=notes/long.txt&limit=7', TEST_TOKENS.approver);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ case: 'abby', path: 'notes/long.txt', size: 200, offset: 0, text: 'ééé', nextOffset: 6 });
    const last = await call('GET', '/cases/abby/files/text?path=notes/long.txt&offset=196', TEST_TOKENS.agent);
    expect(last.body.text).toBe('éé');
    expect(last.body.nextOffset).toBeUndefined();
    const middle = await call('GET', '/cases/abby/files/text?path=notes/long.txt&offset=1', TEST_TOKENS.agent);
    expect(middle.status).toBe(400);
    expect(middle.body.error.details).toEqual([{ path: 'offset', message: 'not at the start of a character; use the nextOffset a previous page returned' }]);
  });

  it('refuses binary files, missing files and unsafe paths', async () => {
    const binary = await call('GET', '/cases/abby/files/text?path=scan.bin', TEST_TOKENS.agent);
    expect(binary.status).toBe(400);
    expect(binary.body.error.message).toBe('`scan.bin` is not a text file');
    expect((await call('GET', '/cases/abby/files/text?path=nope.txt', TEST_TOKENS.agent)).status).toBe(404);
    const unsafe = await call('GET', '/cases/abby/files/text?path=../other/x', TEST_TOKENS.agent);
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.error.details[0]).toEqual({ path: 'path', message: 'unsafe path: `..` segments are not allowed' });
  });
});
