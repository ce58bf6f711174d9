/**
 * The embedded mode's state survives a restart: a plan queued, or running under a lease, when
 * the process died is picked up again when Bailiff starts on the same directories.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp } from '../../shared/composition/embedded.ts';
import { parseConfig } from '../../shared/config.ts';
import { createLogger, silentLogger } from '../../shared/logging.ts';
import { agent, approver } from '../support/scenario.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('embedded restart', () => {
  it('resumes plans that were queued or running when the process stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-restart-'));
    dirs.push(dir);
    const caseDir = join(dir, 'workspace', 'projects', 'doe');
    await mkdir(caseDir, { recursive: true });
    await writeFile(join(caseDir, 'a.txt'), 'a');
    await writeFile(join(caseDir, 'b.txt'), 'b');
    const config = parseConfig({ BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state'), BAILIFF_LEASE_TTL_MS: '300' });

    const first = buildEmbeddedApp(config, { logger: silentLogger });
    const approve = async (operations: unknown[]) => {
      const proposed = await first.service.propose(agent, { case: 'doe', description: 'sort', operations });
      const approved = await first.service.approve(approver, proposed.plan.id, {
        planHash: proposed.plan.planHash,
        snapshotHash: proposed.report.snapshotHash,
      });
      return approved.plan;
    };
    const queued = await approve([{ type: 'move', source: 'a.txt', destination: 'sorted/a.txt' }]);
    const running = await approve([{ type: 'move', source: 'b.txt', destination: 'sorted/b.txt' }]);
    // As the process would leave them when killed: one queued but never delivered, one running
    // under a lease its dead holder never released.
    await first.plans.updatePlan(queued.id, queued.revision, { status: 'queued' });
    await first.plans.updatePlan(running.id, running.revision, { status: 'running' });
    await first.plans.acquireLease({ case: 'doe', planId: running.id, owner: `${running.id}/gone#0`, ttlMs: 300, now: new Date() });
    await first.close();

    const second = buildEmbeddedApp(config, { logger: silentLogger });
    try {
      expect(await second.resumeInterrupted()).toBe(2);
      for (let i = 0; i < 200; i += 1) {
        const statuses = await Promise.all([queued.id, running.id].map(async (id) => (await second.service.get(agent, id)).plan.status));
        if (statuses.every((status) => status === 'succeeded')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await second.service.get(agent, queued.id)).plan.status).toBe('succeeded');
      expect((await second.service.get(agent, running.id)).plan.status).toBe('succeeded');
      expect(await readFile(join(caseDir, 'sorted', 'a.txt'), 'utf8')).toBe('a');
      expect(await readFile(join(caseDir, 'sorted', 'b.txt'), 'utf8')).toBe('b');
      const audit = await second.service.auditTrail(agent, running.id);
      expect(audit.map((record) => record.type)).toContain('lease.taken_over');
    } finally {
      await second.close();
    }
  });

  it('fails a plan whose stored record is unreadable once, audited, instead of retrying it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-permanent-'));
    dirs.push(dir);
    const caseDir = join(dir, 'workspace', 'projects', 'doe');
    await mkdir(caseDir, { recursive: true });
    await writeFile(join(caseDir, 'a.txt'), 'a');
    const config = parseConfig({ BAILIFF_WORKSPACE_DIR: join(dir, 'workspace'), BAILIFF_STATE_DIR: join(dir, 'state') });
    const logLines: string[] = [];
    const app = buildEmbeddedApp(config, { logger: createLogger({ level: 'info', write: (line) => logLines.push(line) }) });
    try {
      const proposed = await app.service.propose(agent, {
        case: 'doe',
        description: 'sort',
        operations: [{ type: 'move', source: 'a.txt', destination: 'sorted/a.txt' }],
      });
      await app.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      // Someone with database access damages the stored operations: no redelivery can read them.
      const db = new DatabaseSync(join(dir, 'state', 'bailiff.sqlite'));
      db.prepare('UPDATE plan_operations SET json = ? WHERE plan_id = ?').run('{not json', proposed.plan.id);
      db.close();
      await app.service.apply(agent, proposed.plan.id);
      await app.queue.idle();
      const result = await app.service.get(agent, proposed.plan.id);
      expect(result.plan.status).toBe('failed');
      expect(result.execution?.lastError).toMatch(/retrying cannot fix/);
      expect((await app.service.auditTrail(agent, proposed.plan.id)).map((record) => record.type)).toContain('plan.failed');
      expect(logLines.filter((line) => line.includes('redelivering'))).toEqual([]);
      expect(await readFile(join(caseDir, 'a.txt'), 'utf8')).toBe('a');
    } finally {
      await app.close();
    }
  });
});
