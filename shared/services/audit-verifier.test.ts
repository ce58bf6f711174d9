/**
 * The executor writes a plan's audit copy just after the plan reads finished (its lease released
 * first). Verify run in that moment must not call the copy deleted; a copy that stays missing is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../adapters/local/sqlite-plan-store.ts';
import { AUDIT_PREFIX } from '../domain/paths.ts';
import { listAll } from '../ports/object-store.ts';
import { agent, applyAndRun, proposeApproved, seed, wire } from '../../test/support/scenario.ts';
import { AuditCopies } from './audit-copies.ts';
import { verifyAuditTrail } from './audit-verifier.ts';

describe("verify while a finished plan's audit copy is being written", () => {
  let dir: string;
  let objects: FsObjectStore;
  let plans: SqlitePlanStore;
  let planId: string;
  let copy: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bailiff-verify-'));
    objects = new FsObjectStore({ root: join(dir, 'workspace'), metadataDir: join(dir, 'state') });
    plans = new SqlitePlanStore(':memory:');
    const wiring = wire({ objects, plans });
    await seed(objects, 'verify-case', { 'a.txt': 'a' });
    planId = await proposeApproved(wiring, {
      case: 'verify-case',
      description: 'move a',
      operations: [{ type: 'move', source: 'a.txt', destination: 'b.txt' }],
    });
    expect((await applyAndRun(wiring, agent, planId)).plan.status).toBe('succeeded');
    const copies: string[] = [];
    for await (const page of listAll(objects, AUDIT_PREFIX)) copies.push(...page.objects.map((object) => object.name));
    expect(copies).toHaveLength(1);
    copy = copies[0]!;
    // As in the moment after the plan finished: no copy yet.
    await objects.delete(copy);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is not a break when the copy lands a moment later', async () => {
    const verifying = verifyAuditTrail(plans, objects);
    await sleep(150);
    await new AuditCopies(plans, objects).write((await plans.getPlan(planId))!);
    const result = await verifying;
    expect(result.missingFiles).toEqual([]);
    expect(result.ok, JSON.stringify(result.firstBreak)).toBe(true);
  });

  it('names a copy that stays missing', async () => {
    const result = await verifyAuditTrail(plans, objects);
    expect(result.ok).toBe(false);
    expect(result.missingFiles).toEqual([copy]);
    expect(result.firstBreak?.reason, JSON.stringify(result.firstBreak)).toContain('is missing (deleted)');
  });
});
