/**
 * The execution sweep: no plan stays `queued` or `running` forever.
 *
 * Delivery is the queue's job and resuming is the executor's, but both need a message: a plan
 * whose message was lost (an executor killed after its hand-over, a push the emulator or the
 * service stopped retrying) or parked on the dead-letter topic would otherwise wait for ever.
 * Run on a schedule (Cloud Scheduler on Google Cloud, every minute in embedded mode), the sweep
 * - marks `failed`, with the reason, each plan whose execution request was dead-lettered and
 *   that no live execution holds (audited `plan.failed`; its audit copy is written);
 * - re-queues each plan that no live lease holds and that made no progress for a lease's
 *   lifetime (audited `plan.requeued`). The executor's lease, journal and duplicate handling
 *   make an unneeded re-queue harmless: a live holder's lease turns it away.
 */
import type { AuditEventInput } from '../domain/audit.ts';
import type { ExecutionSummary, PlanRecord } from '../domain/plan.ts';
import type { Logger } from '../logging.ts';
import type { Clock } from '../ports/clock.ts';
import type { DeadLetters } from '../ports/dead-letters.ts';
import type { ExecutionQueue } from '../ports/execution-queue.ts';
import type { Lease, PlanStore } from '../ports/plan-store.ts';
import type { AuditCopies } from './audit-copies.ts';

/** Who the sweep's audit records name. */
export const SWEEP_ACTOR = 'bailiff-sweep';

/** Dead letters read per pull, and pulls per sweep (a sweep is bounded; the next one reads on). */
const DEAD_LETTER_PAGE = 100;
const DEAD_LETTER_PULLS = 10;
const PLAN_PAGE = 200;

export interface ExecutionSweepDeps {
  plans: PlanStore;
  queue: ExecutionQueue;
  /** Unset: no dead-letter queue is configured, and only stalled plans are swept. */
  deadLetters?: DeadLetters;
  auditCopies: AuditCopies;
  clock: Clock;
  logger: Logger;
  options: {
    /** The executor's lease lifetime: a plan quiet for this long with no live lease is stalled. */
    leaseTtlMs: number;
  };
}

export interface SweepOptions {
  /**
   * How long a plan must have been quiet to be re-queued; default the lease lifetime. 0 at an
   * embedded start, where this process owns the state and nothing else can be running.
   */
  quietMs?: number;
}

export interface SweepReport {
  requeued: string[];
  failed: string[];
}

export class ExecutionSweep {
  readonly #deps: ExecutionSweepDeps;

  constructor(deps: ExecutionSweepDeps) {
    this.#deps = deps;
  }

  /** One pass: dead letters first (a plan they fail is not re-queued), then stalled plans. */
  async run(options: SweepOptions = {}): Promise<SweepReport> {
    const failed = await this.#failDeadLettered();
    const requeued = await this.#requeueStalled(options.quietMs ?? this.#deps.options.leaseTtlMs);
    if (failed.length > 0 || requeued.length > 0) this.#deps.logger.info('execution sweep', { failed, requeued });
    return { requeued, failed };
  }

  async #failDeadLettered(): Promise<string[]> {
    const { deadLetters, plans, logger } = this.#deps;
    const failed: string[] = [];
    if (!deadLetters) return failed;
    for (let pull = 0; pull < DEAD_LETTER_PULLS; pull += 1) {
      const letters = await deadLetters.pull(DEAD_LETTER_PAGE);
      for (const letter of letters) {
        const plan = letter.message ? await plans.getPlan(letter.message.planId) : undefined;
        if (!letter.message) logger.warn('a dead letter that is not an execution request; acknowledged', { messageId: letter.messageId });
        else if (plan && plan.kind !== 'compensation' && isUnfinished(plan) && !(await this.#liveLeaseOf(plan))) {
          await this.#fail(
            plan,
            `its execution request was dead-lettered after ${letter.deliveryAttempts ?? 'repeated'} failed delivery attempts; nothing will deliver it again. See the executor's logs for why, then apply a new plan (or roll this one back)`,
          );
          failed.push(plan.id);
        }
        await letter.ack();
      }
      if (letters.length < DEAD_LETTER_PAGE) break;
    }
    return failed;
  }

  async #requeueStalled(quietMs: number): Promise<string[]> {
    const { plans, queue, clock } = this.#deps;
    const requeued: string[] = [];
    const now = clock.now().getTime();
    for (const status of ['running', 'queued'] as const) {
      let pageToken: string | undefined;
      do {
        const page = await plans.listPlans({ status, limit: PLAN_PAGE, ...(pageToken ? { pageToken } : {}) });
        for (const plan of page.plans) {
          // A compensation runs inside its plan's execution, which re-queuing the plan continues.
          if (plan.kind === 'compensation') continue;
          const lease = await plans.getLease(plan.case);
          // A live lease: this plan runs, or waits for the plan that runs and will hand over to it.
          if (lease && Date.parse(lease.expiresAt) > now) continue;
          const quietFor = now - Date.parse(plan.updatedAt);
          if (quietFor < quietMs) continue;
          await queue.publish({ version: 1, planId: plan.id, reason: 'retry', attempt: 1 });
          await plans.appendAudit([
            this.#event(plan, 'plan.requeued', {
              status: plan.status,
              lastChangeAt: plan.updatedAt,
              ...(lease ? { expiredLease: { planId: lease.planId, owner: lease.owner, token: lease.token, expiresAt: lease.expiresAt } } : {}),
              reason: lease
                ? `the case's lease expired at ${lease.expiresAt} and the plan made no progress since ${plan.updatedAt}`
                : `no execution holds the case and the plan made no progress since ${plan.updatedAt}`,
            }),
          ]);
          requeued.push(plan.id);
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
    return requeued;
  }

  /** The case's lease when this plan holds it and it has not expired: its execution is alive. */
  async #liveLeaseOf(plan: PlanRecord): Promise<Lease | undefined> {
    const lease = await this.#deps.plans.getLease(plan.case);
    return lease && lease.planId === plan.id && Date.parse(lease.expiresAt) > this.#deps.clock.now().getTime() ? lease : undefined;
  }

  async #fail(plan: PlanRecord, reason: string): Promise<void> {
    const { plans, clock, auditCopies } = this.#deps;
    const now = clock.now().toISOString();
    const execution: ExecutionSummary = {
      ...(plan.execution ?? { attempt: 0, cursor: 0, actionCount: plan.report.totals.actions, done: 0, stale: 0, failed: 0, skipped: 0 }),
      finishedAt: now,
      lastError: reason,
      compensated: false,
    };
    const event = this.#event(plan, 'plan.failed', { reason, deadLettered: true, done: execution.done, compensated: false });
    const { plan: failed } = await plans.transition(plan.id, plan.revision, { status: 'failed', execution, updatedAt: now }, [event]);
    await auditCopies.write(failed);
  }

  #event(plan: PlanRecord, type: AuditEventInput['type'], data: Record<string, unknown>): AuditEventInput {
    return { chain: plan.case, type, planId: plan.id, actor: SWEEP_ACTOR, at: this.#deps.clock.now().toISOString(), data };
  }
}

function isUnfinished(plan: PlanRecord): boolean {
  return plan.status === 'queued' || plan.status === 'running';
}
