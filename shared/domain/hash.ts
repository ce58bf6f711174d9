/**
 * Canonical hashing: the same plan always hashes the same, whatever key order or runtime
 * produced its JSON, so an approver's hash can be compared with the stored plan's.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and `undefined` members dropped (RFC 8785 in spirit). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashOf(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}

/** The hash an approver must send back: it covers everything that decides what the plan does. */
export function planHash(plan: { case: string; description: string; onError: string; operations: readonly unknown[] }): string {
  return hashOf({ case: plan.case, description: plan.description, onError: plan.onError, operations: plan.operations });
}
