/**
 * Executor: applies an approved plan's actions exactly as the dry run recorded them.
 *
 * Under at-least-once delivery, crashes and time limits it keeps these promises:
 * - one writer per case (a fenced lease), duplicates acknowledged without acting;
 * - every mutation carries the recorded preconditions, so newer data is never overwritten;
 * - what a delete or overwrite removes is first copied to the plan's backup area;
 * - a move deletes its source only after the destination matches it (size and checksum);
 * - outcomes are journaled in batches; an action whose outcome was not journaled is resolved
 *   by looking at the objects (Bailiff's provenance metadata), never by blindly repeating;
 * - before its time budget runs out it checkpoints and publishes a continuation;
 * - the current policy is checked again before the first mutation;
 * - with `onError: rollback`, the undo is a compensation plan run by this same code (same
 *   preconditions, backups and journal); an object a person changed since the plan wrote it is
 *   never undone: it is kept and reported in `execution.needsAttention`;
 * - one decision for every failure (`retryOrGiveUp`): retryable errors are thrown for the queue to
 *   redeliver; anything else fails the plan, recorded and audited, and is acknowledged.
 */
import { randomBytes } from 'node:crypto';
import { isProducedBy, preconditionsOf, provenance, touchedNames, type Action, type DeleteAction, type Expect, type ObjectFacts, type PutAction, type TransferAction } from '../domain/actions.ts';
import type { AuditEventInput, AuditEventType } from '../domain/audit.ts';
import { hashOf, planHash } from '../domain/hash.ts';
import { deriveUndo, holdBackChanged } from '../domain/inverse.ts';
import { auditObjectName, casePathOf, casePrefix, isSystemObject } from '../domain/paths.ts';
import type { Policy } from '../domain/policy.ts';
import { compensationPlanId, contentBuffer, type ExecutionSummary, type Operation, type PlanRecord } from '../domain/plan.ts';
import { isBailiffError, unavailable } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExecutionMessage, ExecutionQueue } from '../ports/execution-queue.ts';
import { listAll, type CopyOptions, type ObjectInfo, type ObjectStore } from '../ports/object-store.ts';
import { readPages, type JournalEntry, type Lease, type PlanStore } from '../ports/plan-store.ts';
import { readAppliedActions } from './applied-actions.ts';
import { AdaptiveConcurrency } from './adaptive-concurrency.ts';
import { DryRunner } from './dry-run.ts';
import { JournalOutcomes } from './journal-outcomes.ts';
import { describeViolations, violationsUnderCurrentPolicy } from './policy-recheck.ts';

export interface ExecutorOptions {
  /** Actions on disjoint objects run this many at a time, to start with. */
  concurrency: number;
  /**
   * The most actions in flight that adaptive concurrency may reach while storage keeps up
   * (see adaptive-concurrency.ts). Default: `concurrency`, which then stays fixed.
   */
  maxConcurrency?: number;
  /** Work time per invocation before checkpointing and continuing in a new one. */
  budgetMs: number;
  leaseTtlMs: number;
  /** Actions per journal batch (one journal write, one audit record, one plan update each). */
  journalBatch: number;
  /**
   * How long one delivery may wait for the lease of this plan's own previous holder to run out
   * (a holder that died), rather than bouncing back to the queue, whose redelivery backoff grows
   * with every bounce. 0: never wait.
   */
  maxLeaseWaitMs?: number;
}

export interface ExecutorDeps {
  plans: PlanStore;
  objects: ObjectStore;
  queue: ExecutionQueue;
  clock: Clock;
  /** The firm's policy as it is now: checked again before a plan's first mutation. */
  policy: Policy;
  logger: Logger;
  options: ExecutorOptions;
}

/** What became of one delivery: the caller acknowledges all of these; only thrown errors are retried. */
export type DeliveryOutcome =
  | 'finished'
  | 'continued'
  /** Another delivery of the same plan holds the lease and is alive. */
  | 'duplicate'
  /** Another plan holds the case; this one runs when that one hands over. */
  | 'waiting'
  /** Unknown plan, one not queued or running, or a compensation plan (it runs inside its plan's execution). */
  | 'ignored';

/** What the lease's release record says happened under it. */
type ReleaseOutcome = 'succeeded' | 'failed' | 'continued' | 'retry' | 'ignored';

/**
 * The one decision for a failure that escaped a plan run or an action: `retry` when a later
 * delivery can succeed (storage or state store unavailable or throttled; a compare-and-set lost
 * to a concurrent writer, such as a lease taken over), `give_up` for everything else.
 */
export function retryOrGiveUp(error: unknown): 'retry' | 'give_up' {
  if (isBailiffError(error) && (error.retryable || error.code === 'conflict')) return 'retry';
  return 'give_up';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface Delivery {
  /** 1 for a first delivery; higher when the queue says it redelivers (Pub/Sub push may not say). */
  attempt: number;
  /** The queue's id of the published message, the same on every redelivery of it. */
  messageId?: string;
}

/** A lease owner names the message it works for, so a redelivery of that message is recognised. */
function leaseOwner(planId: string, delivery: Delivery): string {
  return `${planId}/${delivery.messageId ?? 'unknown'}#${randomBytes(6).toString('hex')}`;
}

function isOwnRedelivery(lease: Lease, delivery: Delivery): boolean {
  if (delivery.messageId === undefined) return delivery.attempt > 1;
  return lease.owner.slice(lease.owner.indexOf('/') + 1, lease.owner.lastIndexOf('#')) === delivery.messageId;
}

type Verdict = { ok: true; generation?: string } | { ok: false; message: string };

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

/** A copy's source as far as the executor knows it: the generation to copy, and what the copy must match. */
type KnownSource = Pick<ObjectInfo, 'generation' | 'size' | 'md5' | 'crc32c'>;

function checksumsOf(facts: Pick<ObjectFacts, 'md5' | 'crc32c'> | undefined): Pick<ObjectFacts, 'md5' | 'crc32c'> {
  return { ...(facts?.md5 ? { md5: facts.md5 } : {}), ...(facts?.crc32c ? { crc32c: facts.crc32c } : {}) };
}

/**
 * The recorded headers a copy carries over, so the store need not read the object for them.
 * Only with a recorded content type: a listing that reports none may not report headers at all.
 */
function headersOf(facts: ObjectFacts | undefined): { sourceHeaders?: CopyOptions['sourceHeaders'] } {
  if (!facts?.contentType) return {};
  return { sourceHeaders: { contentType: facts.contentType, ...(facts.headers ? { headers: facts.headers } : {}) } };
}

const SYSTEM_ACTOR = 'bailiff-executor';

export class Executor {
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  private readonly queue: ExecutionQueue;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: ExecutorOptions;
  private readonly policy: Policy;
  private readonly dryRunner: DryRunner;
  /** Shared by every plan this instance runs: what it learnt of storage's pace outlives a delivery. */
  private readonly concurrency: AdaptiveConcurrency;
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(deps: ExecutorDeps) {
    this.plans = deps.plans;
    this.objects = deps.objects;
    this.queue = deps.queue;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.options = deps.options;
    this.policy = deps.policy;
    this.dryRunner = new DryRunner({ objects: deps.objects, policy: deps.policy, clock: deps.clock });
    const { concurrency, maxConcurrency = concurrency } = deps.options;
    // Without a higher ceiling the limit is fixed; with one it may also fall below its start.
    this.concurrency = new AdaptiveConcurrency(maxConcurrency > concurrency ? { initial: concurrency, min: 1, max: maxConcurrency } : { initial: concurrency, min: concurrency, max: concurrency });
  }

  /**
   * Handles one execution request. Returns to acknowledge; throws only what `retryOrGiveUp`
   * says a later redelivery can fix. Anything else is recorded on the plan and acknowledged.
   */
  async handle(message: ExecutionMessage, delivery: Delivery = { attempt: 1 }): Promise<DeliveryOutcome> {
    const handling = this.handleOnce(message, delivery);
    this.inFlight.add(handling);
    try {
      return await handling;
    } finally {
      this.inFlight.delete(handling);
    }
  }

  /**
   * The instance is going away (Cloud Run's SIGTERM gives about ten seconds; `npm start` is
   * stopped): running plans stop starting actions, journal what finished, release their lease and
   * publish a continuation, so the next delivery resumes at once instead of waiting for the lease
   * to expire. New deliveries are refused for redelivery elsewhere. Resolves when all have handed over.
   */
  async requestStop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async handleOnce(message: ExecutionMessage, delivery: Delivery): Promise<DeliveryOutcome> {
    const log = this.logger.child({ plan: message.planId, messageId: delivery.messageId, reason: message.reason, attempt: delivery.attempt });
    if (this.stopping) throw unavailable('this executor instance is shutting down; deliver again');
    try {
      const outcome = await this.handleUnderLease(message, delivery, log);
      // One line per delivery: what an operator reads to see why a message was acknowledged.
      log.info(`execution request ${outcome}; acknowledged`);
      return outcome;
    } catch (error) {
      if (retryOrGiveUp(error) === 'retry') {
        log.info('execution request to be delivered again', { error: messageOf(error) });
        throw error;
      }
      // Before a lease was taken (a stored record that cannot be read): nothing can be recorded.
      log.error('execution request failed permanently before it could run; acknowledged', { error: messageOf(error), stack: error instanceof Error ? error.stack : undefined });
      return 'ignored';
    }
  }

  private async handleUnderLease(message: ExecutionMessage, delivery: Delivery, log: Logger, waited = false): Promise<DeliveryOutcome> {
    const plan = await this.plans.getPlan(message.planId);
    if (!plan) {
      log.warn('execution request for an unknown plan; acknowledged');
      return 'ignored';
    }
    if (plan.kind === 'compensation') {
      log.info('execution request for a compensation plan, which runs inside its plan\'s execution; acknowledged');
      return 'ignored';
    }
    if (plan.status !== 'queued' && plan.status !== 'running') {
      // A finished plan whose audit file could not be written last time gets it now.
      if (plan.execution?.finishedAt && !(await this.objects.stat(auditObjectName(plan.case, plan.id)))) await this.writeAuditFiles(plan);
      log.info('execution request for a plan that is not queued or running; acknowledged', { status: plan.status });
      return 'ignored';
    }
    const owner = leaseOwner(plan.id, delivery);
    const acquisition = await this.plans.acquireLease({ case: plan.case, planId: plan.id, owner, ttlMs: this.options.leaseTtlMs, now: this.clock.now() });
    if (!acquisition.acquired) {
      if (acquisition.heldBy.planId !== plan.id) {
        log.info('case is busy with another plan; this one waits for the hand-over', { holder: acquisition.heldBy.planId });
        return 'waiting';
      }
      // The holder's own message stays unacknowledged while it runs, and comes back if it dies:
      // that message carries the plan. So another `apply`, or a `retry` a finishing plan sent to
      // wake this one, is a duplicate: acknowledge it. Only the holder's own message coming back
      // and a continuation (the holder's successor, published just before it lets go) are work
      // that must wait until the lease is released or expires.
      if (message.reason !== 'continue' && !isOwnRedelivery(acquisition.heldBy, delivery)) return 'duplicate';
      const untilFree = Date.parse(acquisition.heldBy.expiresAt) - this.clock.now().getTime();
      if (!waited && untilFree > 0 && untilFree <= (this.options.maxLeaseWaitMs ?? 0)) {
        // Once: a holder that is alive renews its lease, and this delivery then goes back to the queue.
        await new Promise((resolve) => setTimeout(resolve, untilFree + 50));
        return this.handleUnderLease(message, delivery, log, true);
      }
      throw unavailable(`plan ${plan.id} is running under a lease that expires at ${acquisition.heldBy.expiresAt}; retry later`);
    }
    const leaseEvents: AuditEventInput[] = [];
    if (acquisition.tookOverFrom) {
      const from = acquisition.tookOverFrom;
      leaseEvents.push(this.event(plan, 'lease.expired', { owner: from.owner, token: from.token, expiresAt: from.expiresAt, planId: from.planId }));
      leaseEvents.push(this.event(plan, 'lease.taken_over', { owner, token: acquisition.lease.token, from: from.owner }));
    } else {
      leaseEvents.push(this.event(plan, 'lease.acquired', { owner, token: acquisition.lease.token }));
    }
    await this.plans.appendAudit(leaseEvents);

    let lease = acquisition.lease;
    let released: ReleaseOutcome = 'retry';
    let outcome: DeliveryOutcome = 'finished';
    try {
      const fresh = await this.plans.getPlan(plan.id);
      if (!fresh || (fresh.status !== 'queued' && fresh.status !== 'running')) {
        released = 'ignored';
        return 'ignored';
      }
      const run = new PlanRun(this.context(), fresh, lease, message, log);
      try {
        const result = await run.execute();
        outcome = result === 'continued' ? 'continued' : 'finished';
        released = result;
      } finally {
        lease = run.lease;
      }
    } catch (error) {
      if (retryOrGiveUp(error) === 'retry') throw error;
      await this.failPermanently(plan.id, error, log);
      released = 'failed';
      outcome = 'finished';
    } finally {
      await this.plans.releaseLease(lease);
      await this.plans.appendAudit([this.event(plan, 'lease.released', { owner, token: lease.token, outcome: released })]);
    }
    if (outcome === 'finished') {
      const finished = await this.plans.getPlan(plan.id);
      if (finished) await this.writeAuditFiles(finished);
      await this.handOver(plan.case);
    }
    return outcome;
  }

  /** Records a failure no redelivery can fix: the plan ends `failed`, audited, with the error. */
  private async failPermanently(planId: string, error: unknown, log: Logger): Promise<void> {
    log.error('execution failed permanently; the plan is marked failed', { error: messageOf(error), stack: error instanceof Error ? error.stack : undefined });
    const plan = await this.plans.getPlan(planId);
    if (!plan || (plan.status !== 'queued' && plan.status !== 'running')) return;
    const now = this.clock.now().toISOString();
    const reason = `execution stopped on an error that retrying cannot fix: ${messageOf(error)}`;
    const execution: ExecutionSummary = {
      ...(plan.execution ?? { attempt: 1, cursor: 0, actionCount: plan.report.totals.actions, done: 0, stale: 0, failed: 0, skipped: 0 }),
      finishedAt: now,
      lastError: reason,
    };
    const failed = await this.plans.updatePlan(plan.id, plan.revision, { status: 'failed', execution, updatedAt: now });
    await this.plans.appendAudit([this.event(failed, 'plan.failed', { reason, permanent: true })]);
  }

  /**
   * The plan's audit records (and its compensation's) as JSON Lines in the workspace's system
   * area, for people and other tools; written once the plan has finished and its lease is
   * released, so the file is complete. A failure is thrown, so the queue redelivers and the
   * redelivery writes the file (see `handle`); the plan's outcome is not touched again.
   */
  private async writeAuditFiles(plan: PlanRecord): Promise<void> {
    const ids = [plan.id, ...(plan.execution?.compensation ? [plan.execution.compensation] : [])];
    for (const id of ids) {
      const records = await this.plans.readPlanAudit(id);
      if (records.length === 0) continue;
      const body = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
      await this.objects.write(auditObjectName(plan.case, id), Buffer.from(body), { contentType: 'application/x-ndjson' });
    }
  }

  /** Wakes the plans of this case that waited while it was busy, oldest first. */
  private async handOver(caseName: string): Promise<void> {
    const waiting = await this.plans.listPlans({ case: caseName, status: 'queued', limit: 20 });
    for (const plan of waiting.plans.reverse()) {
      if (plan.kind === 'compensation') continue;
      await this.queue.publish({ version: 1, planId: plan.id, reason: 'retry', attempt: 1 });
    }
  }

  private event(plan: PlanRecord, type: AuditEventType, data: Record<string, unknown>): AuditEventInput {
    return { chain: plan.case, type, planId: plan.id, actor: SYSTEM_ACTOR, at: this.clock.now().toISOString(), data };
  }

  private context(): RunContext {
    return {
      plans: this.plans,
      objects: this.objects,
      queue: this.queue,
      clock: this.clock,
      options: this.options,
      policy: this.policy,
      dryRunner: this.dryRunner,
      concurrency: this.concurrency,
      stopRequested: () => this.stopping,
      event: (plan, type, data) => this.event(plan, type, data),
    };
  }
}

/** What a plan run needs from its executor. */
interface RunContext {
  plans: PlanStore;
  objects: ObjectStore;
  queue: ExecutionQueue;
  clock: Clock;
  options: ExecutorOptions;
  policy: Policy;
  dryRunner: DryRunner;
  concurrency: AdaptiveConcurrency;
  /** True once the instance is shutting down: hand over at the next safe point. */
  stopRequested(): boolean;
  event(plan: PlanRecord, type: AuditEventType, data: Record<string, unknown>): AuditEventInput;
}

/** Entries of `needsAttention` kept on a plan record; the count stays exact. */
const NEEDS_ATTENTION_LIMIT = 1000;

/**
 * How often a running plan's record shows its progress. Each write is a Firestore document
 * write; per batch they were a third of what an execution cost. The journal keeps every outcome.
 */
const CHECKPOINT_INTERVAL_MS = 5_000;

/** One invocation's work on one plan, under one lease. A compensation plan runs in one nested in its plan's. */
class PlanRun {
  lease: Lease;
  plan: PlanRecord;
  private readonly ctx: RunContext;
  private readonly message: ExecutionMessage;
  private readonly log: Logger;
  private readonly started: number;
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  /** The plan whose execution continues in a new invocation when the budget runs out. */
  private readonly continuationOf: string;
  /** Audit records that go out with the next one (the last batch's, with the plan's outcome). */
  private readonly pendingAudit: AuditEventInput[] = [];

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
  }

  /** A compensation keeps going past stale or failed actions: it undoes all it safely can. */
  private get isCompensation(): boolean {
    return this.plan.kind === 'compensation';
  }

  /** Runs the plan until it finishes (its final status) or must continue in a new invocation. */
  async execute(): Promise<'succeeded' | 'failed' | 'continued'> {
    const { options, clock } = this.ctx;
    const actionCount = this.plan.report.totals.actions;
    const previous = this.plan.execution;
    const resumed = this.plan.status === 'running';
    const summary: ExecutionSummary = previous ?? { attempt: 0, cursor: 0, actionCount, done: 0, stale: 0, failed: 0, skipped: 0 };
    summary.attempt += 1;
    summary.startedAt ??= clock.now().toISOString();

    if (this.plan.status === 'queued' && !this.isCompensation) {
      // The policy may have changed since the plan was applied: what it now forbids never starts.
      const violations = await violationsUnderCurrentPolicy(this.plans, this.ctx.policy, this.plan);
      if (violations.length > 0) {
        await this.audit('plan.policy_refused', { policyVersion: this.ctx.policy.version, violations: violations.slice(0, 20) });
        return this.finish(summary, 'failed', `${describeViolations(this.ctx.policy, violations)}; nothing was changed`, false);
      }
    }

    // The preflight only reads, so it runs before the plan is marked running: its success and
    // the status change are then one write, made before the first mutation, so a resumed
    // attempt never mistakes the plan's own changes for someone else's. A compensation skips
    // it: its dry run has just been made under this lease, and each of its actions still
    // checks its own object.
    if (!summary.preflightPassedAt && !this.isCompensation) {
      const { stale, unplanned } = await this.preflight();
      if (stale.length > 0 || unplanned.length > 0) {
        if (stale.length > 0) await this.plans.appendJournal(this.plan.id, stale);
        summary.stale = stale.length + unplanned.length;
        const details = [...stale.map((entry) => entry.message!), ...unplanned];
        await this.audit('execution.stale', { count: details.length, objects: details.slice(0, 100) });
        return this.finish(summary, 'failed', `stale: ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}; nothing was changed`, false);
      }
    }
    summary.preflightPassedAt ??= clock.now().toISOString();
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { status: 'running', execution: summary, updatedAt: clock.now().toISOString() });
    await this.audit(resumed ? 'plan.resumed' : 'plan.running', { attempt: summary.attempt, cursor: summary.cursor, reason: this.message.reason });

    const outcomes = await this.readOutcomes(actionCount);

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
      const batch = await this.plans.readActions(this.plan.id, summary.cursor, options.journalBatch);
      if (batch.length === 0) break;
      const entries = await this.runBatch(batch.filter((action) => !outcomes.has(action.index)), (entry) => {
        if (entry.outcome === 'stale' || entry.outcome === 'failed') noteStop(`action ${entry.action}: ${entry.message}`);
      });
      for (const entry of entries) {
        outcomes.record(entry);
        if (entry.outcome === 'done') summary.done += 1;
        else if (entry.outcome === 'stale') summary.stale += 1;
        else if (entry.outcome === 'failed') summary.failed += 1;
      }
      while (summary.cursor < actionCount && outcomes.has(summary.cursor)) summary.cursor += 1;
      const more = stopReason === undefined && summary.cursor < actionCount;
      if (entries.length > 0) {
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

    if (stopReason === undefined) {
      if (this.isCompensation && summary.stale + summary.failed > 0) {
        return this.finish(summary, 'failed', `${summary.stale + summary.failed} objects could not be put back; they are listed for a person`);
      }
      return this.finish(summary, 'succeeded');
    }
    summary.skipped = actionCount - summary.done - summary.stale - summary.failed;
    if (this.plan.onError === 'rollback') {
      const compensation = await this.compensate(summary);
      if (compensation === 'continued') return 'continued';
      return this.finish(summary, 'failed', stopReason, compensation.ok);
    }
    return this.finish(summary, 'failed', stopReason, false);
  }

  private budgetSpent(): boolean {
    return this.ctx.clock.now().getTime() - this.started >= this.ctx.options.budgetMs;
  }

  private async continueLater(summary: ExecutionSummary): Promise<'continued'> {
    await this.ctx.queue.publish({ version: 1, planId: this.continuationOf, reason: 'continue', attempt: this.message.attempt + 1 });
    this.log.info('time budget used; continuing in a new invocation', { plan: this.plan.id, cursor: summary.cursor });
    return 'continued';
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
   * Undoes what this plan did so far (onError: rollback) as a compensation plan run by this
   * same code under this lease. Derived once: the plan's record names it before it is created,
   * so a resumed attempt continues the same compensation from its journal.
   */
  private async compensate(summary: ExecutionSummary): Promise<'continued' | { ok: boolean }> {
    let compensation = summary.compensation ? await this.plans.getPlan(summary.compensation) : undefined;
    if (!compensation) {
      const derived = await this.deriveCompensation();
      summary.compensation = derived.plan?.record.id;
      this.setNeedsAttention(summary, derived.needsAttention);
      // Recorded before the compensation exists: a crash in between derives it afresh, and a
      // compensation that exists was derived exactly as the record says.
      await this.checkpoint(summary);
      if (derived.plan) {
        try {
          await this.plans.createPlan(derived.plan.record, derived.plan.operations, derived.plan.actions);
          await this.audit('plan.proposed', { kind: 'compensation', compensation: derived.plan.record.id, actions: derived.plan.actions.length }, derived.plan.record);
        } catch (error) {
          if (!isBailiffError(error, 'conflict')) throw error;
        }
        compensation = await this.plans.getPlan(derived.plan.record.id);
      }
    }
    if (compensation && (compensation.status === 'queued' || compensation.status === 'running')) {
      const run = new PlanRun(this.ctx, compensation, this.lease, this.message, this.log, { parent: this.plan.id, started: this.started });
      let result: 'succeeded' | 'failed' | 'continued';
      try {
        result = await run.execute();
      } finally {
        this.lease = run.lease;
      }
      if (result === 'continued') return 'continued';
      compensation = run.plan;
    }
    const undone = compensation ? await this.recordUndone(compensation, summary) : 0;
    const ok = (summary.needsAttentionCount ?? 0) === 0;
    await this.audit('plan.compensated', {
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
  private async deriveCompensation(): Promise<{
    plan?: { record: PlanRecord; operations: Operation[]; actions: Action[] };
    needsAttention: NonNullable<ExecutionSummary['needsAttention']>;
  }> {
    const caseName = this.plan.case;
    const steps = deriveUndo(caseName, await readAppliedActions(this.plans, this.plan.id));
    if (steps.length === 0) return { needsAttention: [] };
    const listing = await this.ctx.dryRunner.listCase(caseName);
    const current = new Map<string, string>();
    for (const object of listing.objects) current.set(casePathOf(caseName, object.name) ?? object.name, object.generation);
    const { kept, heldBack } = holdBackChanged(steps, current);
    const needsAttention: NonNullable<ExecutionSummary['needsAttention']> = heldBack.map((step) => ({ path: step.path, message: step.message, action: step.action }));
    const operations = kept.flatMap((step) => step.operations);
    if (operations.length === 0) return { needsAttention };
    const undoes = kept.flatMap((step) => step.operations.map(() => step.action));
    const id = compensationPlanId(this.plan.id);
    const { report, actions } = await this.ctx.dryRunner.run({ planId: id, caseName, operations, skipPolicy: true }, listing);
    for (const action of actions) action.undoes = undoes[action.operation];
    for (const error of report.errors) {
      needsAttention.push({ path: error.path ?? '', message: `not undone: ${error.message}`, ...(error.operation !== undefined ? { action: undoes[error.operation] } : {}) });
    }
    const now = this.ctx.clock.now().toISOString();
    const description = `Undo what ${this.plan.id} did before it stopped (onError: rollback)`;
    const record: PlanRecord = {
      id,
      case: caseName,
      description,
      onError: 'stop',
      kind: 'compensation',
      rollbackOf: this.plan.id,
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
        approvers: this.plan.approval?.approvers ?? [],
        planHash: this.plan.planHash,
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
  private async recordUndone(compensation: PlanRecord, summary: ExecutionSummary): Promise<number> {
    const outcomes = new Map<number, JournalEntry>();
    for await (const page of readPages((offset, limit) => this.plans.readJournal(compensation.id, offset, limit))) for (const entry of page) outcomes.set(entry.action, entry);
    const undoneBy = new Map<number, boolean>();
    const attention = [...(summary.needsAttention ?? [])];
    let extra = 0;
    for await (const page of readPages((offset, limit) => this.plans.readActions(compensation.id, offset, limit))) {
      for (const action of page) {
        if (action.undoes === undefined) continue;
        const entry = outcomes.get(action.index);
        const done = entry?.outcome === 'done';
        undoneBy.set(action.undoes, (undoneBy.get(action.undoes) ?? true) && done);
        if (!done) {
          // Both ends of an undone move stay as they are: the plan's copy, and what is in its way.
          for (const name of touchedNames(action)) {
            const path = casePathOf(this.plan.case, name);
            if (path === undefined) continue;
            extra += 1;
            if (attention.length < NEEDS_ATTENTION_LIMIT) attention.push({ path, message: `not undone: ${entry?.message ?? 'the compensation did not reach it'}`, action: action.undoes });
          }
        }
      }
    }
    const alreadyCompensated = new Set<number>();
    for await (const page of readPages((offset, limit) => this.plans.readJournal(this.plan.id, offset, limit))) {
      for (const entry of page) if (entry.outcome === 'compensated') alreadyCompensated.add(entry.action);
    }
    const at = this.ctx.clock.now().toISOString();
    const entries: JournalEntry[] = [...undoneBy]
      .filter(([action, done]) => done && !alreadyCompensated.has(action))
      .map(([action]) => ({ action, outcome: 'compensated', at }));
    if (entries.length > 0) await this.plans.appendJournal(this.plan.id, entries.sort((a, b) => a.action - b.action));
    summary.needsAttention = attention;
    summary.needsAttentionCount = (summary.needsAttentionCount ?? 0) + extra;
    return [...undoneBy.values()].filter(Boolean).length;
  }

  private setNeedsAttention(summary: ExecutionSummary, items: NonNullable<ExecutionSummary['needsAttention']>): void {
    summary.needsAttention = items.slice(0, NEEDS_ATTENTION_LIMIT);
    summary.needsAttentionCount = items.length;
  }

  /**
   * Before the first mutation: one listing of the case, checked against every precondition the
   * approval relied on. A changed workspace fails the plan before anything is touched.
   */
  private async preflight(): Promise<{ stale: JournalEntry[]; unplanned: string[] }> {
    const prefix = casePrefix(this.plan.case);
    // Names and generations only: this map is the largest thing an execution holds.
    const current = new Map<string, string>();
    for await (const page of listAll(this.objects, prefix, { withMetadata: false })) for (const object of page.objects) current.set(object.name, object.generation);
    const stale: JournalEntry[] = [];
    const at = this.ctx.clock.now().toISOString();
    const check = (action: Action, name: string, expect: Expect) => {
      const generation = current.get(name);
      if (expect.state === 'absent' && generation !== undefined) stale.push({ action: action.index, outcome: 'stale', message: `\`${name}\` was created after approval`, at });
      if (expect.state === 'generation' && generation !== expect.generation) {
        stale.push({ action: action.index, outcome: 'stale', message: generation !== undefined ? `\`${name}\` was changed after approval` : `\`${name}\` was removed after approval`, at });
      }
    };

    // Folders the plan moves or deletes as a whole: whatever is in them now but not in the plan
    // was added after approval, and would be left behind.
    const folderSources = new Map<string, number>();
    let operationIndex = 0;
    for await (const page of readPages((offset, limit) => this.plans.readOperations(this.plan.id, offset, limit))) {
      for (const operation of page) {
        const index = operationIndex++;
        if (operation.type !== 'move' && operation.type !== 'delete') continue;
        const source = `${prefix}${operation.source.replace(/\/$/, '')}`;
        if (!current.has(source)) folderSources.set(`${source}/`, index);
      }
    }
    const folderOf = (name: string): string | undefined => {
      for (let slash = name.indexOf('/', prefix.length); slash >= 0; slash = name.indexOf('/', slash + 1)) {
        const folder = name.slice(0, slash + 1);
        if (folderSources.has(folder)) return folder;
      }
      return undefined;
    };
    const plannedInFolders = new Set<string>();
    for await (const page of readPages((offset, limit) => this.plans.readActions(this.plan.id, offset, limit))) {
      for (const action of page) {
        // Backups a restore reads live outside the case listing; the restore checks its own.
        for (const { name, expect } of preconditionsOf(action)) if (!isSystemObject(name)) check(action, name, expect);
        const removed = action.kind === 'move' ? action.source : action.kind === 'delete' ? action.target : undefined;
        if (removed !== undefined && folderSources.size > 0 && folderOf(removed)) plannedInFolders.add(removed);
      }
    }
    const unplanned: string[] = [];
    if (folderSources.size > 0) {
      for (const name of current.keys()) {
        const folder = folderOf(name);
        if (folder !== undefined && !plannedInFolders.has(name)) {
          unplanned.push(`\`${name}\` was added under \`${folder.slice(prefix.length)}\` (operation ${folderSources.get(folder)}) after approval`);
        }
      }
    }
    return { stale, unplanned };
  }

  /**
   * Runs actions with bounded concurrency; actions sharing an object keep the plan's order.
   * If storage fails in a way a retry may fix, the actions in flight are let finish and the
   * error is rethrown: their outcomes are not journaled, so the next attempt resolves them by looking.
   */
  private async runBatch(actions: Action[], onOutcome: (entry: JournalEntry) => void): Promise<JournalEntry[]> {
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
            concurrency.completed(performance.now() - started);
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
      const result = action.kind === 'put' ? await this.put(action) : action.kind === 'delete' ? await this.delete(action) : await this.transfer(action);
      return { action: action.index, at: at(), ...result };
    } catch (error) {
      // Storage that keeps failing is retried by redelivery; the journal keeps what was done.
      if (isBailiffError(error) && error.retryable) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.log.error('action failed', { action: action.index, error: message });
      return { action: action.index, outcome: 'failed', message, at: at() };
    }
  }

  /** Whether `object` is what `expect` requires; the generation to use as a precondition. */
  private judge(name: string, object: ObjectInfo | undefined, expect: Expect): Verdict {
    switch (expect.state) {
      case 'absent':
        return object ? { ok: false, message: `\`${name}\` exists now but did not when the plan was approved` } : { ok: true, generation: '0' };
      case 'generation':
        if (!object) return { ok: false, message: `\`${name}\` was removed after approval` };
        return object.generation === expect.generation ? { ok: true, generation: object.generation } : { ok: false, message: `\`${name}\` was changed after approval` };
      case 'producedBy':
        if (object && isProducedBy(object.metadata, this.plan.id, expect.action)) return { ok: true, generation: object.generation };
        return { ok: false, message: `\`${name}\` is not the object action ${expect.action} of this plan wrote` };
    }
  }

  /** On a store that ignores copy and delete preconditions, each action looks before it changes anything. */
  private get looksFirst(): boolean {
    return this.objects.preconditionsEnforced === false;
  }

  private mine(object: ObjectInfo | undefined, action: Action): boolean {
    return object !== undefined && isProducedBy(object.metadata, this.plan.id, action.index);
  }

  /**
   * Copies what is about to be overwritten or deleted into the plan's backup area: one rewrite
   * carrying the generation to keep and `ifGenerationMatch: 0`. A failed precondition is
   * resolved by looking at the backup: this action's (an earlier attempt made it) is used;
   * anything else is thrown for the caller to judge the object it backs up.
   */
  private async backUp(action: Action, name: string, generation: string): Promise<{ backup: string; backupGeneration: string }> {
    const backup = action.backup!;
    try {
      const info = await this.objects.copy(name, backup, { ifSourceGenerationMatch: generation, ifGenerationMatch: '0', metadata: provenance(this.plan.id, action.index), ...headersOf(action.replacedFacts) });
      return { backup, backupGeneration: info.generation };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const existing = await this.objects.stat(backup);
      if (this.mine(existing, action)) return { backup, backupGeneration: existing!.generation };
      throw error;
    }
  }

  /** The backup an earlier attempt of `action` made, if it was to make one and did. */
  private async earlierBackup(action: Action): Promise<{ backup: string; backupGeneration: string } | undefined> {
    if (!action.backup || !('expect' in action) || action.expect.state === 'absent') return undefined;
    const existing = await this.objects.stat(action.backup);
    return this.mine(existing, action) ? { backup: action.backup, backupGeneration: existing!.generation } : undefined;
  }

  /**
   * Writes a `write_file`'s content or a folder marker: one upload carrying the recorded
   * generation (or `"0"`), after the backup of what it overwrites. Only a failed precondition
   * (a retried upload whose first attempt landed, a resumed attempt, someone else's change)
   * costs a look at the object.
   */
  private async put(action: PutAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    let generation: string;
    if (action.expect.state === 'producedBy' || this.looksFirst) {
      // Over an object an earlier action of this plan wrote, its generation is known only by
      // looking; on a store that ignores preconditions, looking is the only check there is.
      const current = await this.objects.stat(action.destination);
      // Written by an earlier attempt that was not journaled: its backup must still be recorded,
      // or the undo of this action would delete the object instead of restoring what it replaced.
      if (this.mine(current, action)) return { outcome: 'done', generation: current!.generation, ...(await this.earlierBackup(action)) };
      const verdict = this.judge(action.destination, current, action.expect);
      if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
      generation = verdict.generation!;
    } else {
      generation = action.expect.state === 'absent' ? '0' : action.expect.generation;
    }
    let backup: { backup: string; backupGeneration: string } | undefined;
    try {
      if (action.backup && action.expect.state !== 'absent') backup = await this.backUp(action, action.destination, generation);
      let content: Buffer = Buffer.alloc(0);
      if (!action.destination.endsWith('/')) {
        const [operation] = await this.plans.readOperations(this.plan.id, action.operation, 1);
        if (operation?.type !== 'write_file') return { outcome: 'failed', message: `operation ${action.operation} is not a write_file` };
        content = contentBuffer(operation);
      }
      const written = await this.objects.write(action.destination, content, { ifGenerationMatch: generation, metadata: provenance(this.plan.id, action.index) });
      return { outcome: 'done', generation: written.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const after = await this.objects.stat(action.destination);
      if (this.mine(after, action)) return { outcome: 'done', generation: after!.generation, ...(backup ?? (await this.earlierBackup(action))) };
      const verdict = this.judge(action.destination, after, action.expect);
      return { outcome: 'stale', message: verdict.ok ? `\`${action.destination}\` changed while the plan ran` : verdict.message, ...backup };
    }
  }

  /**
   * A copy or move. With the generations the dry run recorded, a move is one rewrite (source
   * generation, destination generation or `"0"`, Bailiff's provenance) checked from its own
   * answer, then one delete of the source at its generation: two requests, three with the
   * backup of an overwrite. A source or destination the plan itself writes first is looked at.
   */
  private async transfer(action: TransferAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    if (action.sourceExpect.state === 'generation' && action.expect.state !== 'producedBy' && !this.looksFirst) {
      const source: KnownSource = { generation: action.sourceExpect.generation, size: action.size, ...checksumsOf(action.sourceFacts) };
      return this.copyOrMove(action, source, action.expect.state === 'absent' ? '0' : action.expect.generation, action.sourceFacts);
    }
    const [source, destination] = await Promise.all([this.objects.stat(action.source), this.objects.stat(action.destination)]);
    const settled = await this.settleTransfer(action, source, destination);
    if (settled) return settled;
    const sourceVerdict = this.judge(action.source, source, action.sourceExpect);
    if (!sourceVerdict.ok) return { outcome: 'stale', message: sourceVerdict.message };
    const destinationVerdict = this.judge(action.destination, destination, action.expect);
    if (!destinationVerdict.ok) return { outcome: 'stale', message: destinationVerdict.message };
    return this.copyOrMove(action, source!, destinationVerdict.generation!, { ...checksumsOf(source), ...(source!.contentType ? { contentType: source!.contentType } : {}), ...(source!.headers ? { headers: source!.headers } : {}) });
  }

  private async copyOrMove(action: TransferAction, source: KnownSource, destinationGeneration: string, sourceFacts: ObjectFacts | undefined): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    let backup: { backup: string; backupGeneration: string } | undefined;
    try {
      if (action.backup && action.expect.state !== 'absent') backup = await this.backUp(action, action.destination, destinationGeneration);
      const options = { ifSourceGenerationMatch: source.generation, ifGenerationMatch: destinationGeneration, metadata: provenance(this.plan.id, action.index), ...headersOf(sourceFacts) };
      if (action.kind === 'move' && this.objects.rename) {
        const moved = await this.objects.rename(action.source, action.destination, options);
        return { outcome: 'done', generation: moved.generation, ...backup };
      }
      const copied = await this.objects.copy(action.source, action.destination, options);
      if (action.kind === 'move') {
        const verdict = await this.deleteMovedSource(action, source, copied);
        if (verdict) return { outcome: verdict.outcome, message: verdict.message, generation: copied.generation, ...backup };
      }
      return { outcome: 'done', generation: copied.generation, ...backup };
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      // A precondition failed: someone else's change, an earlier attempt's copy, or a retried
      // request whose first attempt landed. Only the objects can tell which.
      const [sourceNow, destinationNow] = await Promise.all([this.objects.stat(action.source), this.objects.stat(action.destination)]);
      const settled = await this.settleTransfer(action, sourceNow, destinationNow, backup);
      if (settled) return settled;
      const sourceVerdict = this.judge(action.source, sourceNow, action.sourceExpect);
      const destinationVerdict = this.judge(action.destination, destinationNow, action.expect);
      const message = !sourceVerdict.ok ? sourceVerdict.message : !destinationVerdict.ok ? destinationVerdict.message : `\`${action.source}\` or \`${action.destination}\` changed while the plan ran`;
      return { outcome: 'stale', message, ...backup };
    }
  }

  /**
   * When the destination is this action's copy (made by an earlier attempt, or by a request
   * whose answer was lost): the action is done, once a move has deleted its source if that is
   * still the recorded version. Undefined when the destination is not this action's.
   */
  private async settleTransfer(
    action: TransferAction,
    source: ObjectInfo | undefined,
    destination: ObjectInfo | undefined,
    backup?: { backup: string; backupGeneration: string },
  ): Promise<Omit<JournalEntry, 'action' | 'at'> | undefined> {
    if (!this.mine(destination, action)) return undefined;
    // The backup an earlier attempt made must be journaled with it, or the undo of this action
    // would delete the object instead of restoring what it replaced.
    const kept = backup ?? (await this.earlierBackup(action));
    if (action.kind === 'move' && source && this.judge(action.source, source, action.sourceExpect).ok) {
      const verdict = await this.deleteMovedSource(action, source, destination!);
      if (verdict) return { outcome: verdict.outcome, message: verdict.message, generation: destination!.generation, ...kept };
    }
    return { outcome: 'done', generation: destination!.generation, ...kept };
  }

  /**
   * Deletes a moved object's source, only once the copy is proven identical: same size and
   * checksum as the source at its generation (recorded by the dry run, or looked up when the
   * dry run's listing had no checksum).
   */
  private async deleteMovedSource(action: TransferAction, source: KnownSource, copy: ObjectInfo): Promise<{ outcome: 'stale' | 'failed'; message: string } | undefined> {
    let known = source;
    if (!known.md5 && !known.crc32c) {
      const looked = await this.objects.stat(action.source);
      if (!looked) return undefined;
      if (looked.generation !== source.generation) return { outcome: 'stale', message: `\`${action.source}\` changed during the move; both versions were kept` };
      known = looked;
    }
    const sameChecksum = known.md5 && copy.md5 ? known.md5 === copy.md5 : known.crc32c && copy.crc32c ? known.crc32c === copy.crc32c : false;
    if (known.size !== copy.size || !sameChecksum) {
      return { outcome: 'failed', message: `the copy of \`${action.source}\` does not match it (size or checksum); the source was kept` };
    }
    try {
      await this.objects.delete(action.source, { ifGenerationMatch: source.generation });
    } catch (error) {
      if (isBailiffError(error, 'not_found')) return undefined;
      if (isBailiffError(error, 'precondition_failed')) {
        return { outcome: 'stale', message: `\`${action.source}\` changed during the move; both versions were kept` };
      }
      throw error;
    }
    return undefined;
  }

  /**
   * Deletes one object at its recorded generation, after its backup: two requests. A failed
   * backup precondition is resolved by looking (the object changed, or was already deleted by
   * an earlier attempt that kept the backup).
   */
  private async delete(action: DeleteAction): Promise<Omit<JournalEntry, 'action' | 'at'>> {
    let generation: string;
    if (action.expect.state === 'generation' && !this.looksFirst) {
      generation = action.expect.generation;
    } else {
      // An object an earlier action of this plan wrote: its generation is known only by looking.
      const current = await this.objects.stat(action.target);
      if (!current) {
        const backup = await this.objects.stat(action.backup);
        if (this.mine(backup, action)) return { outcome: 'done', backup: action.backup, backupGeneration: backup!.generation };
        return { outcome: 'stale', message: `\`${action.target}\` was removed after approval` };
      }
      const verdict = this.judge(action.target, current, action.expect);
      if (!verdict.ok) return { outcome: 'stale', message: verdict.message };
      generation = verdict.generation!;
    }
    let backup: { backup: string; backupGeneration: string };
    try {
      backup = await this.backUp(action, action.target, generation);
    } catch (error) {
      if (!isBailiffError(error, 'precondition_failed') && !isBailiffError(error, 'not_found')) throw error;
      const current = await this.objects.stat(action.target);
      const verdict = this.judge(action.target, current, action.expect);
      return { outcome: 'stale', message: verdict.ok ? `\`${action.target}\` changed while the plan ran` : verdict.message };
    }
    try {
      await this.objects.delete(action.target, { ifGenerationMatch: generation });
    } catch (error) {
      if (isBailiffError(error, 'precondition_failed')) return { outcome: 'stale', message: `\`${action.target}\` changed while the plan ran`, ...backup };
      if (!isBailiffError(error, 'not_found')) throw error;
    }
    return { outcome: 'done', ...backup };
  }

  /**
   * Records progress after a batch, and renews the lease once less than half of it is left
   * (renewing on every batch would cost a write per batch for nothing). A lease lost to
   * another holder throws `conflict` here, which ends this attempt before its next mutation.
   */
  private async checkpoint(summary: ExecutionSummary): Promise<void> {
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { execution: { ...summary }, updatedAt: this.ctx.clock.now().toISOString() });
    await this.renewLeaseIfDue();
  }

  private async renewLeaseIfDue(): Promise<void> {
    const { clock, options } = this.ctx;
    if (Date.parse(this.lease.expiresAt) - clock.now().getTime() < options.leaseTtlMs / 2) {
      this.lease = await this.plans.renewLease(this.lease, options.leaseTtlMs, clock.now());
    }
  }

  private async finish(summary: ExecutionSummary, status: 'succeeded' | 'failed', reason?: string, compensated?: boolean): Promise<'succeeded' | 'failed'> {
    const now = this.ctx.clock.now().toISOString();
    const execution: ExecutionSummary = { ...summary, finishedAt: now, lastError: reason, compensated };
    this.plan = await this.plans.updatePlan(this.plan.id, this.plan.revision, { status, execution, updatedAt: now });
    await this.audit(status === 'succeeded' ? 'plan.succeeded' : 'plan.failed', {
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
    const updated = await this.plans.updatePlan(original.id, original.revision, { status: 'rolled_back', rolledBackBy: this.plan.id, updatedAt: this.ctx.clock.now().toISOString() });
    await this.plans.appendAudit([this.ctx.event(updated, 'plan.rolled_back', { by: this.plan.id })]);
  }

  private async audit(type: AuditEventType, data: Record<string, unknown>, plan: PlanRecord = this.plan): Promise<void> {
    const events = [...this.pendingAudit.splice(0), this.ctx.event(plan, type, data)];
    await this.plans.appendAudit(events);
  }
}
