/**
 * Case scope: the case-name patterns a principal may work in (`smith-*`). One matcher, used by
 * the authorization checks and by the plan stores when they fill a scoped page of plans.
 */

/** `*` matches any run of characters, `?` one; everything else is literal. */
export function caseMatches(pattern: string, caseName: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'u').test(caseName);
}

/** Whether `caseName` is inside `scope`; no scope means every case. */
export function inCaseScope(scope: readonly string[] | undefined, caseName: string): boolean {
  return scope === undefined || scope.some((pattern) => caseMatches(pattern, caseName));
}
