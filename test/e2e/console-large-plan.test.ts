/**
 * The console on a 5,000-move plan, in a real browser against the embedded server: the tiles
 * count the whole plan, the operations list says how much of it it shows, and while the plan
 * runs the progress bar moves (a value strictly between 0% and 100% is seen) and ends at 100%.
 * And a plan whose files moved under it: every panel tells the same story.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp, type EmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer, type RunningServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { Principal } from '../../shared/ports/identity.ts';
import { ensureChromium, launchBrowser, type Browser } from '../support/browser.ts';

const TOKENS = {
  'agent-token-0123456789abcdef': { principal: 'agent@local', roles: ['agent'] },
  'alice-token-0123456789abcdef': { principal: 'alice@local', roles: ['approver'] },
  'bob-token-0123456789abcdef': { principal: 'bob@local', roles: ['approver'] },
};
const AGENT: Principal = { id: 'agent@local', roles: ['agent'] };
const ALICE: Principal = { id: 'alice@local', roles: ['approver'] };
const BOB: Principal = { id: 'bob@local', roles: ['approver'] };
const CASE = 'bulk-scans';
const MOVES = 5_000;

let dir: string;
let app: EmbeddedApp;
let server: RunningServer;
let browser: Browser;
const problems: string[] = [];

const BROWSER_SETUP_MS = 15 * 60_000;

beforeAll(async () => {
  ensureChromium();
  dir = await mkdtemp(join(tmpdir(), 'bailiff-console-large-'));
  const scans = join(dir, 'workspace', 'projects', CASE, 'scans');
  await mkdir(scans, { recursive: true });
  for (let i = 0; i < MOVES; i += 1) await writeFile(join(scans, `scan-${String(i).padStart(4, '0')}.pdf`), `page ${i}`);
  const config = parseConfig({ BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state'), BAILIFF_TOKENS: JSON.stringify(TOKENS) });
  app = buildEmbeddedApp(config, { logger: silentLogger });
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api: app.service,
      review: app.review,
      identity: app.identity,
      health: app.health,
      limits: { maxBodyBytes: 16 * 1024 * 1024 },
      logger: silentLogger,
    },
  });
  browser = await launchBrowser();
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function signedInPage(token: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript((value) => sessionStorage.setItem('bailiff.token', value), token);
  return page;
}

describe('the console on a 5,000-operation plan', () => {
  it('counts the whole plan, says how much of the list it shows, and shows the bar moving while it runs', async () => {
    const proposed = await app.service.propose(AGENT, {
      case: CASE,
      description: 'File 5,000 scans by batch',
      operations: Array.from({ length: MOVES }, (_, i) => {
        const name = `scan-${String(i).padStart(4, '0')}.pdf`;
        return { type: 'move', source: `scans/${name}`, destination: `Filed/batch-${String(i % 50).padStart(2, '0')}/${name}` };
      }),
    });
    expect(proposed.report.errors).toEqual([]);
    const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
    // The built-in policy asks two people to approve moving 5,000 files away.
    await app.service.approve(ALICE, proposed.plan.id, reviewed);
    await app.service.approve(BOB, proposed.plan.id, reviewed);

    const page = await signedInPage('alice-token-0123456789abcdef');
    await page.goto(`${server.url}/ui/plans/${proposed.plan.id}`);
    await page.locator(`html[data-plan-ready="${proposed.plan.id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('.risk-item', { hasText: 'Files moved' }).locator('.risk-value').textContent()).toBe('5,000');
    expect(await page.locator('#operations-heading').textContent()).toBe('Operations (5,000)');
    expect(await page.locator('.list-count').textContent()).toBe('Showing 1,000 of 5,000 operations.');
    expect(await page.locator('ol.operations > li').count()).toBe(1_000);

    // Every value the bar takes, as the page draws it.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { barValues: number[] }).barValues = seen;
      const record = () => {
        const bar = document.querySelector<HTMLProgressElement>('.progress-bar');
        if (bar) seen.push(bar.value / bar.max);
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
    });
    await page.getByRole('button', { name: 'Run this plan now' }).click();
    await page.locator('.plan-title-row .status', { hasText: 'Completed' }).waitFor({ timeout: 120_000 });
    await page.locator('.progress-card h2', { hasText: 'Completed' }).waitFor();

    const values = await page.evaluate(() => (window as unknown as { barValues: number[] }).barValues);
    const between = values.filter((value) => value > 0 && value < 1);
    expect(between.length, `bar values seen: ${values.map((value) => value.toFixed(3)).join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(values.at(-1)).toBe(1);
    expect(await page.locator('.progress-bar').evaluate((bar: HTMLProgressElement) => bar.value / bar.max)).toBe(1);
    expect(await page.locator('.progress-text').textContent()).toContain('5,000 of 5,000 steps');
    expect(problems).toEqual([]);
  }, 240_000);

  it('tells one story on a plan that went stale: tree, tiles, progress, results and audit agree', async () => {
    const folder = join(dir, 'workspace', 'projects', 'stale-case');
    await mkdir(join(folder, 'scans'), { recursive: true });
    await mkdir(join(folder, 'more'), { recursive: true });
    await writeFile(join(folder, 'scans', 'a.pdf'), 'a');
    for (const name of ['b.pdf', 'c.pdf']) await writeFile(join(folder, 'more', name), name);
    const operations = [
      { type: 'move', source: 'scans/a.pdf', destination: 'filed/a.pdf' },
      { type: 'move', source: 'more/', destination: 'filed/more/' },
    ];
    const proposed = await app.service.propose(AGENT, { case: 'stale-case', description: 'File the scans', operations });
    await app.service.approve(ALICE, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
    // After approval, someone files one scan by hand and adds another to the folder being moved.
    await mkdir(join(folder, 'filed'), { recursive: true });
    await writeFile(join(folder, 'filed', 'a.pdf'), 'filed by hand');
    await writeFile(join(folder, 'more', 'd.pdf'), 'arrived later');

    const page = await signedInPage('alice-token-0123456789abcdef');
    await page.goto(`${server.url}/ui/plans/${proposed.plan.id}`);
    await page.locator(`html[data-plan-ready="${proposed.plan.id}"]`).waitFor();
    // The dry run replaced nothing, so neither the tiles nor the tree say otherwise.
    expect(await page.locator('.risk-item', { hasText: 'Files replaced' }).locator('.risk-value').textContent()).toBe('0');
    expect(await page.locator('.tree-box .change-overwritten').count()).toBe(0);

    await page.getByRole('button', { name: 'Run this plan now' }).click();
    await page.locator('.plan-title-row .status', { hasText: 'Failed' }).waitFor({ timeout: 15_000 });
    await page.locator('.results-summary').waitFor();
    // One action found its destination taken; the other two never ran. The new file is no action.
    expect(await page.locator('.results-summary').textContent()).toBe('1 stale (file had changed) · 2 not run');
    expect(await page.locator('.progress-text').textContent()).toContain('3 of 3 steps · 0 done · 1 stale · 0 failed · 2 not run');
    const outcome = await page.locator('.progress-outcome').textContent();
    expect(outcome).toMatch(/^Failed after 0 objects changed: stale: /);
    expect(outcome).not.toContain('`');
    await page.locator('.timeline-detail', { hasText: '0 done, 1 stale, 0 failed' }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});
