/**
 * Shows a running plan's progress to the people watching it, as often as its plan store
 * affords and never more often: one write at a time, at most one per `progressIntervalMs` of
 * wall time (what a backend bills is writes per real second, not per plan-clock second), and a
 * last write once the interval allows, so an outcome never waits for the next one to be shown.
 *
 * The actions never wait for it. The run pauses it before writing the plan record itself, so
 * the record's own writes are never overtaken by a progress write. A failed write is logged and
 * skipped: progress is for people; the journal is what a resumed attempt trusts.
 */
import type { ExecutionSummary } from '../domain/plan.ts';
import type { Logger } from '../logging.ts';
import type { PlanStore } from '../ports/plan-store.ts';

export class ProgressReporter {
  readonly #plans: Pick<PlanStore, 'writeProgress' | 'progressIntervalMs'>;
  readonly #planId: string;
  readonly #log: Logger;
  readonly #now: () => number;
  /** The counts to show next; the run's own summary, read when the write starts. */
  #latest: ExecutionSummary | undefined;
  /** Something changed since the last write started. */
  #dirty = false;
  #lastStarted = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(plans: Pick<PlanStore, 'writeProgress' | 'progressIntervalMs'>, planId: string, log: Logger, now: () => number = () => performance.now()) {
    this.#plans = plans;
    this.#planId = planId;
    this.#log = log;
    this.#now = now;
  }

  /** The run's counts moved: they are shown now if the interval allows, else as soon as it does. */
  offer(summary: ExecutionSummary): void {
    this.#latest = summary;
    this.#dirty = true;
    this.#schedule();
  }

  /** Stops showing progress until the next offer, once the write in flight (if any) has landed. */
  async pause(): Promise<void> {
    this.#dirty = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  #schedule(): void {
    if (!this.#dirty || this.#inFlight || this.#timer || !this.#latest) return;
    const wait = this.#lastStarted + this.#plans.progressIntervalMs - this.#now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, wait);
      return;
    }
    this.#dirty = false;
    this.#lastStarted = this.#now();
    const { attempt, done, stale, failed } = this.#latest;
    this.#inFlight = this.#plans
      .writeProgress(this.#planId, { attempt, done, stale, failed })
      .catch((error: unknown) =>
        this.#log.warn('the progress of a running plan could not be shown', {
          plan: this.#planId,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
  }
}
