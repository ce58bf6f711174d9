/**
 * How the local store's failures become Bailiff errors: a file-system error code, a failed
 * generation precondition, a range past the end, and a file and folder of the same name.
 */
import { type BailiffError, conflict, internal, invalidInput, isBailiffError, notFound, preconditionFailed, unavailable } from '../../errors.ts';

export function checkPrecondition(name: string, expected: string | undefined, actual: string | undefined): void {
  if (expected === undefined) return;
  if (expected === '0') {
    if (actual !== undefined) throw preconditionFailed(`${name} already exists`, [{ message: 'expected absent', name, actual }]);
    return;
  }
  if (actual !== expected) {
    throw preconditionFailed(`${name} is not at generation ${expected}`, [{ message: 'stale generation', name, expected, actual: actual ?? 'absent' }]);
  }
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes(String((error as { code?: unknown }).code));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function unsatisfiableRange(name: string, start: number, size: number): BailiffError {
  return invalidInput(`range starting at byte ${start} is past the end of ${name} (${size} bytes)`, [{ message: 'range not satisfiable', start, size }]);
}

export function conflictInTheWay(name: string, cause: unknown): BailiffError {
  return conflict(`${name}: a file and a folder of the same name cannot both exist in a local workspace`, [], cause);
}

const TRANSIENT_FS_CODES = ['ENOSPC', 'EIO', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'EDQUOT', 'ESTALE'];

/** File-system errors as BailiffErrors: missing → not_found, exhausted or flaky → unavailable, else internal. */
export function translateFsError(error: unknown, context: string): BailiffError {
  if (isBailiffError(error)) return error;
  if (hasCode(error, 'ENOENT', 'ENOTDIR')) return notFound(`${context}: not found`, [], error);
  if (hasCode(error, ...TRANSIENT_FS_CODES)) {
    return unavailable(`${context}: ${messageOf(error)}`, [], error);
  }
  return internal(`${context}: ${messageOf(error)}`, [], error);
}
