/**
 * Who may do what: role checks, case scope and ethical walls, in one place that every service
 * method calls. Out-of-scope plans are reported as not found, so a principal cannot learn other
 * cases' plans exist; a walled case is not found either, whatever the principal's roles and
 * scope say, and each such refusal is audited on the case's chain with the wall's reason.
 */
import { caseMatches, inCaseScope } from '../domain/case-scope.ts';
import type { LifecycleCaller } from '../domain/lifecycle.ts';
import type { PlanRecord } from '../domain/plan.ts';
import type { EthicalWall } from '../domain/policy.ts';
import { canonicalPrincipalId } from '../domain/principal-id.ts';
import { forbidden, notFound } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Principal, Role } from '../ports/identity.ts';
import type { PlanQuery, PlanStore } from '../ports/plan-store.ts';

export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return principal.roles.includes('admin') || roles.some((role) => principal.roles.includes(role));
}

export function requireRole(principal: Principal, action: string, ...roles: Role[]): void {
  if (!hasRole(principal, ...roles)) {
    throw forbidden(`${action} needs the ${roles.join(' or ')} role`);
  }
}

/** What the principal's roles allow, as the lifecycle (domain/lifecycle.ts) asks it. */
export function lifecycleCaller(principal: Principal): LifecycleCaller {
  return { id: principal.id, approver: hasRole(principal, 'approver'), reader: hasRole(principal, 'agent', 'approver'), admin: hasRole(principal, 'admin') };
}

export interface CaseAccessDeps {
  /** The policy's walls (policy.walls). */
  walls: readonly EthicalWall[];
  /** Where refusals are audited. */
  plans: Pick<PlanStore, 'appendAudit'>;
  clock: Clock;
}

/**
 * Case scope and ethical walls: whether a principal may touch a case at all. Every service
 * asks this object, and only this object, before it reads or changes anything of a case.
 */
export class CaseAccess {
  readonly #walls: readonly EthicalWall[];
  readonly #plans: Pick<PlanStore, 'appendAudit'>;
  readonly #clock: Clock;

  constructor(deps: CaseAccessDeps) {
    this.#walls = deps.walls;
    this.#plans = deps.plans;
    this.#clock = deps.clock;
  }

  /** The first wall that keeps `principalId` out of `caseName`, if any. */
  wallFor(principalId: string, caseName: string): EthicalWall | undefined {
    const id = canonicalPrincipalId(principalId);
    return this.#walls.find((wall) => wall.exclude.includes(id) && caseMatches(wall.cases, caseName));
  }

  /** Inside the principal's case scope and outside every wall: for filtering lists (nothing audited). */
  mayTouchCase(principal: Principal, caseName: string): boolean {
    return inCaseScope(principal.cases, caseName) && this.wallFor(principal.id, caseName) === undefined;
  }

  /**
   * Whether the principal may read a case's audit chain and its copies: `/audit/verify` covers
   * only those. A walled administrator's verification leaves out the walled cases (unaudited,
   * as a listing leaves them out): another administrator verifies those.
   */
  mayReadAuditOf(principal: Principal, caseName: string): boolean {
    return this.wallFor(principal.id, caseName) === undefined;
  }

  /**
   * Throws `not_found` (audited) when a wall keeps the principal out of the case, and
   * `forbidden` when the case is outside its scope. `action` says what was refused, for the audit.
   */
  async requireCase(principal: Principal, caseName: string, action: string): Promise<void> {
    await this.requireOutsideWalls(principal, caseName, action);
    if (!inCaseScope(principal.cases, caseName)) throw forbidden(`no access to case \`${caseName}\``);
  }

  /** The wall check alone, for the admin's case-wide tools that case scope does not limit. */
  async requireOutsideWalls(principal: Principal, caseName: string, action: string, planId?: string): Promise<void> {
    const wall = this.wallFor(principal.id, caseName);
    if (!wall) return;
    await this.#plans.appendAudit([
      {
        chain: caseName,
        type: 'access.walled',
        actor: principal.id,
        at: this.#clock.now().toISOString(),
        // The plan is named in the data, not as the record's planId: the refusal is the case's
        // business, not a step of the plan's own trail.
        data: { action, reason: wall.reason, wall: wall.cases, ...(planId ? { plan: planId } : {}) },
      },
    ]);
    throw planId ? notFound(`plan ${planId} not found`) : notFound(`case \`${caseName}\` not found`);
  }

  /** The plan, when the principal may see it: a missing, out-of-scope or walled plan is `not_found`. */
  async requirePlan(principal: Principal, plan: PlanRecord | undefined, planId: string, action: string): Promise<PlanRecord> {
    if (!plan || !inCaseScope(principal.cases, plan.case)) throw notFound(`plan ${planId} not found`);
    await this.requireOutsideWalls(principal, plan.case, action, plan.id);
    return plan;
  }

  /** The store filters that keep a principal's listings inside its scope and outside its walls. */
  listingScope(principal: Principal): Pick<PlanQuery, 'caseScope' | 'excludedCases'> {
    const id = canonicalPrincipalId(principal.id);
    const excluded = this.#walls.filter((wall) => wall.exclude.includes(id)).map((wall) => wall.cases);
    return { ...(principal.cases ? { caseScope: principal.cases } : {}), ...(excluded.length > 0 ? { excludedCases: excluded } : {}) };
  }

  /** Approvers of `plan` that a wall now keeps out of its case, with the wall's reason. */
  walledApprovers(plan: PlanRecord): Array<{ principal: string; reason: string }> {
    const walled: Array<{ principal: string; reason: string }> = [];
    for (const approver of plan.approval?.approvers ?? []) {
      const wall = this.wallFor(approver.principal, plan.case);
      if (wall) walled.push({ principal: approver.principal, reason: wall.reason });
    }
    return walled;
  }
}
