import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditRecord, sealAuditRecord, verifyAuditChain, type AuditEventInput, type AuditRecord } from './audit.ts';

const events: AuditEventInput[] = [
  { chain: 'case-1', type: 'plan.proposed', planId: 'p1', actor: 'agent@firm', at: '2025-01-01T00:00:00.000Z', data: { operations: 2 } },
  { chain: 'case-1', type: 'plan.approved', planId: 'p1', actor: 'alice@firm', at: '2025-01-01T00:01:00.000Z', data: { comment: 'ok' } },
  { chain: 'case-1', type: 'plan.queued', planId: 'p1', actor: 'agent@firm', at: '2025-01-01T00:02:00.000Z', data: {} },
  { chain: 'case-1', type: 'plan.running', planId: 'p1', actor: 'executor', at: '2025-01-01T00:03:00.000Z', data: { attempt: 1 } },
  { chain: 'case-1', type: 'plan.succeeded', planId: 'p1', actor: 'executor', at: '2025-01-01T00:04:00.000Z', data: { done: 2 } },
];

function chainOf(inputs: readonly AuditEventInput[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const event of inputs) records.push(sealAuditRecord(event, records.at(-1)));
  return records;
}

describe('sealAuditRecord', () => {
  it('links each record to the one before it, starting from the genesis hash', () => {
    const chain = chainOf(events);
    expect(chain.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(chain[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < chain.length; i += 1) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
    expect(chain[0]!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(chain.map((record) => record.hash)).size).toBe(chain.length);
  });

  it('hashes the same content the same, whatever the key order of its data', () => {
    const a = sealAuditRecord({ ...events[0]!, data: { x: 1, y: { b: 2, a: 1 } } }, undefined);
    const b = sealAuditRecord({ ...events[0]!, data: { y: { a: 1, b: 2 }, x: 1 } }, undefined);
    expect(a.hash).toBe(b.hash);
  });
});

describe('verifyAuditChain', () => {
  const chain = chainOf(events);

  it('accepts an intact chain, and an empty one', () => {
    expect(verifyAuditChain(chain)).toBeUndefined();
    expect(verifyAuditChain([])).toBeUndefined();
  });

  it('finds an edited record', () => {
    const edited = chain.map((record) => (record.seq === 3 ? { ...record, actor: 'mallory@firm' } : record));
    expect(verifyAuditChain(edited)).toEqual({ chain: 'case-1', seq: 3, reason: 'content does not match its hash (edited)' });
  });

  it('finds edited data deep inside a record', () => {
    const edited = chain.map((record) => (record.seq === 2 ? { ...record, data: { comment: 'ok!' } } : record));
    expect(verifyAuditChain(edited)).toEqual({ chain: 'case-1', seq: 2, reason: 'content does not match its hash (edited)' });
  });

  it('finds a deleted record in the middle', () => {
    const missing = chain.filter((record) => record.seq !== 3);
    expect(verifyAuditChain(missing)).toEqual({ chain: 'case-1', seq: 4, reason: 'expected record 3, found 4 (missing or reordered)' });
  });

  it('finds a deleted record even when the later ones are renumbered', () => {
    const renumbered = chain.filter((record) => record.seq !== 3).map((record, i) => ({ ...record, seq: i + 1 }));
    expect(verifyAuditChain(renumbered)).toEqual({ chain: 'case-1', seq: 3, reason: 'does not link to the record before it' });
  });

  it('finds reordered records', () => {
    const reordered = [chain[0]!, chain[2]!, chain[1]!, chain[3]!, chain[4]!];
    expect(verifyAuditChain(reordered)).toEqual({ chain: 'case-1', seq: 3, reason: 'expected record 2, found 3 (missing or reordered)' });
  });

  it('finds a forged record whose hash was recomputed but whose prevHash is wrong', () => {
    const forgedBody = { ...chain[2]!, actor: 'mallory@firm', prevHash: 'sha256:'.padEnd(71, '0') };
    const forged: AuditRecord = { ...forgedBody, hash: hashAuditRecord(forgedBody) };
    const tampered = [chain[0]!, chain[1]!, forged, chain[3]!, chain[4]!];
    expect(verifyAuditChain(tampered)).toEqual({ chain: 'case-1', seq: 3, reason: 'does not link to the record before it' });
  });

  it('finds a forged record with the right prevHash at the record after it', () => {
    // Re-sealing a record correctly changes its hash, which the next record no longer points to.
    const forgedBody = { ...chain[2]!, actor: 'mallory@firm' };
    const forged: AuditRecord = { ...forgedBody, hash: hashAuditRecord(forgedBody) };
    const tampered = [chain[0]!, chain[1]!, forged, chain[3]!, chain[4]!];
    expect(verifyAuditChain(tampered)).toEqual({ chain: 'case-1', seq: 4, reason: 'does not link to the record before it' });
  });

  it('finds a first record that does not start from genesis', () => {
    const body = { ...chain[0]!, prevHash: chain[4]!.hash };
    expect(verifyAuditChain([{ ...body, hash: hashAuditRecord(body) }])).toEqual({ chain: 'case-1', seq: 1, reason: 'does not link to the record before it' });
  });

  it('accepts a truncated tail, which only the chain head can reveal', () => {
    // Why: verification of the records alone cannot see a missing end; stores keep the head for that.
    expect(verifyAuditChain(chain.slice(0, 3))).toBeUndefined();
  });
});
