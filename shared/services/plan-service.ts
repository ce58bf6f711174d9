/**
 * PlanService: the plan lifecycle — propose (with its dry run), validate again, approve,
 * reject, apply, roll back — as compare-and-set transitions on the PlanStore, each audited.
 * It is the only implementation of PlanApi, so every front end gets the same checks.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AuditEventInput, AuditEventType, AuditRecord } from '../domain/audit.ts';
import { planHash } from '../domain/hash.ts';
import { deriveRollback } from '../domain/inverse.ts';
import { casePathOf, casePrefix } from '../domain/paths.ts';
import type { Policy } from '../domain/policy.ts';
import {
  actionsToKeep,
  caseNameSchema,
  casePathSchema,
  PLAN_LIMITS,
  approveBodySchema,
  planIdSchema,
  planInputSchema,
  rejectBodySchema,
  type Operation,
  type PlanInput,
  type ReportIssue,
  type PlanRecord,
  type PlanStatus,
} from '../domain/plan.ts';
import { BailiffError, conflict, hashMismatch, invalidInput, planInvalid, reportChanged, zodIssueDetails } from '../errors.ts';
import { AWAITING_APPROVAL_STATUSES, decide, IN_FLIGHT_STATUSES, RUNNABLE_STATUSES, type Decision } from '../domain/lifecycle.ts';
import type { Logger } from '../logging.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExecutionQueue } from '../ports/execution-queue.ts';
import type { Principal } from '../ports/identity.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import { readPages, type PlanStore } from '../ports/plan-store.ts';
import { readAppliedActions } from './applied-actions.ts';
import { DryRunner, type CaseListing } from './dry-run.ts';
import { describeViolations, violationsUnderCurrentPolicy } from './policy-recheck.ts';
import { verifyAuditTrail } from './audit-verifier.ts';
import { CaseAccess, hasRole, lifecycleCaller, requireRole } from './authorization.ts';
import type { FileEntry, PlanApi, PlanView } from './plan-api.ts';
import { proposeFromCommands, readCaseFileText } from './case-tools.ts';
import type { AuditVerification } from './audit-verifier.ts';

export interface PlanServiceOptions {
  approvalTtlMs: number;
  /** Objects per listing page during dry runs. */
  listPageSize?: number;
  /** Open plans (see OPEN_PLAN_STATUSES) one principal may hold before a proposal is refused; 0 or unset: no cap. */
  maxOpenPlansPerPrincipal?: number;
}

/** A plan that still holds a place in its author's quota: not yet finished one way or another. */
const OPEN_PLAN_STATUSES: readonly PlanStatus[] = [...AWAITING_APPROVAL_STATUSES, ...RUNNABLE_STATUSES, ...IN_FLIGHT_STATUSES];

export interface PlanServiceDeps {
  plans: PlanStore;
  objects: ObjectStore;
  queue: ExecutionQueue;
  clock: Clock;
  policy: Policy;
  logger: Logger;
  options: PlanServiceOptions;
  /** Case scope and ethical walls; by default the walls of `policy`, refusals audited in `plans`. */
  access?: CaseAccess;
  /** Where the audit copies are (a retention-locked bucket on Google Cloud); unset: `objects`. */
  auditCopies?: ObjectStore;
}

/** Time-sortable, unguessable plan ids: `pln_` + base36 milliseconds + random. */
export function newPlanId(now: Date): string {
  return `pln_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${what}`, zodIssueDetails(result.error));
  return result.data;
}

export class PlanService implements PlanApi {
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  private readonly auditCopies: ObjectStore;
  private readonly queue: ExecutionQueue;
  private readonly clock: Clock;
  private readonly policy: Policy;
  private readonly logger: Logger;
  private readonly options: PlanServiceOptions;
  private readonly dryRunner: DryRunner;
  readonly access: CaseAccess;

  constructor(deps: PlanServiceDeps) {
    this.access = deps.access ?? new CaseAccess({ walls: deps.policy.walls, plans: deps.plans, clock: deps.clock });
    this.plans = deps.plans;
    this.objects = deps.objects;
    this.auditCopies = deps.auditCopies ?? deps.objects;
    this.queue = deps.queue;
    this.clock = deps.clock;
    this.policy = deps.policy;
    this.logger = deps.logger;
    this.options = deps.options;
    this.dryRunner = new DryRunner({ objects: deps.objects, policy: deps.policy, clock: deps.clock, listPageSize: deps.options.listPageSize });
  }

  async propose(principal: Principal, body: unknown): Promise<PlanView> {
    requireRole(principal, 'proposing a plan', 'agent');
    const input = parseOrThrow(planInputSchema, body, 'plan');
    await this.access.requireCase(principal, input.case, 'propose');
    const now = this.clock.now();
    const id = newPlanId(now);
    return this.createPlan(
      principal,
      { id, kind: 'change', case: input.case, description: input.description, onError: input.onError, operations: input.operations },
      now,
    );
  }

  /**
   * Proposes operations Bailiff computed from a target state (TargetPlanService), with what
   * computing them found: conflicts become errors of this and every later dry run of the plan,
   * so it can never be approved; warnings lead its report.
   */
  async proposeComputed(
    principal: Principal,
    input: PlanInput,
    found: { conflicts: ReportIssue[]; warnings: ReportIssue[] },
    listing?: CaseListing,
  ): Promise<PlanView> {
    requireRole(principal, 'proposing a plan', 'agent');
    await this.access.requireCase(principal, input.case, 'propose');
    const now = this.clock.now();
    const draft = {
      id: newPlanId(now),
      kind: 'change' as const,
      case: input.case,
      description: input.description,
      onError: input.onError,
      operations: input.operations,
    };
    return this.createPlan(principal, { ...draft, conflicts: found.conflicts, warnings: found.warnings }, now, listing);
  }

  async proposeFromCommands(principal: Principal, body: unknown) {
    return proposeFromCommands({ objects: this.objects, listPageSize: this.options.listPageSize, access: this.access }, principal, body, (input) =>
      this.propose(principal, input),
    );
  }

  async readFileText(principal: Principal, caseName: string, query: { path: string; offset?: number; limit?: number }) {
    return readCaseFileText({ objects: this.objects, listPageSize: this.options.listPageSize, access: this.access }, principal, caseName, query);
  }

  async get(principal: Principal, planId: string): Promise<PlanView> {
    requireRole(principal, 'reading plans', 'agent', 'approver');
    return this.view(principal, await this.loadPlan(principal, planId, 'read'));
  }

  async list(principal: Principal, query: { case?: string; status?: PlanStatus; pageToken?: string; limit?: number }) {
    requireRole(principal, 'listing plans', 'agent', 'approver');
    const caseName = query.case === undefined ? undefined : parseOrThrow(caseNameSchema, query.case, 'case name');
    if (caseName !== undefined) await this.access.requireCase(principal, caseName, 'list plans');
    return this.plans.listPlans({
      case: caseName,
      status: query.status,
      ...this.access.listingScope(principal),
      pageToken: query.pageToken,
      limit: Math.min(query.limit ?? 50, 200),
    });
  }

  async validate(principal: Principal, planId: string): Promise<PlanView> {
    requireRole(principal, 'validating a plan', 'agent', 'approver');
    let plan = await this.loadPlan(principal, planId, 'validate');
    plan = await this.expireIfDue(plan);
    this.enforce(principal, plan, 'validate');
    const operations = await this.readAllOperations(plan);
    const dryRun = await this.dryRunner.run({ planId: plan.id, caseName: plan.case, operations, guards: plan.guards, conflicts: plan.conflicts });
    // Approvals given (all of them, or some of a four-eyes rule) hold only for the report they
    // were given on: a changed snapshot, or a report that is no longer valid, sends the plan
    // back to a person. An expired plan always starts again with no approval.
    const given = plan.approval !== undefined && plan.approval.approvers.length > 0 && plan.status !== 'expired';
    const stillHolds = given && dryRun.report.valid && dryRun.report.snapshotHash === plan.approval?.snapshotHash;
    const withdrawn = given && !stillHolds;
    const patch: Partial<PlanRecord> = { updatedAt: this.clock.now().toISOString() };
    if (!stillHolds) {
      patch.status = 'proposed';
      patch.approval = undefined;
    }
    const event = withdrawn
      ? this.event(principal, plan, 'plan.approval_withdrawn', {
          valid: dryRun.report.valid,
          previousSnapshotHash: plan.approval?.snapshotHash,
          snapshotHash: dryRun.report.snapshotHash,
          approvers: plan.approval?.approvers.map((approver) => approver.principal),
          reason: dryRun.report.valid ? 'the workspace no longer matches the snapshot the approval was given on' : 'the dry run now finds errors',
        })
      : this.event(principal, plan, 'plan.validated', { valid: dryRun.report.valid, snapshotHash: dryRun.report.snapshotHash });
    // The new report, any withdrawn approval and its audit record: one write.
    const { plan: updated } = await this.plans.replaceDryRun(plan.id, plan.revision, dryRun.report, actionsToKeep(dryRun.report, dryRun.actions), patch, [
      event,
    ]);
    this.logger.info(event.type, { plan: updated.id, case: updated.case, actor: principal.id, status: updated.status });
    return this.view(principal, updated);
  }

  async approve(principal: Principal, planId: string, body: unknown): Promise<PlanView> {
    requireRole(principal, 'approving a plan', 'approver');
    const { planHash: reviewedHash, snapshotHash: reviewedSnapshot, comment } = parseOrThrow(approveBodySchema, body, 'approval');
    let plan = await this.loadPlan(principal, planId, 'approve');
    plan = await this.withdrawWalledApprovals(plan);
    plan = await this.expireIfDue(plan);
    if (reviewedHash !== plan.planHash) {
      throw hashMismatch('the plan you reviewed is not the plan stored; read it again', [{ message: 'stored plan hash', planHash: plan.planHash }]);
    }
    if (reviewedSnapshot !== plan.report.snapshotHash) {
      throw reportChanged(
        `the dry-run report changed since you reviewed it (you reviewed snapshot ${reviewedSnapshot}, the plan's report is now ${plan.report.snapshotHash}); read the plan again before approving`,
        [{ message: 'the current report has another snapshot', expected: plan.report.snapshotHash, got: reviewedSnapshot }],
      );
    }
    this.enforce(principal, plan, 'approve');
    const now = this.clock.now().toISOString();
    const previous = plan.approval?.approvers ?? [];
    const approvers = [...previous, { principal: principal.id, at: now, comment }];
    const required = plan.report.policy?.approvalsRequired ?? 1;
    const complete = approvers.length >= required;
    const approval = {
      approvers,
      planHash: plan.planHash,
      snapshotHash: plan.report.snapshotHash,
      approvalsRequired: required,
      approvedAt: now,
      expiresAt: complete ? new Date(this.clock.now().getTime() + this.options.approvalTtlMs).toISOString() : undefined,
    };
    const updated = await this.transition(principal, plan, { status: complete ? 'approved' : 'proposed', approval, updatedAt: now }, 'plan.approved', {
      planHash: plan.planHash,
      snapshotHash: plan.report.snapshotHash,
      comment,
      approvals: approvers.length,
      approvalsRequired: required,
      complete,
      policyVersion: this.policy.version,
    });
    return this.view(principal, updated);
  }

  async reject(principal: Principal, planId: string, body: unknown): Promise<PlanView> {
    requireRole(principal, 'rejecting a plan', 'approver');
    const { reason } = parseOrThrow(rejectBodySchema, body, 'rejection');
    const plan = await this.loadPlan(principal, planId, 'reject');
    this.enforce(principal, plan, 'reject');
    const now = this.clock.now().toISOString();
    const updated = await this.transition(
      principal,
      plan,
      { status: 'rejected', rejection: { by: principal.id, at: now, reason }, updatedAt: now },
      'plan.rejected',
      { reason },
    );
    return this.view(principal, updated);
  }

  async apply(principal: Principal, planId: string): Promise<PlanView> {
    requireRole(principal, 'applying a plan', 'agent', 'approver');
    let plan = await this.loadPlan(principal, planId, 'apply');
    plan = await this.withdrawWalledApprovals(plan);
    plan = await this.expireIfDue(plan);
    // Applying a queued plan again only publishes it again: the executor acts on a plan once,
    // however often it is asked, so a caller that lost the first answer may simply retry.
    if (plan.status !== 'queued') {
      this.enforce(principal, plan, 'apply');
      await this.ensurePolicyStillAllows(principal, plan);
      plan = await this.transition(principal, plan, { status: 'queued', updatedAt: this.clock.now().toISOString() }, 'plan.queued', {});
    }
    await this.queue.publish({ version: 1, planId: plan.id, reason: 'apply', attempt: 1 });
    return this.view(principal, plan);
  }

  async rollback(principal: Principal, planId: string): Promise<PlanView> {
    requireRole(principal, 'rolling back a plan', 'agent', 'approver');
    const original = await this.loadPlan(principal, planId, 'roll back');
    this.enforce(principal, original, 'rollback');
    const applied = await readAppliedActions(this.plans, original.id);
    if (applied.length === 0)
      throw conflict('the plan changed nothing, so there is nothing to roll back', [{ message: 'current status', status: original.status }]);
    const derivation = deriveRollback(original.case, applied);
    if (derivation.operations.length === 0) throw conflict('nothing the plan did can be undone', []);
    const now = this.clock.now();
    return this.createPlan(
      principal,
      {
        id: newPlanId(now),
        kind: 'rollback',
        rollbackOf: original.id,
        case: original.case,
        description: `Roll back ${original.id}: ${original.description}`.slice(0, PLAN_LIMITS.maxDescriptionLength),
        onError: 'stop',
        operations: derivation.operations,
        guards: derivation.guards,
      },
      now,
    );
  }

  async auditTrail(principal: Principal, planId: string): Promise<AuditRecord[]> {
    requireRole(principal, 'reading the audit trail', 'agent', 'approver');
    const plan = await this.loadPlan(principal, planId, 'read the audit trail');
    return this.plans.readPlanAudit(plan.id);
  }

  async listFiles(principal: Principal, caseRaw: string, query: { prefix?: string; recursive?: boolean }): Promise<FileEntry[]> {
    requireRole(principal, 'listing files', 'agent', 'approver');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.access.requireCase(principal, caseName, 'list files');
    const inner = query.prefix ? parseOrThrow(casePathSchema, query.prefix, 'prefix') : '';
    const prefix = casePrefix(caseName) + inner;
    const files: FileEntry[] = [];
    for await (const page of listAll(this.objects, prefix, { pageSize: this.options.listPageSize, withMetadata: false })) {
      for (const object of page.objects) {
        const path = casePathOf(caseName, object.name);
        if (path === undefined) continue;
        const rest = path.slice(inner.length);
        if (query.recursive === false && rest.replace(/\/$/, '').includes('/')) continue;
        files.push({ path, size: object.size, updated: object.updated, generation: object.generation });
      }
      if (files.length > 100_000) throw invalidInput('more than 100,000 files; narrow the prefix');
    }
    return files;
  }

  async verifyAudit(principal: Principal): Promise<AuditVerification> {
    requireRole(principal, 'verifying the audit trail', 'admin');
    return verifyAuditTrail(this.plans, this.auditCopies, (caseName) => this.access.mayReadAuditOf(principal, caseName));
  }

  async releaseLease(principal: Principal, caseRaw: string) {
    requireRole(principal, 'releasing a lease', 'admin');
    const caseName = parseOrThrow(caseNameSchema, caseRaw, 'case name');
    await this.access.requireOutsideWalls(principal, caseName, 'release the lease');
    const released = await this.plans.forceReleaseLease(caseName);
    if (released) {
      await this.plans.appendAudit([
        {
          chain: caseName,
          type: 'lease.force_released',
          planId: released.planId,
          actor: principal.id,
          at: this.clock.now().toISOString(),
          data: { owner: released.owner, token: released.token },
        },
      ]);
    }
    return { released };
  }

  private async createPlan(
    principal: Principal,
    draft: {
      id: string;
      kind: 'change' | 'rollback';
      rollbackOf?: string;
      case: string;
      description: string;
      onError: 'stop' | 'rollback';
      operations: Operation[];
      guards?: Array<{ path: string; generation: string }>;
      conflicts?: ReportIssue[];
      warnings?: ReportIssue[];
    },
    now: Date,
    listing?: CaseListing,
  ): Promise<PlanView> {
    if (draft.kind === 'change') await this.refuseOverQuota(principal, draft.operations.length);
    const { report, actions } = await this.dryRunner.run(
      { planId: draft.id, caseName: draft.case, operations: draft.operations, guards: draft.guards, conflicts: draft.conflicts },
      listing,
    );
    if (draft.warnings && draft.warnings.length > 0) report.warnings.unshift(...draft.warnings);
    const timestamp = now.toISOString();
    const record: PlanRecord = {
      id: draft.id,
      case: draft.case,
      description: draft.description,
      onError: draft.onError,
      kind: draft.kind,
      rollbackOf: draft.rollbackOf,
      ...(draft.guards && draft.guards.length > 0 ? { guards: draft.guards } : {}),
      ...(draft.conflicts && draft.conflicts.length > 0 ? { conflicts: draft.conflicts } : {}),
      author: principal.id,
      createdAt: timestamp,
      updatedAt: timestamp,
      planHash: planHash(draft),
      status: 'proposed',
      revision: 1,
      operationCount: draft.operations.length,
      report,
    };
    await this.plans.createPlan(record, draft.operations, actionsToKeep(report, actions));
    await this.record(principal, record, 'plan.proposed', {
      planHash: record.planHash,
      snapshotHash: report.snapshotHash,
      kind: record.kind,
      rollbackOf: record.rollbackOf,
      valid: report.valid,
      operations: record.operationCount,
      actions: actions.length,
      policyVersion: this.policy.version,
    });
    const rule = report.policy?.autoApproveRule;
    if (rule && record.kind === 'change') {
      const approval = {
        approvers: [{ principal: `policy:${rule}`, at: timestamp }],
        planHash: record.planHash,
        snapshotHash: report.snapshotHash,
        rule,
        approvalsRequired: 1,
        approvedAt: timestamp,
        expiresAt: new Date(now.getTime() + this.options.approvalTtlMs).toISOString(),
      };
      const approved = await this.transition(
        { id: `policy:${rule}`, roles: ['approver'] },
        record,
        { status: 'approved', approval, updatedAt: timestamp },
        'plan.approved',
        { rule, planHash: record.planHash, snapshotHash: report.snapshotHash, policyVersion: this.policy.version },
      );
      return this.view(principal, approved);
    }
    return this.view(principal, record);
  }

  /**
   * Cheap refusals before a proposal is simulated or stored: more operations than the policy
   * allows (it could never be approved, and simulating and storing 100,000 of them costs the
   * server for nothing), and an author already holding their cap of open plans. Rollbacks are
   * not refused here: an undo must always be possible.
   */
  private async refuseOverQuota(principal: Principal, operationCount: number): Promise<void> {
    const limit = this.policy.limits.maxOperations;
    if (limit !== undefined && operationCount > limit) {
      throw planInvalid(`${operationCount} operations exceed the policy's limit of ${limit} per plan; split the work into smaller plans`, [
        { path: 'operations', message: 'more operations than the policy allows', limit, operations: operationCount },
      ]);
    }
    const cap = this.options.maxOpenPlansPerPrincipal;
    if (cap === undefined || cap === 0) return;
    const open = await this.plans.countPlansByAuthor(principal.id, OPEN_PLAN_STATUSES);
    if (open >= cap) {
      throw conflict(`${principal.id} already holds ${open} open plans, the most one principal may hold (${cap}); reject, run or let some expire first`, [
        { message: 'too many open plans', limit: cap, open },
      ]);
    }
  }

  /** The plan as callers see it, with what `principal` may do with it now and the next step. */
  private view(principal: Principal, plan: PlanRecord): PlanView {
    return {
      plan,
      report: plan.report,
      approval: plan.approval,
      execution: plan.execution,
      decisions: decide(lifecycleCaller(principal), plan, this.clock.now()),
    };
  }

  /** Throws the lifecycle's refusal when `principal` may not take `action` on `plan` now. */
  private enforce(principal: Principal, plan: PlanRecord, action: 'approve' | 'reject' | 'apply' | 'validate' | 'rollback'): void {
    const decision: Decision = decide(lifecycleCaller(principal), plan, this.clock.now())[action];
    if (decision.allowed) return;
    const details = [{ message: 'current status', status: plan.status }];
    if (decision.code === 'plan_invalid') this.ensureApprovable(plan);
    throw new BailiffError(decision.code ?? 'conflict', decision.reason ?? `not allowed while the plan is ${plan.status}`, details);
  }

  /** Appends one audit record for a transition `principal` made, and logs it under the same name. */
  private async record(principal: Principal, plan: PlanRecord, type: AuditEventType, data: Record<string, unknown>): Promise<void> {
    await this.plans.appendAudit([this.event(principal, plan, type, data)]);
    this.logger.info(type, { plan: plan.id, case: plan.case, actor: principal.id, status: plan.status });
  }

  /** A lifecycle transition: the compare-and-set and the audit record that attests it, one write. */
  private async transition(
    principal: Principal,
    plan: PlanRecord,
    patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>,
    type: AuditEventType,
    data: Record<string, unknown>,
  ): Promise<PlanRecord> {
    const { plan: updated } = await this.plans.transition(plan.id, plan.revision, patch, [this.event(principal, plan, type, data)]);
    this.logger.info(type, { plan: updated.id, case: updated.case, actor: principal.id, status: updated.status });
    return updated;
  }

  private event(principal: Principal, plan: PlanRecord, type: AuditEventType, data: Record<string, unknown>): AuditEventInput {
    return { chain: plan.case, type, planId: plan.id, actor: principal.id, at: this.clock.now().toISOString(), data };
  }

  private ensureApprovable(plan: PlanRecord): void {
    if (!plan.report.valid) {
      const issues = [...plan.report.errors, ...(plan.report.policy?.violations ?? [])];
      throw planInvalid(
        "the plan's dry run has errors; fix the plan and propose it again",
        issues.slice(0, 50).map((issue) => ({ ...issue })),
      );
    }
  }

  /** The policy may have changed since approval (a new legal hold): refuse, audited, what it now forbids. */
  private async ensurePolicyStillAllows(principal: Principal, plan: PlanRecord): Promise<void> {
    const violations = await violationsUnderCurrentPolicy(this.plans, this.policy, plan);
    if (violations.length === 0) return;
    await this.record(principal, plan, 'plan.policy_refused', { policyVersion: this.policy.version, violations: violations.slice(0, 20) });
    throw planInvalid(
      describeViolations(this.policy, violations),
      violations.slice(0, 50).map((issue) => ({ ...issue })),
    );
  }

  /** Approval windows: an approved plan past its window becomes expired and needs a new dry run and approval. */
  private async expireIfDue(plan: PlanRecord): Promise<PlanRecord> {
    const expiresAt = plan.approval?.expiresAt;
    if (plan.status !== 'approved' || !expiresAt || Date.parse(expiresAt) > this.clock.now().getTime()) return plan;
    const expired = await this.transition(
      { id: 'bailiff', roles: [] },
      plan,
      { status: 'expired', updatedAt: this.clock.now().toISOString() },
      'plan.expired',
      { expiresAt },
    );
    return expired;
  }

  private async loadPlan(principal: Principal, planId: string, action: string): Promise<PlanRecord> {
    const id = parseOrThrow(planIdSchema, planId, 'plan id');
    return this.access.requirePlan(principal, await this.plans.getPlan(id), id, action);
  }

  /**
   * Applies the policy's walls to plans proposed before it changed: every pending approval
   * (of a plan proposed or approved, not yet queued) given by someone a wall now keeps out of
   * the plan's case is withdrawn. Run when Bailiff starts with a policy; returns the plans changed.
   */
  async withdrawWalledApprovalsEverywhere(): Promise<number> {
    if (this.policy.walls.length === 0) return 0;
    let changed = 0;
    for (const status of ['proposed', 'approved'] as const) {
      let pageToken: string | undefined;
      do {
        const page = await this.plans.listPlans({ status, caseScope: this.policy.walls.map((wall) => wall.cases), limit: 200, pageToken });
        for (const plan of page.plans) {
          if (this.access.walledApprovers(plan).length === 0) continue;
          try {
            await this.withdrawWalledApprovals(plan);
            changed += 1;
          } catch (error) {
            // Someone changed the plan meanwhile; its next approval or apply checks the walls again.
            if (!(error instanceof BailiffError && error.code === 'conflict')) throw error;
          }
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
    return changed;
  }

  /**
   * Withdraws the approvals of approvers an ethical wall now keeps out of the plan's case (the
   * policy changed since they approved), audited like any withdrawal. Also run over every
   * pending plan when Bailiff starts (services/walls.ts).
   */
  async withdrawWalledApprovals(plan: PlanRecord): Promise<PlanRecord> {
    if (plan.status !== 'proposed' && plan.status !== 'approved') return plan;
    const walled = this.access.walledApprovers(plan);
    if (walled.length === 0 || !plan.approval) return plan;
    const out = new Set(walled.map((entry) => entry.principal));
    const approvers = plan.approval.approvers.filter((approver) => !out.has(approver.principal));
    const complete = approvers.length >= plan.approval.approvalsRequired;
    const now = this.clock.now().toISOString();
    const approval = approvers.length === 0 ? undefined : { ...plan.approval, approvers, ...(complete ? {} : { expiresAt: undefined }) };
    const updated = await this.transition(
      { id: 'bailiff', roles: [] },
      plan,
      { status: complete ? plan.status : 'proposed', approval, updatedAt: now },
      'plan.approval_withdrawn',
      {
        approvers: [...out],
        reason: `an ethical wall now keeps ${[...out].join(', ')} out of case ${plan.case}: ${[...new Set(walled.map((entry) => entry.reason))].join('; ')}`,
      },
    );
    return updated;
  }

  private async readAllOperations(plan: PlanRecord): Promise<Operation[]> {
    const operations: Operation[] = [];
    for await (const page of readPages((offset, limit) => this.plans.readOperations(plan.id, offset, limit))) operations.push(...page);
    return operations;
  }
}

export { hasRole };
