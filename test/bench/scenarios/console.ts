/**
 * Scenario 7 — the approver's console with a 10,000-operation plan: how long from navigating
 * to the plan's page until it can be used (header, decision panel, risk summary, the
 * before/after tree and the operation list drawn), and how long opening the plan's biggest
 * folder takes. Debian's Chromium (headless, through playwright-core) against the embedded
 * server in this process; the signed-in token is put in the tab's sessionStorage first.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEmbeddedApp } from '../../../shared/composition/embedded.ts';
import { parseConfig } from '../../../shared/config.ts';
import { startHttpServer } from '../../../shared/front-door/node-server.ts';
import { silentLogger } from '../../../shared/logging.ts';
import { launchBrowser } from '../../support/browser.ts';
import type { BenchContext } from '../lib/context.ts';
import { addNote, addRow, addTarget } from '../lib/results.ts';
import { formatNumber, log, mapLimited, median } from '../lib/util.ts';

const SCENARIO = '7 console: a 10,000-operation plan in the browser';
const FOLDERS = 50;

export async function consoleInteractive(ctx: BenchContext): Promise<void> {
  const operations = ctx.quick ? 2_000 : 10_000;
  const moves = operations - operations / 25 - FOLDERS;
  const writes = operations / 25;
  const caseFiles = moves + 2_000;
  const dir = join(ctx.workDir, 's7');
  const caseName = 's7-case';
  const caseDir = join(dir, 'workspace', 'projects', caseName);
  const name = (i: number) => `intake/batch-${String(i % FOLDERS).padStart(2, '0')}/scan-${String(i).padStart(5, '0')}.pdf`;
  for (let folder = 0; folder < FOLDERS; folder += 1) await mkdir(join(caseDir, 'intake', `batch-${String(folder).padStart(2, '0')}`), { recursive: true });
  await mapLimited(
    Array.from({ length: caseFiles }, (_, i) => i),
    32,
    (i) => writeFile(join(caseDir, name(i)), Buffer.alloc(512, 0x41)),
  );

  const token = randomBytes(24).toString('base64url');
  const agentToken = randomBytes(24).toString('base64url');
  const config = parseConfig({
    BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'),
    BAILIFF_STATE_DIR: join(dir, 'state'),
    BAILIFF_TOKENS: JSON.stringify({
      [token]: { principal: 'bench-approver@firm.example', roles: ['approver'] },
      [agentToken]: { principal: 'bench-agent@firm.example', roles: ['agent'] },
    }),
  });
  const app = buildEmbeddedApp(config, { logger: silentLogger });
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api: app.service,
      review: app.review,
      identity: app.identity,
      health: app.health,
      limits: { maxBodyBytes: config.BAILIFF_MAX_BODY_BYTES },
      logger: silentLogger,
    },
  });
  const browser = await launchBrowser();
  try {
    const plan = [
      ...Array.from({ length: FOLDERS }, (_, folder) => ({ type: 'create_dir', destination: `Medical Records/Provider-${String(folder).padStart(2, '0')}` })),
      ...Array.from({ length: moves }, (_, i) => ({
        type: 'move',
        source: name(i),
        destination: `Medical Records/Provider-${String(i % FOLDERS).padStart(2, '0')}/scan-${String(i).padStart(5, '0')}.pdf`,
      })),
      ...Array.from({ length: writes }, (_, i) => ({
        type: 'write_file',
        destination: `Summaries/summary-${String(i).padStart(4, '0')}.md`,
        content: `# Summary ${i}\n\nFiled by the bench.\n`,
      })),
    ];
    const proposed = await app.service.propose(
      { id: 'bench-agent@firm.example', roles: ['agent'] },
      { case: caseName, description: `Reorganise ${formatNumber(operations)} scans`, operations: plan },
    );
    const url = `${server.url}/ui/plans/${proposed.plan.id}`;
    log(`s7: plan of ${formatNumber(proposed.plan.operationCount)} operations over ${formatNumber(caseFiles)} files; valid: ${proposed.report.valid}`);

    const interactive: number[] = [];
    const completed: number[] = [];
    const expand: number[] = [];
    // One warm-up load (server code paths, the browser's first run), then the measured ones.
    for (let run = -1; run < ctx.runs; run += 1) {
      const page = await browser.context.newPage();
      await page.addInitScript((value) => sessionStorage.setItem('bailiff.token', value), token);
      await page.goto(url);
      await page.locator(`html[data-plan-ready="${proposed.plan.id}"]`).waitFor({ timeout: 60_000 });
      const [ready, complete] = await page.evaluate(() =>
        ['bailiff-plan-ready', 'bailiff-plan-complete'].map((mark) => performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN),
      );
      // Opening the folder with the most changes: click until its children are on screen.
      const opened = await page.evaluate(async () => {
        const toggle = document.querySelector<HTMLButtonElement>('.tree-box .tree-toggle[aria-expanded="false"]:not([disabled])');
        if (!toggle) return Number.NaN;
        const started = performance.now();
        toggle.click();
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        return performance.now() - started;
      });
      await page.close();
      if (run < 0) continue;
      interactive.push(ready!);
      completed.push(complete!);
      expand.push(opened);
      log(
        `s7 run ${run + 1}/${ctx.runs}: interactive after ${ready!.toFixed(0)} ms, complete after ${complete!.toFixed(0)} ms, opening a folder ${opened.toFixed(0)} ms`,
      );
    }
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `plan page interactive (navigation start → decisions, tree of changes and operations drawn), ${formatNumber(operations)} operations`,
      unit: 'ms',
      samples: interactive,
    });
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `tree complete (the case listing's ${formatNumber(caseFiles)} files folded in)`,
      unit: 'ms',
      samples: completed,
    });
    addRow(ctx.results, { scenario: SCENARIO, name: 'opening the first folder of the tree (click → next frame)', unit: 'ms', samples: expand });
    addTarget(ctx.results, `console: a ${formatNumber(operations)}-operation plan's page is interactive in < 2 s`, median(interactive), '<', 2000, 'ms');
    addNote(
      ctx.results,
      SCENARIO,
      `Chromium headless on the same 2 cores as the server; the page fetches the plan, its decisions, ${Math.ceil(operations / 5000)} pages of operations and the case listing (${formatNumber(caseFiles)} files) and draws only the rows a person has opened. Interactive: the tree of changes is drawn from the plan; the listing, which only adds the unchanged files, is folded in when it arrives.`,
    );
  } finally {
    await browser.close();
    await server.close(100);
    await app.close();
  }
}
