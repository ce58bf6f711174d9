/**
 * The audit trail cannot be shortened or rewritten unseen (embedded): a truncated JSON Lines
 * copy, a deleted copy, and a consistent rewrite of the SQLite chain, its head and the copies
 * (every hash recomputed, as anyone with write access to the state could) are each reported by
 * `GET /audit/verify`. The rewrite is caught by the head's signature, whose key is not in the
 * state.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAuditRecord, type AuditRecord } from '../../shared/domain/audit.ts';
import { startEmbeddedBailiff, TEST_TOKENS, type EmbeddedBailiff } from '../support/embedded-server.ts';
import { agent, approver } from '../support/scenario.ts';

const CASE = 'doe-v-roe';
let bailiff: EmbeddedBailiff;
let copyPath: string;
let copyName: string;
let stateDb: string;

async function verify(): Promise<{
  ok: boolean;
  headsSigned: boolean;
  missingFiles: string[];
  firstBreak?: { chain: string; seq: number; reason: string; file?: string };
}> {
  const response = await fetch(`${bailiff.url}/audit/verify`, { headers: { authorization: `Bearer ${TEST_TOKENS.admin}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

/** The path of a plan's one audit copy (named by its record count). */
async function copyPathOf(planId: string): Promise<string> {
  const dir = join(bailiff.workspace, '.bailiff', 'audit', CASE);
  const names = (await readdir(dir)).filter((name) => name.startsWith(`${planId}.`));
  expect(names).toHaveLength(1);
  return join(dir, names[0]!);
}

beforeAll(async () => {
  bailiff = await startEmbeddedBailiff({ [`projects/${CASE}/a.txt`]: 'a', [`projects/${CASE}/b.txt`]: 'b' });
  const { service, queue } = bailiff.app;
  for (const name of ['a', 'b']) {
    const proposed = await service.propose(agent, {
      case: CASE,
      description: `file ${name}`,
      operations: [{ type: 'move', source: `${name}.txt`, destination: `sorted/${name}.txt` }],
    });
    await service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
    await service.apply(agent, proposed.plan.id);
    await queue.idle();
    expect((await service.get(agent, proposed.plan.id)).plan.status).toBe('succeeded');
    copyPath = await copyPathOf(proposed.plan.id);
  }
  copyName = copyPath.slice(bailiff.workspace.length + 1);
  stateDb = join(bailiff.workspace, '..', 'state', 'bailiff.sqlite');
});

afterAll(async () => {
  await bailiff?.stop();
});

describe('GET /audit/verify (embedded)', () => {
  it('passes an untouched trail, with every head signed', async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, headsSigned: true, missingFiles: [] });
  });

  it('reports a truncated copy, naming the file', async () => {
    const original = await readFile(copyPath, 'utf8');
    const lines = original.trim().split('\n');
    await writeFile(copyPath, `${lines.slice(0, -2).join('\n')}\n`);
    try {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.file).toBe(copyName);
      expect(result.firstBreak?.reason).toContain(`the copy has ${lines.length - 2} records`);
      expect(result.firstBreak?.reason).toContain(`has ${lines.length} for plan`);
    } finally {
      await writeFile(copyPath, original);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('reports a deleted copy among the missing files', async () => {
    const original = await readFile(copyPath, 'utf8');
    await rm(copyPath);
    try {
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.missingFiles).toEqual([copyName]);
      expect(result.firstBreak?.reason).toContain('missing');
    } finally {
      await writeFile(copyPath, original);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('reports a consistent rewrite of the chain, its head and the copies by the head signature', async () => {
    const db = new DatabaseSync(stateDb);
    const saved = {
      records: db.prepare('SELECT chain, seq, plan_id, json FROM audit_records WHERE chain = ? ORDER BY seq').all(CASE) as Array<{
        chain: string;
        seq: number;
        plan_id: string | null;
        json: string;
      }>,
      head: db.prepare('SELECT seq, hash, signature FROM audit_heads WHERE chain = ?').get(CASE) as { seq: number; hash: string; signature: string },
    };
    const copies = new Map<string, string>();
    for (const record of saved.records) {
      if (record.plan_id && !copies.has(record.plan_id)) {
        copies.set(record.plan_id, await readFile(await copyPathOf(record.plan_id), 'utf8'));
      }
    }

    // Rewrite who approved the first plan, then re-link every later record, the head and the copies.
    const rewritten: AuditRecord[] = [];
    let prevHash: string | undefined;
    for (const row of saved.records) {
      const record = JSON.parse(row.json) as AuditRecord;
      if (record.type === 'plan.approved' && rewritten.every((earlier) => earlier.type !== 'plan.approved')) record.actor = 'mallory@firm.example';
      if (prevHash !== undefined) record.prevHash = prevHash;
      record.hash = hashAuditRecord(record);
      prevHash = record.hash;
      rewritten.push(record);
    }
    expect(rewritten.some((record) => record.actor === 'mallory@firm.example')).toBe(true);
    const writeChain = (records: readonly AuditRecord[]) => {
      const update = db.prepare('UPDATE audit_records SET json = ? WHERE chain = ? AND seq = ?');
      for (const record of records) update.run(JSON.stringify(record), record.chain, record.seq);
    };
    const writeCopies = async (records: readonly AuditRecord[]) => {
      for (const planId of copies.keys()) {
        const lines = records.filter((record) => record.planId === planId).map((record) => JSON.stringify(record));
        await writeFile(await copyPathOf(planId), `${lines.join('\n')}\n`);
      }
    };
    try {
      writeChain(rewritten);
      const last = rewritten[rewritten.length - 1]!;
      db.prepare('UPDATE audit_heads SET hash = ? WHERE chain = ?').run(last.hash, CASE);
      await writeCopies(rewritten);

      // The old signature no longer covers the head.
      let result = await verify();
      expect(result.ok).toBe(false);
      expect(result.firstBreak).toMatchObject({ chain: CASE, seq: last.seq });
      expect(result.firstBreak?.reason).toContain('its signature covers record');

      // A signature made up for the new head, without the key, fails.
      const forged = { ...(JSON.parse(saved.head.signature) as Record<string, unknown>), hash: last.hash, value: Buffer.alloc(32, 7).toString('base64') };
      db.prepare('UPDATE audit_heads SET signature = ? WHERE chain = ?').run(JSON.stringify(forged), CASE);
      result = await verify();
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.reason).toContain('fails');

      // Removing the signature does not help either.
      db.prepare('UPDATE audit_heads SET signature = NULL WHERE chain = ?').run(CASE);
      result = await verify();
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.reason).toContain('is not signed');

      // And the next append does not sign (launder) the rewritten chain.
      const proposed = await bailiff.app.service.propose(agent, {
        case: CASE,
        description: 'after the rewrite',
        operations: [{ type: 'create_dir', destination: 'later' }],
      });
      expect(proposed.plan.id).toBeTruthy();
      result = await verify();
      expect(result.ok).toBe(false);
      expect(result.firstBreak?.chain).toBe(CASE);
    } finally {
      const restore = db.prepare('UPDATE audit_records SET json = ? WHERE chain = ? AND seq = ?');
      for (const row of saved.records) restore.run(row.json, row.chain, row.seq);
      db.prepare('DELETE FROM audit_records WHERE chain = ? AND seq > ?').run(CASE, saved.head.seq);
      db.prepare('UPDATE audit_heads SET seq = ?, hash = ?, signature = ? WHERE chain = ?').run(saved.head.seq, saved.head.hash, saved.head.signature, CASE);
      db.close();
      for (const [planId, text] of copies) await writeFile(await copyPathOf(planId), text);
    }
  });
});
