/**
 * Canonical hashing: the same plan always hashes the same, whatever key order or runtime
 * produced its JSON, so an approver's hash can be compared with the stored plan's.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and `undefined` members dropped (RFC 8785 in spirit). */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  writeCanonical(value, (text) => parts.push(text));
  return parts.join('');
}

/**
 * Writes the canonical JSON of `value` piece by piece, so a plan of 100,000 operations is
 * hashed without first building its whole text (tens of megabytes) as one string.
 */
function writeCanonical(value: unknown, out: (text: string) => void): void {
  if (value === null || typeof value !== 'object') {
    out(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out('[');
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out(',');
      // A hole in a sparse array stays empty, as `map` and `join` leave it.
      if (i in value) writeCanonical(value[i] === undefined ? null : value[i], out);
    }
    out(']');
    return;
  }
  const record = value as Record<string, unknown>;
  out('{');
  let first = true;
  // The default sort compares UTF-16 code units, as `<` does.
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    writeCanonical(member, out);
  }
  out('}');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of the canonical JSON, fed to the hash in pieces of about 64 KiB. */
export function hashOf(value: unknown): string {
  const hash = createHash('sha256');
  let pending = '';
  writeCanonical(value, (text) => {
    pending += text;
    if (pending.length >= 65_536) {
      hash.update(pending);
      pending = '';
    }
  });
  hash.update(pending);
  return `sha256:${hash.digest('hex')}`;
}

/** The hash an approver must send back: it covers everything that decides what the plan does. */
export function planHash(plan: { case: string; description: string; onError: string; operations: readonly unknown[] }): string {
  return hashOf({ case: plan.case, description: plan.description, onError: plan.onError, operations: plan.operations });
}
