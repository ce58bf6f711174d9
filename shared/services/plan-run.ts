/**
 * One invocation's work on one plan under the executor's lease: the policy check and the
 * preflight before the first mutation, the actions in journaled batches with bounded
 * concurrency, checkpoints and a continuation before the time budget runs out, and the plan's
 * final status. How each action changes storage is in transfer.ts; the undo of a stopped
 * `onError: rollback` plan is in compensation.ts.
 */
import { preconditionsOf, touchedNames, type Action } from '../domain/actions.ts';
import type { AuditEventInput, AuditEventType } from '../domain/audit.ts';
import { hashOf } from '../domain/hash.ts';
import { describeHolds, holdsInForce, namesHoldsForbid, type HoldInForce } from '../domain/holds.ts';
import { casePrefix, isSystemObject } from '../domain/paths.ts';
import type { ExecutionSummary, Operation, PlanRecord } from '../domain/plan.ts';
import { isBailiffError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { ExecutionMessage } from '../ports/execution-queue.ts';
import { listAll, type ObjectStore } from '../ports/object-store.ts';
import { PLAN_ITEMS_PAGE, readPages, type JournalEntry, type Lease, type PlanStore } from '../ports/plan-store.ts';
import { compensate, type CompensatedRun } from './compensation.ts';
import { sampleEventLoopLag } from './event-loop-lag.ts';
import { JournalOutcomes } from './journal-outcomes.ts';
import { describeViolations, violationsUnderCurrentPolicy } from './policy-recheck.ts';
import { ProgressReporter } from './progress-reporter.ts';
import type { RunContext } from './run-context.ts';
import { ActionApplier } from './transfer.ts';

/** A read started ahead may go unused: its failure is seen where it is awaited, or not at all. */
function quiet<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/** How a run that does not continue ends: the plan's final status, and why. */
interface RunEnd {
  status: 'succeeded' | 'failed';
  reason?: string;
  compensated?: boolean;
}

/**
 * Whether an action on `name` must wait for one in flight: the same name, or a folder marker
 * and a name inside that folder. On a file system a folder marker is the folder itself, so
 * writing `notes/` while the last file moves out of `notes/` (a target-state plan keeping an
 * emptied folder) races the move's pruning of the emptied folder; in plan order they cannot.
 */
function isBusy(busy: ReadonlySet<string>, name: string): boolean {
  if (busy.has(name)) return true;
  // A marker is rare: it scans what is in flight. Any other name looks up its own folders only,
  // so the common case stays a few set lookups however many actions run at once.
  if (name.endsWith('/')) {
    for (const other of busy) if (other.startsWith(name)) return true;
    return false;
  }
  for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
    if (busy.has(name.slice(0, slash + 1))) return true;
  }
  return false;
}

/**
 * How often a running plan's record takes a checkpoint (its cursor and counts). Each is a
 * Firestore compare-and-set; per batch they were a third of what an execution cost. People see
 * progress sooner through the ProgressReporter; the journal keeps every outcome.
 */
const CHECKPOINT_INTERVAL_MS = 5_000;

/** One invocation's work on one plan, under one lease. A compensation plan runs in one nested in its plan's. */
/** The case as preflight sees it: each object's generation, and the holds in force. */
interface CaseListing {
  current: Map<string, string>;
  held: Map<string, HoldInForce[]>;
}

/** The folder of `folderSources` that holds `name`, if any (`prefix`: the case's, which no folder source is). */
function folderIn(folderSources: ReadonlyMap<string, number>, prefix: string): (name: string) => string | undefined {
  return (name) => {
    for (let slash = name.indexOf('/', prefix.length); slash >= 0; slash = name.indexOf('/', slash + 1)) {
      const folder = name.slice(0, slash + 1);
      if (folderSources.has(folder)) return folder;
    }
    return undefined;
  };
}

export class PlanRun implements CompensatedRun {
  lease: Lease;
  plan: PlanRecord;
  readonly ctx: RunContext;
  private readonly message: ExecutionMessage;
  private readonly log: Logger;
  private readonly started: number;
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  /** The plan whose execution continues in a new invocation when the budget runs out. */
  private readonly continuationOf: string;
  /** Audit records that go out with the next one (the last batch's, with the plan's outcome). */
  private readonly pendingAudit: AuditEventInput[] = [];
  private readonly actions: ActionApplier;
  /** Shows the counts to people while a batch runs; paused whenever this run writes the plan itself. */
  private readonly progress: ProgressReporter;
  /** A small plan's actions, read once for the policy check, the preflight and the run (see `readActions`). */
  private smallPlanActions: Promise<Action[]> | undefined;
  /** Read ahead for the preflight (see `startChecksReads`). */
  private caseListing: Promise<CaseListing> | undefined;
  private smallPlanOperations: Promise<Operation[]> | undefined;

  constructor(ctx: RunContext, plan: PlanRecord, lease: Lease, message: ExecutionMessage, log: Logger, nested?: { parent: string; started: number }) {
    this.ctx = ctx;
    this.plan = plan;
    this.lease = lease;
    this.message = message;
    this.log = log;
    this.started = nested?.started ?? ctx.clock.now().getTime();
    this.plans = ctx.plans;
    this.objects = ctx.objects;
    this.continuationOf = nested?.parent ?? plan.id;
    this.actions = new ActionApplier(ctx.objects, ctx.plans, plan.id);
    this.progress = new ProgressReporter(ctx.plans, plan.id, log);
  }

  /** A compensation keeps going past stale or failed actions: it undoes all it safely can. */
  private get isCompensation(): boolean {
    return this.plan.kind === 'compensation';
  }

  /** Runs the plan until it finishes (its final status) or must continue in a new invocation. */
  async execute(): Promise<'succeeded' | 'failed' | 'continued'> {
    const summary = this.summaryOfThisAttempt();
    const end = await this.run(summary);
    return end === 'continued' ? 'continued' : this.finish(summary, end);
  }

  private summaryOfThisAttempt(): ExecutionSummary {
    const actionCount = this.plan.report.totals.actions;
    const summary: ExecutionSummary = this.plan.execution ?? { attempt: 0, cursor: 0, actionCount, done: 0, stale: 0, failed: 0, skipped: 0 };
    summary.attempt += 1;
    summary.startedAt ??= this.ctx.clock.now().toISOString();
    return summary;
  }

  /** The checks before the first mutation, then the actions, then the compensation of a stopped plan. */
  private async run(summary: ExecutionSummary): Promise<RunEnd | 'continued'> {
    this.startChecksReads(summary);
    const refused = (await this.refusedByPolicy()) ?? (await this.refusedByPreflight(summary));
    if (refused) return refused;
    // The journal is only read and the status write touches no journal: one waits for both.
    const [, outcomes] = await Promise.all([this.markRunning(summary), this.readOutcomes(this.plan.report.totals.actions)]);
    const ran = await this.runActions(summary, outcomes);
    if (ran === 'continued') return 'continued';
    return this.endOf(summary, ran.stopReason);
  }

  /** The policy may have changed since the plan was applied: what it now forbids never starts. */
  private async refusedByPolicy(): Promise<RunEnd | undefined> {
    if (this.plan.status !== 'queued' || this.isCompensation) return undefined;
    const { policy } = this.ctx;
    const violations = await violationsUnderCurrentPolicy({ readActions: (_id, offset, limit) => this.readActions(offset, limit) }, policy, this.plan);
    if (violations.length === 0) return undefined;
    await this.audit('plan.policy_refused', { policyVersion: policy.version, violations: violations.slice(0, 20) });
    return { status: 'failed', reason: `${describeViolations(policy, violations)}; nothing was changed`, compensated: false };
  }

  /**
   * The preflight only reads, so it runs before the plan is marked running: its success and
   * the status change are then one write, made before the first mutation, so a resumed
   * attempt never mistakes the plan's own changes for someone else's. A compensation skips
   * it: its dry run has just been made under this lease, and each of its actions still
   * checks its own object.
   */
  private async refusedByPreflight(summary: ExecutionSummary): Promise<RunEnd | undefined> {
    if (summary.preflightPassedAt || this.isCompensation) return undefined;
    const { stale, unplanned } = await this.preflight();
    if (stale.length === 0 && unplanned.length === 0) return undefined;
    if (stale.length > 0) await this.plans.appendJournal(this.plan.id, stale);
    // Counted in actions, as the results list counts them: an action can have two stale names,
    // and an object added under a moved folder is no action at all (it is named in the reason).
    summary.stale = new Set(stale.map((entry) => entry.action)).size;
    summary.skipped = this.plan.report.totals.actions - summary.stale;
    const details = [...stale.map((entry) => entry.message!), ...unplanned];
    await this.audit('execution.stale', { count: details.length, objects: details.slice(0, 100) });
    return {
      status: 'failed',
      reason: `stale: ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}; nothing was changed`,
      compensated: false,
    };
  }

  private async markRunning(summary: ExecutionSummary): Promise<void> {
    const { clock } = this.ctx;
    const resumed = this.plan.status === 'running';
    summary.preflightPassedAt ??= clock.now().toISOString();
    await this.transition({ status: 'running', execution: summary, updatedAt: clock.now().toISOString() }, resumed ? 'plan.resumed' : 'plan.running', {
      attempt: summary.attempt,
      cursor: summary.cursor,
      reason: this.message.reason,
    });
  }

  /**
   * Runs the actions not yet journaled, batch by batch, until all are done, one stops the plan,
   * or the budget is spent (then it continues in a new invocation).
   */
  private async runActions(summary: ExecutionSummary, outcomes: JournalOutcomes): Promise<{ stopReason?: string } | 'continued'> {
    const { options, clock } = this.ctx;
    const actionCount = this.plan.report.totals.actions;

    // The journal, not the last checkpoint, is the truth: an attempt may have journaled
    // batches and died before updating the plan. A stop it journaled still stops this attempt.
    let stopReason: string | undefined;
    const noteStop = (reason: string) => {
      if (!this.isCompensation) stopReason ??= reason;
    };
    summary.done = summary.stale = summary.failed = 0;
    for (const [action, outcome] of outcomes.entries()) {
      if (outcome === 'done') summary.done += 1;
      else if (outcome === 'stale' || outcome === 'failed') {
        summary[outcome] += 1;
        noteStop(`action ${action} was ${outcome} in an earlier attempt`);
      }
    }
    while (summary.cursor < actionCount && outcomes.has(summary.cursor)) summary.cursor += 1;
    let checkpointed = clock.now().getTime();
    while (summary.cursor < actionCount && stopReason === undefined) {
      const batch = await this.readActions(summary.cursor, options.journalBatch);
      if (batch.length === 0) break;
      let entries: JournalEntry[];
      try {
        // Counted as each action ends, so people watching see the work as it happens.
        entries = await this.runBatch(
          batch.filter((action) => !outcomes.has(action.index)),
          (entry) => {
            if (entry.outcome === 'done') summary.done += 1;
            else if (entry.outcome === 'stale') summary.stale += 1;
            else if (entry.outcome === 'failed') summary.failed += 1;
            if (entry.outcome === 'stale' || entry.outcome === 'failed') noteStop(`action ${entry.action}: ${entry.message}`);
            this.progress.offer(summary);
          },
        );
      } finally {
        await this.progress.pause();
      }
      for (const entry of entries) outcomes.record(entry);
      while (summary.cursor < actionCount && outcomes.has(summary.cursor)) summary.cursor += 1;
      const more = stopReason === undefined && summary.cursor < actionCount;
      if (entries.length > 0) await this.journalBatch(batch, entries, more);
      // Every batch makes progress, so even a budget already spent moves the plan forward.
      if (more && (this.budgetSpent() || this.ctx.stopRequested())) {
        await this.checkpoint(summary);
        return this.continueLater(summary);
      }
      // Progress is written every few seconds, not every batch: the journal is what a resumed
      // attempt trusts, so the plan record only shows people how far it got. When nothing
      // follows, the final (or compensation) record writes it.
      if (more && clock.now().getTime() - checkpointed >= CHECKPOINT_INTERVAL_MS) {
        await this.checkpoint(summary);
        checkpointed = clock.now().getTime();
      } else {
        await this.renewLeaseIfDue();
      }
    }
    return { stopReason };
  }

  /** Journals a batch's outcomes and audits them; the last batch's record waits for the plan's final one. */
  private async journalBatch(batch: Action[], entries: JournalEntry[], more: boolean): Promise<void> {
    await this.plans.appendJournal(this.plan.id, entries);
    const record = this.ctx.event(this.plan, 'execution.actions', {
      from: batch[0]!.index,
      to: batch[batch.length - 1]!.index,
      done: entries.filter((entry) => entry.outcome === 'done').length,
      stale: entries.filter((entry) => entry.outcome === 'stale').map((entry) => ({ action: entry.action, message: entry.message })),
      failed: entries.filter((entry) => entry.outcome === 'failed').map((entry) => ({ action: entry.action, message: entry.message })),
      entriesHash: hashOf(entries),
    });
    // The last batch's record goes out with the plan's final one, in one append.
    if (more) await this.plans.appendAudit([record]);
    else this.pendingAudit.push(record);
  }

  /** How the run ends once no action is left to start: succeeded, or failed after the compensation `onError` asks for. */
  private async endOf(summary: ExecutionSummary, stopReason: string | undefined): Promise<RunEnd | 'continued'> {
    if (stopReason === undefined) {
      if (this.isCompensation && summary.stale + summary.failed > 0) {
        const left = summary.stale + summary.failed;
        return { status: 'failed', reason: `${left} ${left === 1 ? 'object' : 'objects'} could not be put back; they are listed for a person` };
      }
      return { status: 'succeeded' };
    }
    summary.skipped = this.plan.report.totals.actions - summary.done - summary.stale - summary.failed;
    if (this.plan.onError === 'rollback') {
      const compensation = await compensate(this, summary);
      if (compensation === 'continued') return 'continued';
      return { status: 'failed', reason: stopReason, compensated: compensation.ok };
    }
    return { status: 'failed', reason: stopReason, compensated: false };
  }

  /** Runs a compensation plan nested in this run, under its lease, which it hands back. */
  async runNested(compensation: PlanRecord): Promise<{ result: 'succeeded' | 'failed' | 'continued'; plan: PlanRecord }> {
    const run = new PlanRun(this.ctx, compensation, this.lease, this.message, this.log, { parent: this.plan.id, started: this.started });
    try {
      const result = await run.execute();
      return { result, plan: run.plan };
    } finally {
      this.lease = run.lease;
    }
  }

  private budgetSpent(): boolean {
    return this.ctx.clock.now().getTime() - this.started >= this.ctx.options.budgetMs;
  }

  private async continueLater(summary: ExecutionSummary): Promise<'continued'> {
    await this.ctx.queue.publish({ version: 1, planId: this.continuationOf, reason: 'continue', attempt: this.message.attempt + 1 });
    this.log.info('time budget used; continuing in a new invocation', { plan: this.plan.id, cursor: summary.cursor });
    return 'continued';
  }

  /**
   * The plan's actions from `offset`. Most plans people make fit in one page: their actions are
   * read once and shared by the policy check, the preflight and the run, as each is a round trip
   * to the PlanStore that a small plan's user waits for. Larger plans are read page by page, so
   * what an execution holds does not grow with the plan.
   */
  private readActions(offset: number, limit: number): Promise<Action[]> {
    if (this.plan.report.totals.actions > PLAN_ITEMS_PAGE) return this.plans.readActions(this.plan.id, offset, limit);
    this.smallPlanActions ??= this.plans.readActions(this.plan.id, 0, PLAN_ITEMS_PAGE);
    return this.smallPlanActions.then((actions) => actions.slice(offset, offset + limit));
  }

  /** Latest outcome per action, from the journal (previous invocations), read page by page. */
  private async readOutcomes(actionCount: number): Promise<JournalOutcomes> {
    const outcomes = new JournalOutcomes(actionCount);
    for await (const page of readPages((offset, limit) => this.plans.readJournal(this.plan.id, offset, limit))) {
      for (const entry of page) outcomes.record(entry);
    }
    return outcomes;
  }

  /**
   * Names and generations only: this map is the largest thing an execution holds, and only the
   * preflight holds it. Holds come with every listing: one placed after approval stops the plan
   * at preflight, not at its action.
   */
  private async listCase(): Promise<CaseListing> {
    const current = new Map<string, string>();
    const held = new Map<string, HoldInForce[]>();
    const at = this.ctx.clock.now().toISOString();
    for await (const page of listAll(this.objects, casePrefix(this.plan.case), { withMetadata: false })) {
      for (const object of page.objects) {
        current.set(object.name, object.generation);
        const holds = holdsInForce(object.holds, at);
        if (holds.length > 0) held.set(object.name, holds);
      }
    }
    return { current, held };
  }

  /**
   * The policy check and the preflight read the plan's actions and operations and list the case.
   * None depends on another, so they start together, and a small plan's user waits for the
   * slowest of them rather than their sum. A read left unused (a plan the policy refuses) is
   * dropped; a failed one fails where it is awaited.
   */
  private startChecksReads(summary: ExecutionSummary): void {
    if (summary.preflightPassedAt || this.isCompensation) return;
    this.caseListing = quiet(this.listCase());
    if (this.plan.operationCount > PLAN_ITEMS_PAGE || this.plan.report.totals.actions > PLAN_ITEMS_PAGE) return;
    this.smallPlanOperations = quiet(this.plans.readOperations(this.plan.id, 0, PLAN_ITEMS_PAGE));
    quiet(this.readActions(0, PLAN_ITEMS_PAGE));
  }

  /**
   * Before the first mutation: one listing of the case, checked against every precondition the
   * approval relied on. A changed workspace fails the plan before anything is touched.
   */
  private async preflight(): Promise<{ stale: JournalEntry[]; unplanned: string[] }> {
    // The run lets go of what it read ahead, so the listing is garbage once the preflight
    // returns instead of staying live (tens of MiB at 100,000 objects) while the actions run.
    const listing = await (this.caseListing ?? this.listCase());
    const operations = this.smallPlanOperations;
    this.caseListing = this.smallPlanOperations = undefined;
    const readOperations = (offset: number, limit: number) =>
      operations ? operations.then((page) => page.slice(offset, offset + limit)) : this.plans.readOperations(this.plan.id, offset, limit);
    const folderSources = await this.folderSources(readOperations, listing);
    const folderOf = folderIn(folderSources, casePrefix(this.plan.case));
    const { stale, plannedInFolders } = await this.checkActions(listing, folderSources.size > 0 ? folderOf : undefined);
    const unplanned: string[] = [];
    for (const name of folderSources.size > 0 ? listing.current.keys() : []) {
      const folder = folderOf(name);
      if (folder !== undefined && !plannedInFolders.has(name)) {
        unplanned.push(
          `\`${name}\` was added under \`${folder.slice(casePrefix(this.plan.case).length)}\` (operation ${folderSources.get(folder)}) after approval`,
        );
      }
    }
    return { stale, unplanned };
  }

  /**
   * Folders the plan moves or deletes as a whole (a source no object is named after), with the
   * operation's index: whatever is in them now but not in the plan was added after approval,
   * and would be left behind.
   */
  private async folderSources(readOperations: (offset: number, limit: number) => Promise<Operation[]>, { current }: CaseListing): Promise<Map<string, number>> {
    const prefix = casePrefix(this.plan.case);
    const folderSources = new Map<string, number>();
    let operationIndex = 0;
    for await (const page of readPages(readOperations)) {
      for (const operation of page) {
        const index = operationIndex++;
        if (operation.type !== 'move' && operation.type !== 'delete') continue;
        const source = `${prefix}${operation.source.replace(/\/$/, '')}`;
        if (!current.has(source)) folderSources.set(`${source}/`, index);
      }
    }
    return folderSources;
  }

  /**
   * Every precondition the listing no longer bears out, in action order, and a hold placed since
   * on a name an action removes or replaces; with `folderOf`, the names the plan removes from
   * the folders it moves or deletes whole.
   */
  private async checkActions(
    { current, held }: CaseListing,
    folderOf: ((name: string) => string | undefined) | undefined,
  ): Promise<{ stale: JournalEntry[]; plannedInFolders: Set<string> }> {
    const stale: JournalEntry[] = [];
    const plannedInFolders = new Set<string>();
    const at = this.ctx.clock.now().toISOString();
    const found = (action: Action, message: string) => stale.push({ action: action.index, outcome: 'stale', message, at });
    for await (const page of readPages((offset, limit) => this.readActions(offset, limit))) {
      for (const action of page) {
        for (const { name, expect } of preconditionsOf(action)) {
          // Backups a restore reads live outside the case listing; the restore checks its own.
          if (isSystemObject(name)) continue;
          const generation = current.get(name);
          if (expect.state === 'absent' && generation !== undefined) found(action, `\`${name}\` was created after approval`);
          if (expect.state === 'generation' && generation !== expect.generation) {
            found(action, generation !== undefined ? `\`${name}\` was changed after approval` : `\`${name}\` was removed after approval`);
          }
        }
        const heldName = namesHoldsForbid(action).find((name) => held.has(name));
        if (heldName !== undefined && stale.at(-1)?.action !== action.index) {
          found(action, `\`${heldName}\` is under ${describeHolds(held.get(heldName)!)} placed after approval`);
        }
        const removed = action.kind === 'move' ? action.source : action.kind === 'delete' ? action.target : undefined;
        if (removed !== undefined && folderOf?.(removed)) plannedInFolders.add(removed);
      }
    }
    return { stale, plannedInFolders };
  }

  /**
   * Runs actions with bounded concurrency; actions sharing an object keep the plan's order.
   * If storage fails in a way a retry may fix, the actions in flight are let finish and the
   * error is rethrown: their outcomes are not journaled, so the next attempt resolves them by looking.
   * The event loop's lag is sampled meanwhile: adaptive concurrency tells its own delays from storage's.
   */
  private async runBatch(actions: Action[], onOutcome: (entry: JournalEntry) => void): Promise<JournalEntry[]> {
    const lag = sampleEventLoopLag((lagMs) => this.ctx.concurrency.eventLoopLag(lagMs));
    try {
      return await this.runBatchSampled(actions, onOutcome);
    } finally {
      lag.stop();
    }
  }

  private async runBatchSampled(actions: Action[], onOutcome: (entry: JournalEntry) => void): Promise<JournalEntry[]> {
    const { concurrency } = this.ctx;
    const busy = new Set<string>();
    const running = new Set<Promise<void>>();
    const entries: JournalEntry[] = [];
    let stop = false;
    let fatal: unknown;
    for (const action of actions) {
      const names = touchedNames(action);
      while (running.size >= concurrency.limit || names.some((name) => isBusy(busy, name))) await Promise.race(running);
      // Shutting down: what is in flight finishes and is journaled; nothing new starts.
      if (stop || this.ctx.stopRequested()) break;
      // A slow batch must not outlive the lease: renew before starting more work when it is due.
      try {
        await this.renewLeaseIfDue();
      } catch (error) {
        fatal ??= error;
        break;
      }
      for (const name of names) busy.add(name);
      // Wall time, not the injected clock: this measures storage, not the plan's timeline.
      const started = performance.now();
      const task: Promise<void> = this.runAction(action)
        .then(
          (entry) => {
            const finished = performance.now();
            concurrency.completed(finished - started, finished);
            entries.push(entry);
            onOutcome(entry);
            if (entry.outcome === 'stale' || entry.outcome === 'failed') stop = true;
          },
          (error: unknown) => {
            if (isBailiffError(error, 'rate_limited') || isBailiffError(error, 'unavailable')) concurrency.throttled();
            fatal ??= error;
            stop = true;
          },
        )
        .finally(() => {
          for (const name of names) busy.delete(name);
          running.delete(task);
        });
      running.add(task);
    }
    await Promise.all(running);
    if (fatal !== undefined) throw fatal;
    return entries.sort((a, b) => a.action - b.action);
  }

  private async runAction(action: Action): Promise<JournalEntry> {
    const at = () => this.ctx.clock.now().toISOString();
    try {
      const result = await this.actions.apply(action);
      return { action: action.index, at: at(), ...result };
    } catch (error) {
      // Storage that keeps failing is retried by redelivery; the journal keeps what was done.
      if (isBailiffError(error) && error.retryable) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.log.error('action failed', { action: action.index, error: message });
      return { action: action.index, outcome: 'failed', message, at: at() };
    }
  }

  /**
   * Records progress after a batch, and renews the lease once less than half of it is left
   * (renewing on every batch would cost a write per batch for nothing). A lease lost to
   * another holder throws `conflict` here, which ends this attempt before its next mutation.
   */
  async checkpoint(summary: ExecutionSummary): Promise<void> {
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { execution: { ...summary }, updatedAt: this.ctx.clock.now().toISOString() });
    await this.renewLeaseIfDue();
  }

  private async renewLeaseIfDue(): Promise<void> {
    const { clock, options } = this.ctx;
    if (Date.parse(this.lease.expiresAt) - clock.now().getTime() < options.leaseTtlMs / 2) {
      this.lease = await this.plans.renewLease(this.lease, options.leaseTtlMs, clock.now());
    }
  }

  private async finish(summary: ExecutionSummary, { status, reason, compensated }: RunEnd): Promise<'succeeded' | 'failed'> {
    const now = this.ctx.clock.now().toISOString();
    const execution: ExecutionSummary = { ...summary, finishedAt: now, lastError: reason, compensated };
    await this.transition({ status, execution, updatedAt: now }, status === 'succeeded' ? 'plan.succeeded' : 'plan.failed', {
      done: summary.done,
      stale: summary.stale,
      failed: summary.failed,
      skipped: summary.skipped,
      reason,
      compensated,
      ...(summary.needsAttentionCount ? { needsAttentionCount: summary.needsAttentionCount } : {}),
    });
    if (status === 'succeeded' && this.plan.kind === 'rollback' && this.plan.rollbackOf) await this.markRolledBack(this.plan.rollbackOf);
    this.log.info(`plan ${status}`, { plan: this.plan.id, done: summary.done, stale: summary.stale, failed: summary.failed });
    return status;
  }

  private async markRolledBack(originalId: string): Promise<void> {
    const original = await this.plans.getPlan(originalId);
    if (!original || (original.status !== 'succeeded' && original.status !== 'failed')) return;
    const patch = { status: 'rolled_back' as const, rolledBackBy: this.plan.id, updatedAt: this.ctx.clock.now().toISOString() };
    await this.plans.transition(original.id, original.revision, patch, [this.ctx.event(original, 'plan.rolled_back', { by: this.plan.id })]);
  }

  /** Changes this plan's status and records it (with any records still pending) in one write. */
  private async transition(patch: Partial<PlanRecord>, type: AuditEventType, data: Record<string, unknown>): Promise<void> {
    const events = [...this.pendingAudit.splice(0), this.ctx.event(this.plan, type, data)];
    this.plan = (await this.plans.transition(this.plan.id, this.plan.revision, patch, events)).plan;
  }

  async audit(type: AuditEventType, data: Record<string, unknown>, plan: PlanRecord = this.plan): Promise<void> {
    const events = [...this.pendingAudit.splice(0), this.ctx.event(plan, type, data)];
    await this.plans.appendAudit(events);
  }
}
