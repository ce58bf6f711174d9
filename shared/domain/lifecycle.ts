/**
 * The plan lifecycle, in one place: which statuses belong together, who may do what to a plan in
 * which state and why not (in words a person can act on), and the next step in words.
 *
 * PlanService asks `decide` before every transition and throws the refusal it gets; the plan view
 * carries the same decisions to the console, CLI, MCP server and Python package, which show them
 * instead of deciding again. Role checks stay with the caller (services/authorization.ts): this
 * module is told what the caller's roles allow.
 */
import type { DryRunReport, PlanRecord, PlanStatus } from './plan.ts';
import { plural } from './words.ts';

/** Waiting for a person's approval. */
export const AWAITING_APPROVAL_STATUSES: readonly PlanStatus[] = ['proposed'];
/** A fresh dry run may be asked for; it withdraws an approval whose snapshot no longer holds. */
export const VALIDATABLE_STATUSES: readonly PlanStatus[] = ['proposed', 'approved', 'expired'];
/** A person may still say no. */
export const REJECTABLE_STATUSES: readonly PlanStatus[] = ['proposed', 'approved'];
/** Approved and not yet queued: `apply` queues it. */
export const RUNNABLE_STATUSES: readonly PlanStatus[] = ['approved'];
/** Handed to the executor: work is under way or about to start. */
export const IN_FLIGHT_STATUSES: readonly PlanStatus[] = ['queued', 'running'];
/** The plan ran to an end, good or bad: what it did can be rolled back. */
export const RAN_STATUSES: readonly PlanStatus[] = ['succeeded', 'failed'];
/** Nothing more ever happens to the plan itself (a rollback is a new plan). */
export const TERMINAL_STATUSES: readonly PlanStatus[] = ['rejected', 'succeeded', 'failed', 'rolled_back'];
/** Nothing more happens to the plan unless a person acts: where a waiting caller stops. */
export const FINISHED_STATUSES: readonly PlanStatus[] = ['rejected', 'expired', ...RAN_STATUSES, 'rolled_back'];

/** The error code a refusal becomes (shared/errors.ts), so the service and the page agree. */
export type RefusalCode = 'forbidden' | 'conflict' | 'plan_invalid';

export interface Decision {
  allowed: boolean;
  /**
   * Whether the action belongs to the plan's state at all, whoever asks: surfaces offer it
   * (enabled, or disabled with its reason) when it is offered or allowed, and leave it out otherwise.
   */
  offered: boolean;
  /** Why not, in words a person can act on; set when not allowed. */
  reason?: string;
  /** The error the service answers with when the action is attempted anyway; set when not allowed. */
  code?: RefusalCode;
}

export interface PlanDecisions {
  planId: string;
  status: PlanStatus;
  /** What the caller may do now. */
  approve: Decision;
  reject: Decision;
  apply: Decision;
  validate: Decision;
  rollback: Decision;
  verifyAudit: Decision;
  /** The firm's policy verdict in words ("needs 2 approvals because it deletes 12 files"). */
  policyVerdict: string;
  approvals: { required: number; given: Array<{ principal: string; at: string; comment?: string }>; remaining: number };
  /** True when the approval window has passed: the plan needs a fresh dry run and approval. */
  approvalExpired: boolean;
  /** Handed to the executor (queued or running): its progress is what changes next. */
  inFlight: boolean;
  /**
   * A person's approval is what happens next: proposed, and its dry run found no errors. False once
   * a person or a rule has decided, and for a plan nobody can approve (its `approve` is still
   * offered, disabled with the reason).
   */
  awaitingApproval: boolean;
  /** Nothing more happens to the plan unless a person acts (rejected, expired, ran to an end, rolled back). */
  finished: boolean;
  /** The next step in words: "Awaiting 1 more approval", "Queued to run", "Finished: 12 objects changed". */
  nextStep: string;
}

/** Who is asking, as far as the lifecycle cares: their canonical id and what their roles allow. */
export interface LifecycleCaller {
  id: string;
  /** Holds the approver role (or admin). */
  approver: boolean;
  /** Holds the agent or approver role (or admin): may read, validate, apply and roll back. */
  reader: boolean;
  admin: boolean;
}

type Verdict = Omit<Decision, 'offered'>;
const allowed: Verdict = { allowed: true };
const refused = (code: RefusalCode, reason: string): Verdict => ({ allowed: false, reason, code });
const offeredIf = (offered: boolean, verdict: Verdict): Decision => ({ ...verdict, offered });

/** A status as words: `rolled_back` reads "rolled back". */
export function statusInWords(status: PlanStatus): string {
  return status.replace('_', ' ');
}

/** True when an approved plan's window has passed, whether or not it has been marked expired yet. */
export function approvalExpired(plan: PlanRecord, now: Date): boolean {
  if (plan.status === 'expired') return true;
  const expiresAt = plan.approval?.expiresAt;
  return plan.status === 'approved' && expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
}

/** Approvals a plan needs, and those people have given so far. */
export function approvalProgress(plan: PlanRecord): PlanDecisions['approvals'] {
  const given = (plan.approval?.approvers ?? []).map(({ principal, at, comment }) => ({ principal, at, ...(comment ? { comment } : {}) }));
  const required = plan.approval?.approvalsRequired ?? plan.report.policy?.approvalsRequired ?? 1;
  return { required, given, remaining: Math.max(required - given.length, 0) };
}

/**
 * What `caller` may do with `plan` now, and why not. PlanService calls this before each
 * transition (after marking a plan past its window expired) and throws the refusal.
 */
export function decide(caller: LifecycleCaller, plan: PlanRecord, now: Date): PlanDecisions {
  const expired = approvalExpired(plan, now);
  const approvals = approvalProgress(plan);
  const status = statusInWords(plan.status);

  let approve: Verdict;
  if (!caller.approver) approve = refused('forbidden', 'Approving needs the approver role; this sign-in can only read the plan.');
  else if (plan.author === caller.id)
    approve = refused('forbidden', 'You proposed this plan, and nobody may approve their own plan. Another approver must review it.');
  else if (expired)
    approve = refused('conflict', 'The approval window has passed. Validate the plan again against the files as they are now, then approve it.');
  else if (!AWAITING_APPROVAL_STATUSES.includes(plan.status)) approve = refused('conflict', `The plan is ${status}; only a proposed plan can be approved.`);
  else if (approvals.given.some((approval) => approval.principal === caller.id))
    approve = refused('conflict', `You have already approved this plan; it needs ${plural(approvals.remaining, 'more approval')} from someone else.`);
  else if (!plan.report.valid)
    approve = refused('plan_invalid', 'The dry run found errors, so this plan cannot be approved. Reject it or ask for a corrected plan.');
  else approve = allowed;

  let reject: Verdict;
  if (!caller.approver) reject = refused('forbidden', 'Rejecting needs the approver role.');
  else if (!REJECTABLE_STATUSES.includes(plan.status)) reject = refused('conflict', `The plan is ${status}; only a proposed or approved plan can be rejected.`);
  else reject = allowed;

  let apply: Verdict;
  if (!caller.reader) apply = refused('forbidden', 'Applying needs the agent or approver role.');
  else if (expired) apply = refused('conflict', 'The approval window has passed; validate the plan again.');
  else if (AWAITING_APPROVAL_STATUSES.includes(plan.status))
    apply = refused('conflict', `The plan needs ${plural(Math.max(approvals.remaining, 1), 'more approval')} before it can run.`);
  else if (!RUNNABLE_STATUSES.includes(plan.status)) apply = refused('conflict', `The plan is ${status}; only an approved plan can be applied.`);
  else apply = allowed;

  let validate: Verdict;
  if (!caller.reader) validate = refused('forbidden', 'Validating needs the agent or approver role.');
  else if (!VALIDATABLE_STATUSES.includes(plan.status))
    validate = refused('conflict', `The plan is ${status}; only a proposed, approved or expired plan can be validated.`);
  else validate = allowed;

  let rollback: Verdict;
  if (!caller.reader) rollback = refused('forbidden', 'Proposing a rollback needs the agent or approver role.');
  else if (plan.rolledBackBy) rollback = refused('conflict', `This plan was already rolled back by ${plan.rolledBackBy}.`);
  else if (!RAN_STATUSES.includes(plan.status))
    rollback = refused('conflict', `The plan is ${status}; only a plan that has run (succeeded or failed) can be rolled back.`);
  else rollback = allowed;

  const verifyAudit = caller.admin ? allowed : refused('forbidden', 'Verifying the audit chain needs the admin role.');

  const is = (statuses: readonly PlanStatus[]) => statuses.includes(plan.status);
  return {
    planId: plan.id,
    status: plan.status,
    approve: offeredIf(is(AWAITING_APPROVAL_STATUSES), approve),
    reject: offeredIf(is(REJECTABLE_STATUSES), reject),
    apply: offeredIf(is(RUNNABLE_STATUSES), apply),
    validate: offeredIf(is(VALIDATABLE_STATUSES), validate),
    rollback: offeredIf(is(RAN_STATUSES), rollback),
    verifyAudit: offeredIf(true, verifyAudit),
    policyVerdict: describePolicyVerdict(plan),
    approvals,
    approvalExpired: expired,
    inFlight: is(IN_FLIGHT_STATUSES),
    awaitingApproval: is(AWAITING_APPROVAL_STATUSES) && plan.report.valid,
    finished: is(FINISHED_STATUSES),
    nextStep: nextStep(plan, now),
  };
}

/** What a caller may wait for: a person's decision, or the end of the plan's execution. */
export type WaitGoal = 'decided' | 'finished';

/**
 * Whether a caller waiting for `goal` stops at a plan with these decisions. Every surface that
 * waits (client, CLI, MCP) asks this of the view it read, never the status.
 */
export function waitIsOver(goal: WaitGoal, decisions: Pick<PlanDecisions, 'awaitingApproval' | 'finished'>): boolean {
  return goal === 'finished' ? decisions.finished : !decisions.awaitingApproval;
}

/** The next step for a plan in words, the same for every caller. */
export function nextStep(plan: PlanRecord, now: Date): string {
  const execution = plan.execution;
  switch (plan.status) {
    case 'proposed': {
      if (!plan.report.valid)
        return `Cannot be approved: the dry run found ${plural(plan.report.errors.length + (plan.report.policy?.violations.length ?? 0), 'problem')}; a corrected plan is needed`;
      const { remaining } = approvalProgress(plan);
      return `Awaiting ${Math.max(remaining, 1).toLocaleString('en-US')} more ${remaining > 1 ? 'approvals' : 'approval'}`;
    }
    case 'approved':
      return approvalExpired(plan, now) ? 'The approval window has passed: validate the plan again, then approve it' : 'Approved: ready to run';
    case 'expired':
      return 'The approval window has passed: validate the plan again, then approve it';
    case 'rejected':
      return plan.rejection ? `Rejected by ${plan.rejection.by}: ${plan.rejection.reason}` : 'Rejected: nothing will change';
    case 'queued':
      return 'Queued to run';
    case 'running':
      return execution ? `Running: ${execution.done.toLocaleString('en-US')} of ${plural(execution.actionCount, 'object')} done` : 'Running';
    case 'succeeded':
      return `Finished: ${plural(execution?.done ?? 0, 'object')} changed`;
    case 'failed': {
      const why = execution?.lastError ? `: ${execution.lastError}` : '';
      return `Failed after ${plural(execution?.done ?? 0, 'object')} changed${why}`;
    }
    case 'rolled_back':
      return plan.rolledBackBy ? `Rolled back by ${plan.rolledBackBy}` : 'Rolled back';
  }
}

/** What made a plan destructive, from its exact totals: the facts a four-eyes rule looks at. */
function destructiveFacts(report: DryRunReport): string[] {
  const facts: string[] = [];
  if (report.totals.objectsDeleted > 0) facts.push(`deletes ${plural(report.totals.objectsDeleted, 'file')}`);
  if (report.totals.objectsOverwritten > 0) facts.push(`overwrites ${plural(report.totals.objectsOverwritten, 'file')}`);
  if (report.totals.objectsMoved > 0) facts.push(`moves ${plural(report.totals.objectsMoved, 'file')}`);
  return facts;
}

/** The policy's verdict on a plan in one sentence a paralegal can read. */
export function describePolicyVerdict(plan: PlanRecord): string {
  const { report } = plan;
  const policy = report.policy;
  const rule = plan.approval?.rule ?? policy?.autoApproveRule;
  if (policy && policy.violations.length > 0) {
    return `The firm's policy (version ${policy.version}) forbids this plan: ${policy.violations.map((issue) => issue.message).join('; ')}.`;
  }
  if (!report.valid) return `The dry run found ${plural(report.errors.length, 'error')}, so this plan cannot be approved.`;
  if (rule) return `Approved automatically by rule ${rule}: it only creates folders and writes new files, within the rule's limits.`;
  const required = policy?.approvalsRequired ?? 1;
  const version = policy ? ` (policy version ${policy.version})` : '';
  if (required > 1) {
    const facts = destructiveFacts(report);
    const because = facts.length > 1 ? `${facts.slice(0, -1).join(', ')} and ${facts.at(-1)}` : facts[0];
    return `Needs ${required} approvals from different people${because ? ` because it ${because}` : ''}${version}.`;
  }
  return `Needs 1 approval from someone other than its author${version}.`;
}
