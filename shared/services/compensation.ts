/**
 * Compensation: with `onError: rollback`, what a stopped plan did so far is undone by a
 * compensation plan, derived like a rollback plan and run by the same plan-run code under the
 * same lease (preconditions, backups, journal). An object a person changed since the plan wrote
 * it is never undone: it is kept and listed in `execution.needsAttention`.
 */
import { touchedNames, type Action } from '../domain/actions.ts';
import type { AuditEventType } from '../domain/audit.ts';
import { planHash } from '../domain/hash.ts';
import { deriveUndo, holdBackChanged } from '../domain/inverse.ts';
import { casePathOf } from '../domain/paths.ts';
import { compensationPlanId, type ExecutionSummary, type Operation, type PlanRecord } from '../domain/plan.ts';
import { isBailiffError } from '../errors.ts';
import { readPages, type JournalEntry } from '../ports/plan-store.ts';
import { readAppliedActions } from './applied-actions.ts';
import { SYSTEM_ACTOR, type RunContext } from './run-context.ts';

/** What a compensation needs from the run of the plan it undoes. */
export interface CompensatedRun {
  readonly ctx: RunContext;
  /** The plan being undone, as last written. */
  readonly plan: PlanRecord;
  /** Writes the summary to the plan's record (and renews the lease when due). */
  checkpoint(summary: ExecutionSummary): Promise<void>;
  audit(type: AuditEventType, data: Record<string, unknown>, plan?: PlanRecord): Promise<void>;
  /** Runs the compensation plan nested in this run, under its lease: its result and final record. */
  runNested(compensation: PlanRecord): Promise<{ result: 'succeeded' | 'failed' | 'continued'; plan: PlanRecord }>;
}

/** Entries of `needsAttention` kept on a plan record; the count stays exact. */
const NEEDS_ATTENTION_LIMIT = 1000;

/**
 * Undoes what this plan did so far (onError: rollback) as a compensation plan run by this
 * same code under this lease. Derived once: the plan's record names it before it is created,
 * so a resumed attempt continues the same compensation from its journal.
 */
export async function compensate(run: CompensatedRun, summary: ExecutionSummary): Promise<'continued' | { ok: boolean }> {
  let compensation = summary.compensation ? await run.ctx.plans.getPlan(summary.compensation) : undefined;
  if (!compensation) {
    const derived = await deriveCompensation(run);
    summary.compensation = derived.plan?.record.id;
    setNeedsAttention(summary, derived.needsAttention);
    // Recorded before the compensation exists: a crash in between derives it afresh, and a
    // compensation that exists was derived exactly as the record says.
    await run.checkpoint(summary);
    if (derived.plan) {
      try {
        await run.ctx.plans.createPlan(derived.plan.record, derived.plan.operations, derived.plan.actions);
        await run.audit(
          'plan.proposed',
          { kind: 'compensation', compensation: derived.plan.record.id, actions: derived.plan.actions.length },
          derived.plan.record,
        );
      } catch (error) {
        if (!isBailiffError(error, 'conflict')) throw error;
      }
      compensation = await run.ctx.plans.getPlan(derived.plan.record.id);
    }
  }
  if (compensation && (compensation.status === 'queued' || compensation.status === 'running')) {
    const nested = await run.runNested(compensation);
    if (nested.result === 'continued') return 'continued';
    compensation = nested.plan;
  }
  const undone = compensation ? await recordUndone(run, compensation, summary) : 0;
  const ok = (summary.needsAttentionCount ?? 0) === 0;
  await run.audit('plan.compensated', {
    ok,
    compensation: compensation?.id,
    actionsUndone: undone,
    needsAttention: summary.needsAttention?.slice(0, 20) ?? [],
    needsAttentionCount: summary.needsAttentionCount ?? 0,
  });
  return { ok };
}

/**
 * The compensation plan: the undo of every action this plan applied, derived by the same
 * function as a rollback plan, minus the steps a person's change holds back; dry-run against
 * the workspace as it is now. What is held back or cannot be undone is returned for a person.
 */
async function deriveCompensation(run: CompensatedRun): Promise<{
  plan?: { record: PlanRecord; operations: Operation[]; actions: Action[] };
  needsAttention: NonNullable<ExecutionSummary['needsAttention']>;
}> {
  const caseName = run.plan.case;
  const steps = deriveUndo(caseName, await readAppliedActions(run.ctx.plans, run.plan.id));
  if (steps.length === 0) return { needsAttention: [] };
  const listing = await run.ctx.dryRunner.listCase(caseName);
  const current = new Map<string, string>();
  for (const object of listing.objects) current.set(casePathOf(caseName, object.name) ?? object.name, object.generation);
  const { kept, heldBack } = holdBackChanged(steps, current);
  const needsAttention: NonNullable<ExecutionSummary['needsAttention']> = heldBack.map((step) => ({
    path: step.path,
    message: step.message,
    action: step.action,
  }));
  const operations = kept.flatMap((step) => step.operations);
  if (operations.length === 0) return { needsAttention };
  const undoes = kept.flatMap((step) => step.operations.map(() => step.action));
  const id = compensationPlanId(run.plan.id);
  const { report, actions } = await run.ctx.dryRunner.run({ planId: id, caseName, operations, skipPolicy: true }, listing);
  for (const action of actions) action.undoes = undoes[action.operation];
  for (const error of report.errors) {
    needsAttention.push({
      path: error.path ?? '',
      message: `not undone: ${error.message}`,
      ...(error.operation !== undefined ? { action: undoes[error.operation] } : {}),
    });
  }
  const now = run.ctx.clock.now().toISOString();
  const description = `Undo what ${run.plan.id} did before it stopped (onError: rollback)`;
  const record: PlanRecord = {
    id,
    case: caseName,
    description,
    onError: 'stop',
    kind: 'compensation',
    rollbackOf: run.plan.id,
    author: SYSTEM_ACTOR,
    createdAt: now,
    updatedAt: now,
    planHash: planHash({ case: caseName, description, onError: 'stop', operations }),
    status: 'queued',
    revision: 1,
    operationCount: operations.length,
    report,
    // The people who approved the plan approved its `onError: rollback`, and so this undo.
    approval: {
      approvers: run.plan.approval?.approvers ?? [],
      planHash: run.plan.planHash,
      snapshotHash: report.snapshotHash,
      rule: 'on-error-rollback',
      approvalsRequired: 1,
      approvedAt: now,
    },
  };
  return { plan: { record, operations, actions }, needsAttention };
}

/**
 * After the compensation ran: journals `compensated` for each action of this plan whose undo
 * was all done, and lists for a person the objects whose undo went stale or failed.
 */
async function recordUndone(run: CompensatedRun, compensation: PlanRecord, summary: ExecutionSummary): Promise<number> {
  const outcomes = new Map<number, JournalEntry>();
  for await (const page of readPages((offset, limit) => run.ctx.plans.readJournal(compensation.id, offset, limit)))
    for (const entry of page) outcomes.set(entry.action, entry);
  const undoneBy = new Map<number, boolean>();
  const attention = [...(summary.needsAttention ?? [])];
  let extra = 0;
  for await (const page of readPages((offset, limit) => run.ctx.plans.readActions(compensation.id, offset, limit))) {
    for (const action of page) {
      if (action.undoes === undefined) continue;
      const entry = outcomes.get(action.index);
      const done = entry?.outcome === 'done';
      undoneBy.set(action.undoes, (undoneBy.get(action.undoes) ?? true) && done);
      if (!done) {
        // Both ends of an undone move stay as they are: the plan's copy, and what is in its way.
        for (const name of touchedNames(action)) {
          const path = casePathOf(run.plan.case, name);
          if (path === undefined) continue;
          extra += 1;
          if (attention.length < NEEDS_ATTENTION_LIMIT)
            attention.push({ path, message: `not undone: ${entry?.message ?? 'the compensation did not reach it'}`, action: action.undoes });
        }
      }
    }
  }
  const alreadyCompensated = new Set<number>();
  for await (const page of readPages((offset, limit) => run.ctx.plans.readJournal(run.plan.id, offset, limit))) {
    for (const entry of page) if (entry.outcome === 'compensated') alreadyCompensated.add(entry.action);
  }
  const at = run.ctx.clock.now().toISOString();
  const entries: JournalEntry[] = [...undoneBy]
    .filter(([action, done]) => done && !alreadyCompensated.has(action))
    .map(([action]) => ({ action, outcome: 'compensated', at }));
  if (entries.length > 0)
    await run.ctx.plans.appendJournal(
      run.plan.id,
      entries.sort((a, b) => a.action - b.action),
    );
  summary.needsAttention = attention;
  summary.needsAttentionCount = (summary.needsAttentionCount ?? 0) + extra;
  return [...undoneBy.values()].filter(Boolean).length;
}

function setNeedsAttention(summary: ExecutionSummary, items: NonNullable<ExecutionSummary['needsAttention']>): void {
  summary.needsAttention = items.slice(0, NEEDS_ATTENTION_LIMIT);
  summary.needsAttentionCount = items.length;
}
