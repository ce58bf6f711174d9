import { describe, expect, it } from 'vitest';
import { isBailiffError } from '../errors.ts';
import type { Lease } from '../ports/plan-store.ts';
import { decideLease, decideRenewal, isStillHeld, sealAuditBatch } from './plan-store-rules.ts';

const now = new Date('2026-11-30T12:00:00Z');
const held = (owner: string, token: number, expiresInMs: number): Lease => ({
  case: 'c',
  planId: 'p1',
  owner,
  token,
  expiresAt: new Date(now.getTime() + expiresInMs).toISOString(),
});
const request = (owner: string) => ({ case: 'c', planId: 'p2', owner, ttlMs: 1000, now });

describe('decideLease', () => {
  it('grants a free case with the next token, never reusing one', () => {
    expect(decideLease(request('a'), { lastToken: 0 })).toEqual({
      acquired: true,
      lease: { case: 'c', planId: 'p2', owner: 'a', token: 1, expiresAt: '2026-11-30T12:00:01.000Z' },
    });
    expect(decideLease(request('a'), { lastToken: 7 })).toMatchObject({ acquired: true, lease: { token: 8 } });
  });

  it('refuses while another owner holds an unexpired lease, and takes over an expired one', () => {
    expect(decideLease(request('b'), { held: held('a', 3, 500), lastToken: 3 })).toEqual({ acquired: false, heldBy: held('a', 3, 500) });
    expect(decideLease(request('b'), { held: held('a', 3, 0), lastToken: 3 })).toMatchObject({
      acquired: true,
      lease: { owner: 'b', token: 4 },
      tookOverFrom: { owner: 'a' },
    });
  });

  it('gives the same owner a fresh token, fencing off what it started under the old one', () => {
    const decision = decideLease(request('a'), { held: held('a', 3, 500), lastToken: 3 });
    expect(decision).toMatchObject({ acquired: true, lease: { token: 4 } });
    expect(decision).not.toHaveProperty('tookOverFrom');
  });
});

describe('decideRenewal and isStillHeld', () => {
  it('renews only the holder with the current token', () => {
    expect(decideRenewal(held('a', 3, 10), held('a', 3, 10), 1000, now).expiresAt).toBe('2026-11-30T12:00:01.000Z');
    for (const current of [undefined, held('b', 4, 500)]) {
      let error: unknown;
      try {
        decideRenewal(held('a', 3, 10), current, 1000, now);
      } catch (caught) {
        error = caught;
      }
      expect(isBailiffError(error, 'conflict')).toBe(true);
    }
    expect(isStillHeld(held('a', 3, 10), held('a', 3, 10))).toBe(true);
    expect(isStillHeld(held('a', 3, 10), held('b', 4, 10))).toBe(false);
    expect(isStillHeld(held('a', 3, 10), undefined)).toBe(false);
  });
});

describe('sealAuditBatch', () => {
  it('chains each event onto its own case, continuing from the stored heads', () => {
    const event = (chain: string, type: 'plan.proposed' | 'plan.approved') => ({ chain, type, actor: 'x', at: now.toISOString(), data: {} });
    const first = sealAuditBatch([event('a', 'plan.proposed'), event('b', 'plan.proposed'), event('a', 'plan.approved')], new Map());
    expect(first.records.map((record) => [record.chain, record.seq])).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ]);
    expect(first.records[2]!.prevHash).toBe(first.records[0]!.hash);
    expect(first.heads.get('a')).toEqual({ seq: 2, hash: first.records[2]!.hash });
    const next = sealAuditBatch([event('a', 'plan.approved')], first.heads);
    expect(next.records[0]).toMatchObject({ seq: 3, prevHash: first.records[2]!.hash });
  });
});
