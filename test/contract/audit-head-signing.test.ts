/**
 * Audit head signing through the AuditHeadSigner port (HMAC adapter), on SQLite and on the
 * Firestore emulator (BAILIFF_EMULATORS=firestore): every append leaves its chain's head signed,
 * concurrent appends end signed, and a head rewritten in the store is never signed by the next
 * append. The verifier's side is in test/e2e/audit-tamper.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../shared/domain/audit.ts';
import { FirestorePlanStore } from '../../shared/adapters/gcp/firestore-plan-store.ts';
import { HmacAuditHeadSigner } from '../../shared/adapters/local/hmac-audit-head-signer.ts';
import { SqlitePlanStore } from '../../shared/adapters/local/sqlite-plan-store.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';

const signer = new HmacAuditHeadSigner(randomBytes(32));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const event = (chain: string, n: number): AuditEventInput => ({
  chain,
  type: 'plan.proposed',
  planId: `p${n}`,
  actor: 'agent@test',
  at: '2026-03-01T00:00:00.000Z',
  data: { n },
});

interface Backend {
  store: PlanStore;
  /** Rewrites a chain's head hash behind the store's back, as someone with database access could. */
  rewriteHead(chain: string, hash: string): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  sqlite: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bailiff-signing-'));
    const store = new SqlitePlanStore(join(dir, 'state.sqlite'), { auditHeadSigner: signer });
    const raw = new SqlitePlanStore(join(dir, 'state.sqlite'));
    cleanups.push(async () => {
      store.close();
      raw.close();
      await rm(dir, { recursive: true, force: true });
    });
    return {
      store,
      async rewriteHead(chain, hash) {
        const { DatabaseSync } = await import('node:sqlite');
        const db = new DatabaseSync(join(dir, 'state.sqlite'));
        db.prepare('UPDATE audit_heads SET hash = ? WHERE chain = ?').run(hash, chain);
        db.close();
      },
    };
  },
  firestore: async () => {
    if (!process.env.FIRESTORE_EMULATOR_HOST) {
      throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including firestore so the global setup starts the emulator');
    }
    const firestore = new Firestore({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'bailiff-test' });
    const prefix = `s${randomBytes(6).toString('hex')}`;
    cleanups.push(async () => void (await firestore.terminate()));
    return {
      store: new FirestorePlanStore({ firestore, collectionPrefix: prefix, auditHeadSigner: signer }),
      async rewriteHead(chain, hash) {
        await firestore.collection(`${prefix}_audit_chains`).doc(`k_${chain}`).update({ hash });
      },
    };
  },
};

const selected = (process.env.BAILIFF_EMULATORS ?? '').split(',').includes('firestore') ? ['sqlite', 'firestore'] : ['sqlite'];

describe.each(selected)('audit head signing (%s)', (name) => {
  it('signs the head after every append, and after concurrent appends', async () => {
    const { store } = await backends[name]!();
    expect(store.auditHeadSigner).toBe(signer);
    await store.appendAudit([event('smith', 1), event('jones', 2), event('smith', 3)]);
    for (const head of await store.listAuditChains()) {
      expect(head.signature).toMatchObject({ seq: head.seq, hash: head.hash, keyId: signer.keyId });
      expect(await signer.verify(head, head.signature!)).toBe(true);
    }
    await Promise.all(Array.from({ length: 6 }, (_, i) => store.appendAudit([event('smith', 10 + i)])));
    const smith = (await store.listAuditChains()).find((head) => head.chain === 'smith')!;
    expect(smith.seq).toBe(8);
    expect(smith.signature).toMatchObject({ seq: 8, hash: smith.hash });
    expect(await signer.verify(smith, smith.signature!)).toBe(true);
    // Another key does not verify it.
    expect(await new HmacAuditHeadSigner(randomBytes(32)).verify(smith, smith.signature!)).toBe(false);
  });

  it('does not sign a head rewritten behind its back, so verification keeps reporting it', async () => {
    const backend = await backends[name]!();
    await backend.store.appendAudit([event('doe', 1), event('doe', 2)]);
    const before = (await backend.store.listAuditChains()).find((head) => head.chain === 'doe')!;
    expect(before.signature?.seq).toBe(2);
    await backend.rewriteHead('doe', 'sha256:rewritten');
    await backend.store.appendAudit([event('doe', 3)]);
    const after = (await backend.store.listAuditChains()).find((head) => head.chain === 'doe')!;
    expect(after.seq).toBe(3);
    expect(after.signature).toEqual(before.signature);
  });
});
