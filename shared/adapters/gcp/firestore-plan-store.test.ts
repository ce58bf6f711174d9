/**
 * Firestore-specific checks the contract cannot make: that the data model really stays under
 * Firestore's document limit, that replaced chunks are cleaned up, and that names Firestore
 * would refuse as document ids still work. Runs against the emulator; fails without it.
 */
import { randomBytes } from 'node:crypto';
import { Firestore, type DocumentReference } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActions, buildOperations, buildPlanRecord, buildReport } from '../../../test/contract/plan-store.contract.ts';
import { verifyAuditChain } from '../../domain/audit.ts';
import { isBailiffError } from '../../errors.ts';
import { CHUNK_BYTES, encodeChunks } from './firestore-chunks.ts';
import { FirestorePlanStore } from './firestore-plan-store.ts';

const DOCUMENT_LIMIT = 1_048_576;

describe('encodeChunks', () => {
  it('packs items into chunks under the size limit, splitting only what cannot fit', () => {
    const items = [{ n: 'x'.repeat(100) }, { n: 'y'.repeat(CHUNK_BYTES * 2) }, ...Array.from({ length: 5_000 }, (_, i) => ({ i, pad: 'z'.repeat(400) }))];
    const chunks = encodeChunks(7, items);
    for (const chunk of chunks) expect(chunk.doc.data.length).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(chunks.map((chunk) => chunk.id)).toEqual([...chunks.map((chunk) => chunk.id)].sort());
    expect(chunks[0]?.doc).toMatchObject({ first: 7, count: 1, end: 8, part: 0, parts: 1 });
    const split = chunks.filter((chunk) => chunk.doc.first === 8);
    expect(split.map((chunk) => chunk.doc.part)).toEqual([0, 1, 2]);
    expect(JSON.parse(Buffer.concat(split.map((chunk) => chunk.doc.data)).toString('utf8'))).toEqual([items[1]]);
    const rest = chunks.filter((chunk) => chunk.doc.first >= 9);
    expect(rest.length).toBeGreaterThan(2);
    expect(rest.reduce((sum, chunk) => sum + chunk.doc.count, 0)).toBe(5_000);
    expect(rest.at(-1)?.doc.end).toBe(7 + items.length);
  });

  it('spreads the contract fixture of 2,500 operations and actions over several chunks', () => {
    expect(encodeChunks(0, buildOperations(2_500)).length).toBeGreaterThanOrEqual(3);
    expect(encodeChunks(0, buildActions(2_500)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('FirestorePlanStore data model (emulator)', () => {
  let firestore: Firestore;
  let prefix: string;
  let store: FirestorePlanStore;

  beforeAll(() => {
    if (!process.env.FIRESTORE_EMULATOR_HOST) {
      throw new Error('FIRESTORE_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including firestore so the global setup starts the emulator');
    }
    firestore = new Firestore({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'bailiff-test' });
    prefix = `u${randomBytes(6).toString('hex')}`;
    store = new FirestorePlanStore({ firestore, collectionPrefix: prefix });
  });
  afterAll(async () => {
    await firestore?.terminate();
  });

  async function planCollections(id: string): Promise<Map<string, number>> {
    const ref = firestore.collection(`${prefix}_plans`).doc(`k_${id}`);
    const counts = new Map<string, number>();
    for (const collection of await ref.listCollections()) counts.set(collection.id, (await collection.get()).size);
    return counts;
  }

  /** Firestore's documented size: name plus fields plus 32 bytes (strings and bytes at length + 1). */
  async function largestDocument(ref: DocumentReference): Promise<number> {
    let largest = 0;
    const measure = (value: unknown): number => {
      if (Buffer.isBuffer(value)) return value.length + 1;
      if (typeof value === 'string') return Buffer.byteLength(value) + 1;
      if (value === null || typeof value === 'boolean') return 1;
      if (typeof value === 'number') return 8;
      if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + measure(item), 0);
      return Object.entries(value as Record<string, unknown>).reduce((sum, [key, item]) => sum + Buffer.byteLength(key) + 1 + measure(item), 0);
    };
    const snapshot = await ref.get();
    largest = Buffer.byteLength(ref.path) + 16 + measure(snapshot.data()) + 32;
    for (const collection of await ref.listCollections()) {
      for (const doc of (await collection.get()).docs) largest = Math.max(largest, Buffer.byteLength(doc.ref.path) + 16 + measure(doc.data()) + 32);
    }
    return largest;
  }

  it('keeps every document of a plan with 8 MiB of content and a 2 MB report under 1 MiB', async () => {
    const content = randomBytes(6 * 1024 * 1024).toString('base64');
    const longList = Array.from({ length: 25_000 }, (_, i) => `Pleadings/2024/${String(i).padStart(6, '0')} – filed scan with a long descriptive name.pdf`);
    const plan = buildPlanRecord({ id: 'huge', report: buildReport(2, 2, { diff: { added: longList, removed: [], changed: [], truncated: true } }) });
    const operations = [
      { type: 'write_file' as const, destination: 'Exhibits/big.bin', content, encoding: 'base64' as const, overwrite: false },
      { type: 'delete' as const, source: 'Inbox/big.bin' },
    ];
    await store.createPlan(plan, operations, buildActions(2));
    const ref = firestore.collection(`${prefix}_plans`).doc('k_huge');
    expect(await largestDocument(ref)).toBeLessThan(DOCUMENT_LIMIT * 0.8);
    const planDoc = (await ref.get()).data() ?? {};
    expect(planDoc.report).toBeNull();
    expect(planDoc.reportChunks?.parts).toBeGreaterThanOrEqual(3);
    expect(await store.readOperations('huge', 0, 2)).toEqual(operations);
    expect(await store.getPlan('huge')).toEqual(plan);
  });

  it('deletes the chunks a fresh dry run replaced, and the new ones when the compare-and-set loses', async () => {
    const longList = Array.from({ length: 10_000 }, (_, i) => `Folder/${i} – a name long enough to push the report out of line.pdf`);
    const bigReport = buildReport(3, 3, { diff: { added: longList, removed: [], changed: [], truncated: false } });
    const plan = buildPlanRecord({ id: 'redo', revision: 1, report: bigReport });
    await store.createPlan(plan, buildOperations(3), buildActions(3_000));
    const before = await planCollections('redo');
    expect([...before.keys()].filter((name) => name.startsWith('actions_'))).toHaveLength(1);
    expect([...before.keys()].filter((name) => name.startsWith('report_'))).toHaveLength(1);

    const fresh = buildReport(3, 10, { diff: { added: longList.slice(0, 9_000), removed: [], changed: [], truncated: false } });
    await store.replaceDryRun('redo', 1, fresh, buildActions(10, 'new'), {}, []);
    const after = await planCollections('redo');
    const actionCollections = [...after.entries()].filter(([name, size]) => name.startsWith('actions_') && size > 0);
    expect(actionCollections).toHaveLength(1);
    expect(actionCollections[0]?.[0]).not.toBe([...before.keys()].find((name) => name.startsWith('actions_')));
    expect([...after.entries()].filter(([name, size]) => name.startsWith('report_') && size > 0)).toHaveLength(1);

    await expect(store.replaceDryRun('redo', 1, bigReport, buildActions(5, 'late'), {}, [])).rejects.toSatisfy((error: unknown) =>
      isBailiffError(error, 'conflict'),
    );
    const final = await planCollections('redo');
    expect([...final.entries()].filter(([name, size]) => name.startsWith('actions_') && size > 0)).toEqual(actionCollections);
    expect(await store.readActions('redo', 0, 100)).toEqual(buildActions(10, 'new'));
    expect((await store.getPlan('redo'))?.report).toEqual(fresh);
  });

  it('accepts names Firestore refuses as document ids', async () => {
    for (const name of ['__reserved__', 'a/b', '..', '%2F', 'Müller & Söhne (2024)']) {
      const plan = buildPlanRecord({ id: name, case: name });
      await store.createPlan(plan, buildOperations(1), buildActions(1));
      expect(await store.getPlan(name)).toEqual(plan);
      const granted = await store.acquireLease({ case: name, planId: name, owner: 'exec', ttlMs: 1_000, now: new Date(0) });
      expect(granted.acquired).toBe(true);
      await store.appendAudit([{ chain: name, type: 'plan.proposed', planId: name, actor: 'agent', at: plan.createdAt, data: {} }]);
      expect(verifyAuditChain(await store.readAuditChain(name, 0, 10))).toBeUndefined();
    }
    expect(await store.getPlan('a%2Fb')).toBeUndefined();
    expect((await store.listAuditChains()).map((head) => head.chain).sort()).toEqual(['%2F', '..', 'Müller & Söhne (2024)', '__reserved__', 'a/b'].sort());
  });

  it('refuses a journal batch too large for one commit, naming the limit', async () => {
    await store.createPlan(buildPlanRecord({ id: 'journal-limit' }), buildOperations(1), buildActions(1));
    const entries = Array.from({ length: 4_000 }, (_, action) => ({
      action,
      outcome: 'failed' as const,
      message: 'x'.repeat(1_000),
      at: '2026-03-02T09:00:00.000Z',
    }));
    await expect(store.appendJournal('journal-limit', entries)).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'payload_too_large'));
    expect(await store.readJournal('journal-limit', 0, 10)).toEqual([]);
  });
});
