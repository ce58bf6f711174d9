/**
 * Who may do what: role checks and case scope, in one place that every service method calls.
 * Out-of-scope plans are reported as not found, so a principal cannot learn other cases' plans exist.
 */
import { forbidden } from '../errors.ts';
import type { Principal, Role } from '../ports/identity.ts';

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((role) => principal.roles.includes(role));
}

export function requireRole(principal: Principal, action: string, ...roles: Role[]): void {
  if (!hasRole(principal, ...roles)) {
    throw forbidden(`${action} needs the ${roles.join(' or ')} role`);
  }
}

/** `*` matches any run of characters, `?` one; everything else is literal. */
export function caseMatches(pattern: string, caseName: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'u').test(caseName);
}

export function mayTouchCase(principal: Principal, caseName: string): boolean {
  return principal.cases === undefined || principal.cases.some((pattern) => caseMatches(pattern, caseName));
}

export function requireCase(principal: Principal, caseName: string): void {
  if (!mayTouchCase(principal, caseName)) throw forbidden(`no access to case \`${caseName}\``);
}
