/**
 * The rules every PlanStore adapter applies the same way, so SQLite and Firestore pass one
 * contract suite: how a compare-and-set builds the next record, what its conflicts say, how
 * paging positions are encoded, and which offsets and limits are acceptable.
 */
import { conflict, invalidInput, type BailiffError } from '../errors.ts';
import type { PlanRecord } from '../domain/plan.ts';
import type { Lease } from '../ports/plan-store.ts';

/** The record after a compare-and-set: the patch over the current record, id kept, revision bumped. */
export function nextRecord(current: PlanRecord, expectedRevision: number, patch: Partial<PlanRecord>): PlanRecord {
  // A patch member set to `undefined` removes the field (JSON drops it), e.g. withdrawing an approval.
  return { ...current, ...patch, id: current.id, revision: expectedRevision + 1 };
}

/** The `conflict` a stale compare-and-set throws: it names the current status so callers can explain the 409. */
export function staleRevision(id: string, expected: number, actual: number, status: string): BailiffError {
  return conflict(`plan ${id} changed since revision ${expected}`, [
    { message: `plan is now at revision ${actual} with status ${status}`, planId: id, status, revision: actual },
  ]);
}

/** The `conflict` a holder gets when its lease was taken over or released. */
export function leaseLost(lease: Lease, current: Lease | undefined): BailiffError {
  return conflict(`the lease on case ${lease.case} with token ${lease.token} is no longer held`, [
    current
      ? { message: `held by ${current.owner} with token ${current.token}`, case: lease.case, heldBy: current }
      : { message: 'the lease was released', case: lease.case },
  ]);
}

/** Rejects offsets and limits that are not integers of at least `min` with `invalid_input`. */
export function checkLimit(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw invalidInput(`${name} must be an integer of at least ${min}`, [{ path: name, message: `got ${value}` }]);
}

/** Page tokens are opaque to callers; inside they name the last plan of the previous page. */
export function encodePageToken(position: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

export function decodePageToken(token: string): { createdAt: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // Falls through to the same answer as a well-formed token of the wrong shape.
  }
  throw invalidInput('pageToken is not one this server issued', [{ path: 'pageToken', message: 'malformed page token' }]);
}
