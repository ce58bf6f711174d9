/**
 * A document's chain of custody on the console, in a real browser (Debian's Chromium through
 * playwright-core) against the embedded server: from a plan's tree, a file's "History" link
 * opens the document's history; a document moved three times and overwritten once shows the
 * four changes newest first, each with its plan (linked), paths, generation, checksum, proposer,
 * approvers and their comments, and its audit record; the history pages; axe-core finds no
 * serious violation and the page breaks no Content-Security-Policy rule.
 */
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../functions/local.ts';
import { parseConfig } from '../../shared/config.ts';
import { silentLogger } from '../../shared/logging.ts';
import { ensureChromium, launchBrowser, type Browser } from '../support/browser.ts';

const TOKENS = {
  agent: 'agent-token-0123456789abcdef',
  alice: 'alice-token-0123456789abcdef',
  bob: 'bob-token-0123456789abcdef',
} as const;
const TOKEN_TABLE = {
  [TOKENS.agent]: { principal: 'agent@firm.example', roles: ['agent'] },
  [TOKENS.alice]: { principal: 'alice@firm.example', roles: ['approver'] },
  [TOKENS.bob]: { principal: 'bob@firm.example', roles: ['approver'] },
};
const CASE = 'hist-case';
const BROWSER_SETUP_MS = 15 * 60_000;

let dir: string;
let server: LocalServer;
let browser: Browser;
const problems: string[] = [];
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Proposed by the agent, approved by Alice with `comment` (and Bob when the policy asks two), run to the end. */
async function run(description: string, operations: unknown[]): Promise<string> {
  const proposed = await api(TOKENS.agent, 'POST', '/plans', { case: CASE, description, operations });
  expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
  const id: string = proposed.body.plan.id;
  const reviewed = { planHash: proposed.body.plan.planHash, snapshotHash: proposed.body.report.snapshotHash };
  let approved = await api(TOKENS.alice, 'POST', `/plans/${id}/approve`, { ...reviewed, comment: `ok: ${description}` });
  if (approved.body.decisions.approvals.remaining > 0) approved = await api(TOKENS.bob, 'POST', `/plans/${id}/approve`, reviewed);
  expect(approved.body.plan.status).toBe('approved');
  expect((await api(TOKENS.agent, 'POST', `/plans/${id}/apply`)).status).toBe(202);
  for (let i = 0; i < 200; i += 1) {
    const status = (await api(TOKENS.agent, 'GET', `/plans/${id}`)).body.plan.status;
    if (status === 'succeeded') return id;
    expect(status).not.toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`plan ${id} did not finish`);
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (message) => {
    // A Content-Security-Policy violation or a script error is reported as a console error.
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return page;
}

async function signIn(page: Page, token: string, path: string) {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#session .who-name').waitFor();
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run(),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

let plans: string[];

beforeAll(async () => {
  ensureChromium();
  dir = await mkdtemp(join(tmpdir(), 'bailiff-console-history-'));
  await mkdir(join(dir, 'workspace', 'projects', CASE, 'intake'), { recursive: true });
  await writeFile(join(dir, 'workspace', 'projects', CASE, 'intake', 'scan.pdf'), 'first version');
  await writeFile(join(dir, 'workspace', 'projects', CASE, 'intake', 'other.pdf'), 'unrelated');
  server = await startLocalServer(
    parseConfig({
      BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
      BAILIFF_STATE_DIR: join(dir, 'state'),
      BAILIFF_TOKENS: JSON.stringify(TOKEN_TABLE),
      PORT: '0',
    }),
    { logger: silentLogger },
  );
  plans = [
    await run('Sort the scan', [{ type: 'move', source: 'intake/scan.pdf', destination: 'sorted/scan.pdf' }]),
    await run('File under Medical', [{ type: 'move', source: 'sorted/scan.pdf', destination: 'Medical/scan.pdf' }]),
    await run('Replace with the clean scan', [{ type: 'write_file', destination: 'Medical/scan.pdf', content: 'second version', overwrite: true }]),
    await run('Final name', [
      { type: 'move', source: 'Medical/scan.pdf', destination: 'Final/records.pdf' },
      { type: 'move', source: 'intake/other.pdf', destination: 'Final/other.pdf' },
    ]),
  ];
  browser = await launchBrowser();
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a document's history on the console", () => {
  it("opens from the file's History link in a plan's tree and lists the four changes, newest first, with their approvers", async () => {
    const [first, second, third, fourth] = plans as [string, string, string, string];
    const page = await newPage();
    await signIn(page, TOKENS.alice, `/ui/plans/${fourth}`);
    await page.locator(`html[data-plan-ready="${fourth}"]`).waitFor();
    await page.locator('.tree-box').getByRole('link', { name: 'History of Final/records.pdf' }).click();
    await page.locator('html[data-history-ready="Final/records.pdf"]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/ui/cases/${CASE}/history`);
    await page.getByRole('heading', { level: 1, name: 'History of Final/records.pdf' }).waitFor();

    const items = page.locator('.history-item');
    expect(await items.count()).toBe(4);
    const expected = [
      { plan: fourth, title: 'Moved', description: 'Final name', paths: 'Medical/scan.pdf → Final/records.pdf' },
      { plan: third, title: 'Replaced', description: 'Replace with the clean scan', paths: 'Medical/scan.pdf' },
      { plan: second, title: 'Moved', description: 'File under Medical', paths: 'sorted/scan.pdf → Medical/scan.pdf' },
      { plan: first, title: 'Moved', description: 'Sort the scan', paths: 'intake/scan.pdf → sorted/scan.pdf' },
    ];
    const history = (await api(TOKENS.alice, 'GET', `/cases/${CASE}/files/history?path=Final/records.pdf`)).body;
    for (const [i, want] of expected.entries()) {
      const item = items.nth(i);
      expect(await item.locator('.history-change').textContent()).toBe(want.title);
      const link = item.getByRole('link', { name: want.description });
      expect(await link.getAttribute('href')).toBe(`plans/${want.plan}`);
      const text = (await item.textContent()) ?? '';
      expect(text).toContain(want.paths);
      expect(text).toContain('agent@firm.example');
      expect(await item.locator('.history-approvers li').first().textContent()).toContain('alice@firm.example');
      expect(await item.locator('.history-approvers q').first().textContent()).toBe(`ok: ${want.description}`);
      const change = history.changes[i];
      expect(text).toContain(change.generation);
      expect(await item.locator('code.hash', { hasText: `#${change.audit.seq} ` }).getAttribute('title')).toBe(change.audit.hash);
    }
    expect(await items.nth(1).locator('code.hash', { hasText: 'MD5' }).textContent()).toBe(`MD5 ${history.changes[1].md5}`);
    expect(await seriousViolations(page)).toEqual([]);

    // The plan is a click away.
    await items.nth(3).getByRole('link', { name: 'Sort the scan' }).click();
    await page.locator(`html[data-plan-ready="${first}"]`).waitFor();
    await page.close();
    expect(problems).toEqual([]);
  });

  it('pages through the history, newest first, and back', async () => {
    const [first, second, third, fourth] = plans as [string, string, string, string];
    const page = await newPage();
    await signIn(page, TOKENS.bob, `/ui/cases/${CASE}/history?path=${encodeURIComponent('intake/scan.pdf')}&limit=2`);
    await page.locator('html[data-history-ready="intake/scan.pdf"]').waitFor();
    const planIds = () => page.locator('.history-plan').evaluateAll((links) => links.map((link) => link.getAttribute('href')?.replace('plans/', '')));
    expect(await planIds()).toEqual([fourth, third]);
    expect(await page.getByRole('link', { name: '← Newest' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Older changes →' }).click();
    await page.locator('html[data-history-ready="intake/scan.pdf"]').waitFor();
    expect(await planIds()).toEqual([second, first]);
    expect(await page.getByRole('link', { name: 'Older changes →' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: '← Newest' }).click();
    await page.locator('html[data-history-ready="intake/scan.pdf"]').waitFor();
    expect(await planIds()).toEqual([fourth, third]);

    // A file Bailiff never changed says so.
    await page.goto(`${server.url}/ui/cases/${CASE}/history?path=never/there.pdf`);
    await page.locator('html[data-history-ready="never/there.pdf"]').waitFor();
    await page.getByText('Bailiff has made no change to this document.').waitFor();
    await page.close();
    expect(problems).toEqual([]);
  });
});
