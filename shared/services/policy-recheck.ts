/**
 * The firm's policy, checked again for a plan already approved: when it is applied and when its
 * execution starts. A policy file may change between approval and execution (a new legal hold);
 * what the current policy forbids is refused, whatever it allowed when the plan was reviewed.
 */
import { PolicyCheck, type Policy } from '../domain/policy.ts';
import type { PlanRecord, ReportIssue } from '../domain/plan.ts';
import { readPages, type PlanStore } from '../ports/plan-store.ts';

/** The current policy's hard rules that `plan` breaks (limits, protected paths); empty when none. */
export async function violationsUnderCurrentPolicy(plans: Pick<PlanStore, 'readActions'>, policy: Policy, plan: PlanRecord): Promise<ReportIssue[]> {
  const check = new PolicyCheck(policy, { case: plan.case, operationCount: plan.operationCount, totals: plan.report.totals });
  for await (const page of readPages((offset, limit) => plans.readActions(plan.id, offset, limit))) check.addActions(page);
  return check.violations;
}

/** One line naming what the policy forbids, for a plan's `lastError` and for logs. */
export function describeViolations(policy: Policy, violations: readonly ReportIssue[]): string {
  const first = violations[0]?.message ?? 'a rule';
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return `the current policy (${policy.version}) forbids this plan: ${first}${more}`;
}
