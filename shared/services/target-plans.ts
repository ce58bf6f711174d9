/**
 * TargetPlanService: `POST /plans` with `{case, description, base, target}`. Takes a snapshot
 * of the case as it is now, lets the pure target-state module compute the minimal operations
 * and the conflicts with the client's base snapshot, and proposes them through PlanService —
 * so the plan gets the same dry run, policy, approval and execution as any other.
 */
import type { z } from 'zod';
import { planInputSchema } from '../domain/plan.ts';
import { computeTargetPlan, targetPlanInputSchema, type TargetPlan } from '../domain/target-state.ts';
import { invalidInput, zodIssueDetails } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import { requireRole } from './authorization.ts';
import type { CaseContentService } from './case-content.ts';
import type { PlanView } from './plan-api.ts';
import type { PlanService } from './plan-service.ts';

export interface TargetPlanView extends PlanView {
  /** What the target changes, in numbers; the plan's operations say how. */
  target: TargetPlan['summary'] & { conflicts: number };
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${what}`, zodIssueDetails(result.error));
  return result.data;
}

export class TargetPlanService {
  readonly #plans: PlanService;
  readonly #content: CaseContentService;

  constructor(deps: { plans: PlanService; content: CaseContentService }) {
    this.#plans = deps.plans;
    this.#content = deps.content;
  }

  /**
   * Throws `invalid_input` for a hostile manifest (with the field path of each bad entry), and
   * when the target asks for nothing: the case already is the target.
   */
  async propose(principal: Principal, body: unknown): Promise<TargetPlanView> {
    requireRole(principal, 'proposing a plan', 'agent');
    const input = parseOrThrow(targetPlanInputSchema, body, 'target-state plan');
    await this.#plans.access.requireCase(principal, input.case, 'propose');
    const known = new Map(input.base.flatMap((entry) => (entry.md5 ? [[`${entry.generation}\u0000${entry.path}`, entry.md5] as const] : [])));
    const listing = await this.#content.fullListing(input.case, (path, generation) => known.get(`${generation}\u0000${path}`));
    const current = listing.entries;
    const computed = computeTargetPlan({ base: input.base, target: input.target, current });
    if (computed.operations.length === 0) {
      const issues = computed.conflicts.map((issue) => ({ path: issue.path ?? '', message: issue.message, code: issue.code }));
      throw invalidInput(
        issues.length > 0
          ? 'nothing to change, and the workspace changed since your snapshot: pull again'
          : 'nothing to change: the case already is the target',
        issues,
      );
    }
    const plan = parseOrThrow(
      planInputSchema,
      { case: input.case, description: input.description, operations: computed.operations, onError: input.onError },
      'computed plan',
    );
    // The dry run judges the plan against the very listing the diff was computed from.
    const view = await this.#plans.proposeComputed(
      principal,
      plan,
      { conflicts: computed.conflicts, warnings: computed.warnings },
      { objects: listing.objects, refused: listing.refused, pages: listing.pages },
    );
    return { ...view, target: { ...computed.summary, conflicts: computed.conflicts.length } };
  }
}
