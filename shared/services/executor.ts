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
import type { AuditEventInput, AuditEventType } from '../domain/audit.ts';
import type { Policy } from '../domain/policy.ts';
import type { ExecutionSummary, PlanRecord } from '../domain/plan.ts';
import { isBailiffError, unavailable } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExecutionMessage, ExecutionQueue } from '../ports/execution-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Lease, LeaseAcquisition, PlanStore } from '../ports/plan-store.ts';
import { AdaptiveConcurrency } from './adaptive-concurrency.ts';
import { AuditCopies } from './audit-copies.ts';
import { DryRunner } from './dry-run.ts';
import { PlanRun } from './plan-run.ts';
import { SYSTEM_ACTOR, type ExecutorOptions, type RunContext } from './run-context.ts';

export type { ExecutorOptions } from './run-context.ts';

export interface ExecutorDeps {
  plans: PlanStore;
  objects: ObjectStore;
  queue: ExecutionQueue;
  clock: Clock;
  /** The firm's policy as it is now: checked again before a plan's first mutation. */
  policy: Policy;
  logger: Logger;
  options: ExecutorOptions;
  /** Where finished plans' audit copies go (a retention-locked bucket on Google Cloud); unset: `objects`. */
  auditCopies?: AuditCopies;
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

/** Resolves after `ms`, or at once when `signal` aborts (a stopping instance waits for nothing). */
function waitUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

export class Executor {
  private readonly plans: PlanStore;
  private readonly objects: ObjectStore;
  private readonly queue: ExecutionQueue;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: ExecutorOptions;
  private readonly policy: Policy;
  private readonly dryRunner: DryRunner;
  private readonly auditCopies: AuditCopies;
  /** Shared by every plan this instance runs: what it learnt of storage's pace outlives a delivery. */
  private readonly concurrency: AdaptiveConcurrency;
  private stopping = false;
  /** Wakes deliveries waiting out another holder's lease when the instance is told to stop. */
  private readonly stopped = new AbortController();
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
    this.auditCopies = deps.auditCopies ?? new AuditCopies(deps.plans, deps.objects);
    const { concurrency, maxConcurrency = concurrency } = deps.options;
    // Without a higher ceiling the limit is fixed; with one it may also fall below its start.
    this.concurrency = new AdaptiveConcurrency(
      maxConcurrency > concurrency ? { initial: concurrency, min: 1, max: maxConcurrency } : { initial: concurrency, min: concurrency, max: concurrency },
    );
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
    this.stopped.abort();
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
      log.error('execution request failed permanently before it could run; acknowledged', {
        error: messageOf(error),
        stack: error instanceof Error ? error.stack : undefined,
      });
      return 'ignored';
    }
  }

  private async handleUnderLease(message: ExecutionMessage, delivery: Delivery, log: Logger, waited = false): Promise<DeliveryOutcome> {
    const plan = await this.runnablePlan(message, log);
    if (!plan) return 'ignored';
    const owner = leaseOwner(plan.id, delivery);
    const acquisition = await this.plans.acquireLease({ case: plan.case, planId: plan.id, owner, ttlMs: this.options.leaseTtlMs, now: this.clock.now() });
    if (!acquisition.acquired) return this.whileCaseIsBusy(plan, acquisition.heldBy, message, delivery, log, waited);
    const { outcome, finishedPlan } = await this.runHoldingLease(plan, acquisition, owner, message, log);
    if (outcome === 'finished') {
      const finished = finishedPlan ?? (await this.plans.getPlan(plan.id));
      // Written once the plan has finished and its lease is released, so the copy is complete. A
      // failure is thrown, so the queue redelivers and the redelivery writes it (see runnablePlan).
      // The case is handed over meanwhile: the next plan does not wait for this one's copy.
      const [copied, handedOver] = await Promise.allSettled([finished ? this.auditCopies.write(finished) : undefined, this.handOver(plan.case)]);
      if (copied.status === 'rejected') throw copied.reason;
      if (handedOver.status === 'rejected') throw handedOver.reason;
    }
    return outcome;
  }

  /** The plan the message names, if it is one this delivery may run (queued or running, not a compensation). */
  private async runnablePlan(message: ExecutionMessage, log: Logger): Promise<PlanRecord | undefined> {
    const plan = await this.plans.getPlan(message.planId);
    if (!plan) {
      log.warn('execution request for an unknown plan; acknowledged');
      return undefined;
    }
    if (plan.kind === 'compensation') {
      log.info("execution request for a compensation plan, which runs inside its plan's execution; acknowledged");
      return undefined;
    }
    if (plan.status !== 'queued' && plan.status !== 'running') {
      // A finished plan whose audit file could not be written last time gets it now.
      if (plan.execution?.finishedAt && !(await this.auditCopies.exists(plan))) await this.auditCopies.write(plan);
      log.info('execution request for a plan that is not queued or running; acknowledged', { status: plan.status });
      return undefined;
    }
    return plan;
  }

  /** Another lease holds the case: wait for the hand-over, acknowledge a duplicate, or wait once for the holder's lease to lapse. */
  private async whileCaseIsBusy(
    plan: PlanRecord,
    heldBy: Lease,
    message: ExecutionMessage,
    delivery: Delivery,
    log: Logger,
    waited: boolean,
  ): Promise<DeliveryOutcome> {
    if (heldBy.planId !== plan.id) {
      log.info('case is busy with another plan; this one waits for the hand-over', { holder: heldBy.planId });
      return 'waiting';
    }
    // The holder's own message stays unacknowledged while it runs, and comes back if it dies:
    // that message carries the plan. So another `apply`, or a `retry` a finishing plan sent to
    // wake this one, is a duplicate: acknowledge it. Only the holder's own message coming back
    // and a continuation (the holder's successor, published just before it lets go) are work
    // that must wait until the lease is released or expires.
    if (message.reason !== 'continue' && !isOwnRedelivery(heldBy, delivery)) return 'duplicate';
    const untilFree = Date.parse(heldBy.expiresAt) - this.clock.now().getTime();
    if (!waited && untilFree > 0 && untilFree <= (this.options.maxLeaseWaitMs ?? 0)) {
      // Once: a holder that is alive renews its lease, and this delivery then goes back to the queue.
      await waitUnlessStopped(untilFree + 50, this.stopped.signal);
      if (this.stopping) throw unavailable('this executor instance is shutting down; deliver again');
      return this.handleUnderLease(message, delivery, log, true);
    }
    throw unavailable(`plan ${plan.id} is running under a lease that expires at ${heldBy.expiresAt}; retry later`);
  }

  /** Runs the plan under the lease just acquired and releases it, audited, however the run ends. */
  private async runHoldingLease(
    plan: PlanRecord,
    acquisition: Extract<LeaseAcquisition, { acquired: true }>,
    owner: string,
    message: ExecutionMessage,
    log: Logger,
  ): Promise<{ outcome: DeliveryOutcome; finishedPlan?: PlanRecord }> {
    const leaseEvents: AuditEventInput[] = [];
    if (acquisition.tookOverFrom) {
      const from = acquisition.tookOverFrom;
      leaseEvents.push(this.event(plan, 'lease.expired', { owner: from.owner, token: from.token, expiresAt: from.expiresAt, planId: from.planId }));
      leaseEvents.push(this.event(plan, 'lease.taken_over', { owner, token: acquisition.lease.token, from: from.owner }));
    } else {
      leaseEvents.push(this.event(plan, 'lease.acquired', { owner, token: acquisition.lease.token }));
    }
    // The plan is read again under the lease while the lease's audit record is written: a read
    // and a write that do not touch each other, so the plan waits for one round trip, not two.
    const [audited, read] = await Promise.allSettled([this.plans.appendAudit(leaseEvents), this.plans.getPlan(plan.id)]);
    if (audited.status === 'rejected') throw audited.reason;

    let lease = acquisition.lease;
    let released: ReleaseOutcome = 'retry';
    try {
      if (read.status === 'rejected') throw read.reason;
      const fresh = read.value;
      if (!fresh || (fresh.status !== 'queued' && fresh.status !== 'running')) {
        released = 'ignored';
        return { outcome: 'ignored' };
      }
      const run = new PlanRun(this.context(), fresh, lease, message, log);
      try {
        const result = await run.execute();
        released = result;
        // The plan as its run left it: the audit copy is made from it without reading it again.
        return result === 'continued' ? { outcome: 'continued' } : { outcome: 'finished', finishedPlan: run.plan };
      } finally {
        lease = run.lease;
      }
    } catch (error) {
      if (retryOrGiveUp(error) === 'retry') throw error;
      await this.failPermanently(plan.id, error, log);
      released = 'failed';
      return { outcome: 'finished' };
    } finally {
      await this.plans.releaseLease(lease);
      await this.plans.appendAudit([this.event(plan, 'lease.released', { owner, token: lease.token, outcome: released })]);
    }
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
    await this.plans.transition(plan.id, plan.revision, { status: 'failed', execution, updatedAt: now }, [
      this.event(plan, 'plan.failed', { reason, permanent: true }),
    ]);
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
