/**
 * `npm run docs:screenshots`: the console's pictures in docs/ (inbox, a plan's tree diff, a
 * running plan), taken in Debian's Chromium from an embedded Bailiff filled with a small,
 * made-up law firm's cases. Re-run it after changing the pages, and look at the pictures.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { startHttpServer } from '../../shared/front-door/node-server.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { Principal } from '../../shared/ports/identity.ts';
import { launchBrowser } from './browser.ts';

const out = resolve(process.argv[2] ?? fileURLToPath(new URL('../../docs/', import.meta.url)));
const TOKENS = {
  'agent-token-0123456789abcdef': { principal: 'intake-agent@local', roles: ['agent'] },
  'approver-token-0123456789abcdef': { principal: 'paralegal@local', roles: ['approver'] },
  'approver2-token-0123456789abcdef': { principal: 'attorney@local', roles: ['approver'] },
};
const AGENT: Principal = { id: 'intake-agent@local', roles: ['agent'] };
const PARALEGAL: Principal = { id: 'paralegal@local', roles: ['approver'] };
const ATTORNEY: Principal = { id: 'attorney@local', roles: ['approver'] };

const dir = await mkdtemp(join(tmpdir(), 'bailiff-screens-'));
const workspace = join(dir, 'workspace');
async function file(path: string, bytes: number) {
  await mkdir(join(workspace, 'projects', path, '..'), { recursive: true });
  await writeFile(join(workspace, 'projects', path), Buffer.alloc(bytes, 0x41));
}
for (const name of ['records_001.pdf', 'records_002.pdf', 'police-report.pdf']) await file(`abby-sitgraves/intake/${name}`, 180_000);
for (const name of ['2026-03-02 letter to insurer.docx', '2026-03-09 reply from insurer.pdf', '2026-03-15 client email.eml'])
  await file(`abby-sitgraves/Correspondence/${name}`, 40_000);
for (const name of ['Complaint.pdf', 'Answer.pdf', 'Scheduling order.pdf']) await file(`abby-sitgraves/Pleadings/${name}`, 90_000);
for (let i = 1; i <= 6; i += 1) await file(`abby-sitgraves/Drafts/demand letter v${i}.docx`, 30_000);
for (let i = 0; i < 600; i += 1) await file(`cole-v-meridian/scans/batch-${String(i % 6).padStart(2, '0')}/scan-${String(i).padStart(4, '0')}.pdf`, 20_000);

const policyFile = join(dir, 'policy.json');
await writeFile(
  policyFile,
  JSON.stringify({ version: '2026-11-26', fourEyes: { approvals: 2, whenDeletes: false, whenOverwrites: true, whenObjectsRemovedOver: 5 } }),
);
const config = parseConfig({
  BAILIFF_WORKSPACE_DIR: workspace,
  BAILIFF_STATE_DIR: join(dir, 'state'),
  BAILIFF_TOKENS: JSON.stringify(TOKENS),
  BAILIFF_POLICY_FILE: policyFile,
  BAILIFF_EXECUTOR_CONCURRENCY: '1',
  BAILIFF_JOURNAL_BATCH: '10',
});
const app = buildEmbeddedApp(config, { logger: silentLogger });
const server = await startHttpServer({
  port: 0,
  host: '127.0.0.1',
  deps: { api: app.service, review: app.review, identity: app.identity, health: app.health, limits: { maxBodyBytes: 1 << 24 }, logger: silentLogger },
});
const browser = await launchBrowser({ viewport: { width: 1280, height: 860 } });

try {
  // History for the inbox: a plan that ran, one rejected, one awaiting a second approver.
  const filed = await app.service.propose(AGENT, {
    case: 'abby-sitgraves',
    description: 'File the March correspondence by date',
    operations: [{ type: 'create_dir', destination: 'Correspondence/2026-03' }],
  });
  await app.service.approve(PARALEGAL, filed.plan.id, { planHash: filed.plan.planHash, snapshotHash: filed.report.snapshotHash });
  await app.service.apply(AGENT, filed.plan.id);
  const renamed = await app.service.propose(AGENT, {
    case: 'abby-sitgraves',
    description: 'Rename pleadings with filing dates',
    operations: [{ type: 'move', source: 'Pleadings/Answer.pdf', destination: 'Pleadings/2026-02-11 Answer.pdf' }],
  });
  await app.service.reject(PARALEGAL, renamed.plan.id, { reason: 'The filing date is not certain; keep the court’s names.' });
  const drafts = await app.service.propose(AGENT, {
    case: 'abby-sitgraves',
    description: 'Remove superseded drafts of the demand letter',
    operations: [1, 2, 3, 4, 5, 6].map((i) => ({ type: 'delete', source: `Drafts/demand letter v${i}.docx` })),
  });
  await app.service.approve(ATTORNEY, drafts.plan.id, {
    planHash: drafts.plan.planHash,
    snapshotHash: drafts.report.snapshotHash,
    comment: 'Final version is in Correspondence.',
  });
  const walkthrough = await app.service.propose(AGENT, {
    case: 'abby-sitgraves',
    description: 'Sort intake into the firm structure',
    operations: [
      { type: 'create_dir', destination: 'Medical Records/Provider1' },
      { type: 'move', source: 'intake/records_001.pdf', destination: 'Medical Records/Provider1/records_001.pdf' },
      { type: 'move', source: 'intake/records_002.pdf', destination: 'Medical Records/Provider1/records_002.pdf' },
      { type: 'move', source: 'intake/police-report.pdf', destination: 'Police/report.pdf' },
      {
        type: 'write_file',
        destination: 'Reports/summary.md',
        content: '# Intake sorted\n\nThree scans filed: two medical records (Provider 1) and the police report.\n',
      },
    ],
  });
  const big = await app.service.propose(AGENT, {
    case: 'cole-v-meridian',
    description: 'Reorganise 600 scanned pages into provider folders',
    operations: Array.from({ length: 600 }, (_, i) => ({
      type: 'move',
      source: `scans/batch-${String(i % 6).padStart(2, '0')}/scan-${String(i).padStart(4, '0')}.pdf`,
      destination: `Medical Records/Provider ${1 + (i % 6)}/page-${String(i).padStart(4, '0')}.pdf`,
    })),
  });
  // Moving 600 files away needs two people under this policy.
  await app.service.approve(PARALEGAL, big.plan.id, { planHash: big.plan.planHash, snapshotHash: big.report.snapshotHash });
  await app.service.approve(ATTORNEY, big.plan.id, { planHash: big.plan.planHash, snapshotHash: big.report.snapshotHash });

  const page = await browser.context.newPage();
  await page.addInitScript((token) => sessionStorage.setItem('bailiff.token', token), 'approver-token-0123456789abcdef');
  await page.goto(`${server.url}/ui/`);
  await page.locator('.plan-list').first().waitFor();
  await page.screenshot({ path: join(out, 'console-inbox.png'), fullPage: true });

  await page.goto(`${server.url}/ui/plans/${walkthrough.plan.id}`);
  await page.locator(`html[data-plan-ready="${walkthrough.plan.id}"]`).waitFor();
  await page.screenshot({ path: join(out, 'console-plan.png'), fullPage: true });

  // A running plan: every storage call slowed down so the progress can be seen.
  const objects = app.objects as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['write', 'copy', 'rename', 'delete']) {
    const original = objects[method]!.bind(app.objects);
    objects[method] = async (...args: unknown[]) => {
      await new Promise((resolve) => setTimeout(resolve, 12));
      return original(...args);
    };
  }
  await page.goto(`${server.url}/ui/plans/${big.plan.id}`);
  await page.locator(`html[data-plan-ready="${big.plan.id}"]`).waitFor();
  await page.getByRole('button', { name: 'Run this plan now' }).click();
  await page.locator('.progress-card h2', { hasText: 'Running' }).waitFor();
  await page.waitForFunction(() => Number(document.querySelector('.progress-bar')?.getAttribute('value') ?? 0) >= 240);
  await page.screenshot({ path: join(out, 'console-running.png') });
  await page.getByText('The plan ran to the end.').waitFor({ timeout: 60_000 });

  const phone = await browser.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.addInitScript((token) => sessionStorage.setItem('bailiff.token', token), 'approver-token-0123456789abcdef');
  await phone.goto(`${server.url}/ui/plans/${drafts.plan.id}`);
  await phone.locator(`html[data-plan-ready="${drafts.plan.id}"]`).waitFor();
  await phone.screenshot({ path: join(out, 'console-phone.png') });
  process.stderr.write(`screenshots written to ${out}\n`);
} finally {
  await browser.close();
  await server.close(100);
  await app.close();
  await rm(dir, { recursive: true, force: true });
}
