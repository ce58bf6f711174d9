/**
 * Who may do what: role checks and case scope, in one place that every service method calls.
 * Out-of-scope plans are reported as not found, so a principal cannot learn other cases' plans exist.
 */
import { inCaseScope } from '../domain/case-scope.ts';
import type { LifecycleCaller } from '../domain/lifecycle.ts';
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

export function mayTouchCase(principal: Principal, caseName: string): boolean {
  return inCaseScope(principal.cases, caseName);
}

export function requireCase(principal: Principal, caseName: string): void {
  if (!mayTouchCase(principal, caseName)) throw forbidden(`no access to case \`${caseName}\``);
}

/** What the principal's roles allow, as the lifecycle (domain/lifecycle.ts) asks it. */
export function lifecycleCaller(principal: Principal): LifecycleCaller {
  return { id: principal.id, approver: hasRole(principal, 'approver'), reader: hasRole(principal, 'agent', 'approver'), admin: hasRole(principal, 'admin') };
}
