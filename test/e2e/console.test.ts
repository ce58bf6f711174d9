/**
 * The approver's console in a real browser (Debian's Chromium through playwright-core) against
 * the embedded server: sign-in and sign-out, the inbox, the plan page's tree diff, approving,
 * running, watching progress, the audit trail and a rollback; what the author, an agent and a
 * second approver see; an expired approval; accessibility (axe-core). One browser for the file.
 */
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { SAMPLE_PLAN } from '../../functions/sample-case.ts';

const TOKENS = {
  'agent-token-0123456789abcdef': { principal: 'agent@local', roles: ['agent'] },
  'alice-token-0123456789abcdef': { principal: 'alice@local', roles: ['approver'] },
  'bob-token-0123456789abcdef': { principal: 'bob@local', roles: ['approver'] },
  'carol-token-0123456789abcdef': { principal: 'carol@local', roles: ['agent', 'approver'] },
  'admin-token-0123456789abcdef': { principal: 'admin@local', roles: ['admin'] },
};
const AGENT: Principal = { id: 'agent@local', roles: ['agent'] };
const ALICE: Principal = { id: 'alice@local', roles: ['approver'] };
const CAROL: Principal = { id: 'carol@local', roles: ['agent', 'approver'] };
const CASE = 'abby-sitgraves';

/** The first run's sample plan (the README's sorting of intake), filed in this test's case. */
const WALKTHROUGH = { ...SAMPLE_PLAN, case: CASE };

let dir: string;
let app: EmbeddedApp;
let server: RunningServer;
let browser: Browser;
const clockOffset = { ms: 0 };
const problems: string[] = [];
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function newPage(context = browser.context): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    // Refused requests (401, 409) are part of the scenarios; anything else, such as a
    // Content-Security-Policy violation or a script error, is a defect.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return page;
}

async function signIn(page: Page, token: string, path = '/ui/') {
  await page.goto(`${server.url}${path}`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#session .who-name').waitFor();
}

async function openPlan(page: Page, planId: string) {
  await page.goto(`${server.url}/ui/plans/${planId}`);
  await page.locator(`html[data-plan-ready="${planId}"]`).waitFor();
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

/** A request to the API as another person's client (the CLI, a script) would send it. */
async function http(token: string, method: string, path: string, body?: unknown) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function statusText(page: Page) {
  return (await page.locator('.plan-title-row .status').textContent())?.trim();
}

// Installing Chromium on a fresh machine (apt-get) can take minutes; it happens once, here.
const BROWSER_SETUP_MS = 15 * 60_000;

beforeAll(async () => {
  ensureChromium();
  dir = await mkdtemp(join(tmpdir(), 'bailiff-console-'));
  const caseDir = join(dir, 'workspace', 'projects', CASE);
  await mkdir(join(caseDir, 'intake'), { recursive: true });
  await mkdir(join(caseDir, 'Drafts'), { recursive: true });
  await writeFile(join(caseDir, 'intake', 'records_001.pdf'), 'medical record one');
  await writeFile(join(caseDir, 'intake', 'records_002.pdf'), 'medical record two');
  await writeFile(join(caseDir, 'intake', 'police-report.pdf'), 'police report');
  for (let i = 1; i <= 6; i += 1) await writeFile(join(caseDir, 'Drafts', `draft-${i}.docx`), `draft ${i}`);
  const policyFile = join(dir, 'policy.json');
  await writeFile(
    policyFile,
    JSON.stringify({ version: 'test-policy', fourEyes: { approvals: 2, whenDeletes: false, whenOverwrites: false, whenObjectsRemovedOver: 5 } }),
  );
  const config = parseConfig({
    BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify(TOKENS),
    BAILIFF_POLICY_FILE: policyFile,
  });
  app = buildEmbeddedApp(config, { logger: silentLogger, clock: { now: () => new Date(Date.now() + clockOffset.ms) } });
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: { api: app.service, review: app.review, identity: app.identity, health: app.health, limits: { maxBodyBytes: 1024 * 1024 }, logger: silentLogger },
  });
  browser = await launchBrowser();
}, BROWSER_SETUP_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close(100);
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the approver console', () => {
  let walkthroughId: string;

  it('returns to sign-in, saying why, for a wrong token and for one that stops working', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/ui/`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Access token').fill('not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token was not accepted').waitFor();
    await expect(page.getByLabel('Access token').isVisible()).resolves.toBe(true);

    await signIn(page, 'alice-token-0123456789abcdef');
    // The token stops being accepted mid-session (as an expired Google ID token would).
    await page.evaluate(() => sessionStorage.setItem('bailiff.token', 'expired-token-0123456789abcdef'));
    await page.getByRole('link', { name: 'Bailiff' }).click();
    await page.getByText('That token was not accepted').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('bailiff.token'))).toBeNull();
    await page.close();
  });

  it('shows an agent the plan it proposed read-only, after a deep link survives sign-in', async () => {
    const proposed = await app.service.propose(AGENT, WALKTHROUGH);
    walkthroughId = proposed.plan.id;
    const page = await newPage();
    await signIn(page, 'agent-token-0123456789abcdef', `/ui/plans/${walkthroughId}`);
    await page.locator(`html[data-plan-ready="${walkthroughId}"]`).waitFor();
    expect(page.url()).toBe(`${server.url}/ui/plans/${walkthroughId}`);
    const approve = page.getByRole('button', { name: 'Approve this plan' });
    expect(await approve.isDisabled()).toBe(true);
    expect(await page.locator('#approve-reason').textContent()).toMatch(/needs the approver role/);
    expect(await page.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
    await page.getByText('You are signed in without the approver role').waitFor();
    // Sign-out forgets the token.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('bailiff.token'))).toBeNull();
    await page.close();
  });

  it('lets an approver review the tree, approve, run, watch it finish, read the audit and propose a rollback', async () => {
    const page = await newPage();
    await signIn(page, 'alice-token-0123456789abcdef');
    const awaiting = page.locator('.plan-list-awaiting');
    await awaiting.getByText(WALKTHROUGH.description).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await awaiting.getByRole('link', { name: new RegExp(WALKTHROUGH.description) }).click();
    await page.locator(`html[data-plan-ready="${walkthroughId}"]`).waitFor();

    // Each move, as from → to, in the tree.
    const tree = page.locator('.tree-box');
    for (const operation of WALKTHROUGH.operations.filter((op) => op.type === 'move')) {
      await tree.locator('.is-moved-in .tree-detail', { hasText: `${operation.source} → ${operation.destination}` }).waitFor();
    }
    expect(await tree.locator('.is-moved-out').count()).toBe(3);
    expect(await tree.locator('.is-created').count()).toBe(1);
    expect(await page.locator('.risk-item', { hasText: 'Files moved' }).locator('.risk-value').textContent()).toBe('3');
    expect(await page.locator('.verdict').first().textContent()).toMatch(/Needs 1 approval/);

    // Folders fold and unfold from the keyboard; unchanged ones are folded away.
    const intake = tree.getByRole('button', { name: /^intake\// });
    expect(await intake.getAttribute('aria-expanded')).toBe('true');
    await intake.focus();
    await page.keyboard.press('Enter');
    expect(await intake.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Space');
    expect(await intake.getAttribute('aria-expanded')).toBe('true');
    await tree.getByRole('button', { name: /1 unchanged folder \(6 files in all\), not changed/ }).waitFor();

    // The new file's content, previewed.
    await tree.getByRole('button', { name: 'Preview' }).click();
    await page.locator('dialog .preview-text', { hasText: '# Intake sorted' }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await seriousViolations(page)).toEqual([]);

    // Approve what is displayed (its hash), then run it while another plan holds the case.
    await page.getByLabel('Comment (optional)').fill('Looks right');
    await page.getByRole('button', { name: 'Approve this plan' }).click();
    await page.getByText('Approved. The plan can now be run.').waitFor();
    expect(await statusText(page)).toBe('Approved');
    const lease = await app.plans.acquireLease({ case: CASE, planId: 'pln_0000000000000', owner: 'test', ttlMs: 60_000, now: new Date() });
    expect(lease.acquired).toBe(true);
    await page.getByRole('button', { name: 'Run this plan now' }).click();
    await page.locator('.progress-card', { hasText: 'Waiting to start' }).waitFor();
    expect(await page.locator('.progress-text').textContent()).toMatch(/^0 of 5 steps/);
    if (lease.acquired) await app.plans.releaseLease(lease.lease);
    await app.queue.publish({ version: 1, planId: walkthroughId, reason: 'retry', attempt: 1 });
    await page.getByText('The plan ran to the end.').waitFor({ timeout: 15_000 });
    expect(await statusText(page)).toBe('Completed');
    await page.locator('.results-summary', { hasText: '5 done' }).waitFor();
    expect(await page.locator('.results tbody tr').count()).toBe(5);

    // The audit trail: every step by whom; chain verification is for admins.
    const timeline = page.locator('.timeline');
    for (const event of ['Proposed', 'Approved', 'Queued to run', 'Started running', 'Completed'])
      await timeline.getByText(event, { exact: true }).first().waitFor();
    expect(await timeline.textContent()).toContain('Looks right');
    await page.getByText('Chain verification: Verifying the audit chain needs the admin role.').waitFor();

    // Undo: a new plan, opened on its own page.
    await page.getByRole('button', { name: 'Propose rollback' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/ui/plans/') && !url.pathname.endsWith(walkthroughId));
    await page.locator('.fact', { hasText: 'Undoes' }).getByText(walkthroughId).waitFor();
    expect(await statusText(page)).toBe('Awaiting approval');
    expect(await page.locator('#approve-reason').textContent()).toMatch(/You proposed this plan/);
    const rollbackUrl = page.url();

    // As the README tells a newcomer: sign out, sign in as another approver, approve and run it.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').fill('bob-token-0123456789abcdef');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`html[data-plan-ready="${rollbackUrl.split('/').pop()}"]`).waitFor();
    expect(page.url()).toBe(rollbackUrl);
    await page.getByRole('button', { name: 'Approve this plan' }).click();
    await page.getByText('Approved. The plan can now be run.').waitFor();
    await page.getByRole('button', { name: 'Run this plan now' }).click();
    await page.getByText('The plan ran to the end.').waitFor({ timeout: 15_000 });
    await page.locator('.fact', { hasText: 'Undoes' }).getByRole('link').click();
    await page.locator(`html[data-plan-ready="${walkthroughId}"]`).waitFor();
    expect(await statusText(page)).toBe('Rolled back');
    await page.close();
  });

  it("disables the author's approve control and says why", async () => {
    const proposed = await app.service.propose(CAROL, {
      case: CASE,
      description: 'Carol files the police report',
      operations: [{ type: 'create_dir', destination: 'Police/Reports' }],
    });
    const page = await newPage();
    await signIn(page, 'carol-token-0123456789abcdef');
    await openPlan(page, proposed.plan.id);
    expect(await page.getByRole('button', { name: 'Approve this plan' }).isDisabled()).toBe(true);
    expect(await page.locator('#approve-reason').textContent()).toMatch(/You proposed this plan, and nobody may approve their own plan/);
    await page.close();
  });

  it('needs a second approver under four eyes, and shows who approved', async () => {
    const proposed = await app.service.propose(AGENT, {
      case: CASE,
      description: 'Remove the old drafts',
      operations: [{ type: 'delete', source: 'Drafts/' }],
    });
    const alice = await newPage();
    await signIn(alice, 'alice-token-0123456789abcdef');
    await openPlan(alice, proposed.plan.id);
    expect(await alice.locator('.verdict').first().textContent()).toMatch(/Needs 2 approvals from different people because it deletes 6 files/);
    await alice.getByRole('button', { name: 'Approve this plan' }).click();
    await alice.getByText('Your approval is recorded. The plan needs another approver.').waitFor();
    expect(await alice.locator('.approvals-count').textContent()).toBe('1 of 2 approvals');
    expect(await statusText(alice)).toBe('Awaiting approval');
    expect(await alice.getByRole('button', { name: 'Approve this plan' }).isDisabled()).toBe(true);
    expect(await alice.locator('#approve-reason').textContent()).toMatch(/already approved/);

    const bob = await newPage();
    await signIn(bob, 'bob-token-0123456789abcdef');
    await openPlan(bob, proposed.plan.id);
    await bob.locator('.approvers', { hasText: 'alice@local' }).waitFor();
    await bob.getByRole('button', { name: 'Approve this plan' }).click();
    await bob.getByText('Approved. The plan can now be run.').waitFor();
    expect(await bob.locator('.approvals-count').textContent()).toBe('2 of 2 approvals');
    await alice.close();
    await bob.close();
  });

  it('requires a reason to reject, and shows API errors in words', async () => {
    const proposed = await app.service.propose(AGENT, {
      case: CASE,
      description: 'File nothing useful',
      operations: [{ type: 'create_dir', destination: 'Misc' }],
    });
    // A browser of its own whose clock stops: the page cannot notice the rejection below
    // before its click (a clock is shared by every page of a browser).
    const stopped = await launchBrowser();
    const page = await newPage(stopped.context);
    await page.clock.install();
    await signIn(page, 'alice-token-0123456789abcdef');
    await openPlan(page, proposed.plan.id);
    await page.clock.pauseAt(Date.now() + 60_000);
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Say why you reject the plan').waitFor();
    // Someone rejects it elsewhere first: this page's request now fails, in words, and the page
    // shows the plan as it now is.
    await app.service.reject({ id: 'bob@local', roles: ['approver'] }, proposed.plan.id, { reason: 'duplicate' });
    await page.getByLabel('Reason for rejecting').fill('Not needed');
    await page.getByRole('button', { name: 'Reject' }).click();
    const error = page.locator('.feedback .notice-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/The plan changed in the meantime\. The plan is rejected; only a proposed or approved plan can be rejected\./);
    expect(await error.textContent()).not.toContain('{');
    await page.locator('.plan-title-row .status', { hasText: 'Rejected' }).waitFor();
    await page.locator('.notice', { hasText: 'Rejected by bob@local' }).waitFor();
    await stopped.close();
  });

  it('follows a plan while it is open: another approver approves and runs it, and the page shows it finished without a reload', async () => {
    const proposed = await app.service.propose(AGENT, {
      case: CASE,
      description: 'Add an expert reports folder',
      operations: [{ type: 'create_dir', destination: 'Experts' }],
    });
    const id = proposed.plan.id;
    const page = await newPage();
    await signIn(page, 'alice-token-0123456789abcdef');
    await openPlan(page, id);
    const approve = page.getByRole('button', { name: 'Approve this plan' });
    expect(await approve.isDisabled()).toBe(false);
    await page.getByLabel('Comment (optional)').fill('half-written thought');
    let reloads = 0;
    page.on('framenavigated', () => (reloads += 1));

    // An unchanged plan answers 304 to the ETag it was sent with.
    const first = await http('bob-token-0123456789abcdef', 'GET', `/plans/${id}`);
    expect(first.headers.get('etag')).toMatch(/^".+"$/);
    const again = await fetch(`${server.url}/plans/${id}`, {
      headers: { authorization: 'Bearer bob-token-0123456789abcdef', 'if-none-match': first.headers.get('etag')! },
    });
    expect(again.status).toBe(304);

    // Bob approves and runs it over HTTP, as the CLI would.
    const view = (await first.json()) as { plan: { planHash: string }; report: { snapshotHash?: string } };
    const approved = await http('bob-token-0123456789abcdef', 'POST', `/plans/${id}/approve`, {
      planHash: view.plan.planHash,
      snapshotHash: view.report.snapshotHash,
    });
    expect(approved.status).toBe(200);
    const applied = await http('bob-token-0123456789abcdef', 'POST', `/plans/${id}/apply`, {});
    expect(applied.status).toBe(202);
    const changedAt = Date.now();
    await page.locator('.plan-title-row .status', { hasText: 'Completed' }).waitFor({ timeout: 3_000 });
    expect(Date.now() - changedAt).toBeLessThan(3_000);
    expect(reloads).toBe(0);
    // Every panel says the same: no Approve to press, bob in the approvals, the results shown.
    await page.locator('.approvers', { hasText: 'bob@local' }).waitFor();
    expect(await approve.count()).toBe(0);
    await page.locator('.results-summary', { hasText: '1 done' }).waitFor();
    expect(await page.locator('.feedback').textContent()).not.toMatch(/Queued|Progress appears below/);
    await page.close();
  });

  it('offers "validate again" for an expired approval', async () => {
    const proposed = await app.service.propose(AGENT, {
      case: CASE,
      description: 'Add a correspondence folder',
      operations: [{ type: 'create_dir', destination: 'Correspondence' }],
    });
    await app.service.approve(ALICE, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
    clockOffset.ms = 73 * 3600 * 1000;
    try {
      const page = await newPage();
      await signIn(page, 'alice-token-0123456789abcdef');
      await openPlan(page, proposed.plan.id);
      await page.getByText('The approval window has passed. The files may have changed').waitFor();
      await page.getByRole('button', { name: 'Validate again' }).click();
      await page.getByText('Validated again: the plan can be approved.').waitFor();
      expect(await statusText(page)).toBe('Awaiting approval');
      await page.close();
    } finally {
      clockOffset.ms = 0;
    }
  });

  it('fits a phone screen, and the admin sees the audit chain verified', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, 'admin-token-0123456789abcdef');
    await openPlan(page, walkthroughId);
    await page.getByText(/Audit chain verified: \d+ records in 1 chain, every link intact/).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // What the plan does comes before the decision on a narrow screen.
    const summaryTop = (await page.locator('#risk-heading').boundingBox())!.y;
    expect(summaryTop).toBeLessThan((await page.locator('#decision-heading').boundingBox())!.y);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });
});
