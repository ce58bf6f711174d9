/**
 * What a plan run needs from the executor that delivers it: the stores, the options, the shared
 * concurrency limit, and how to word an audit record. Kept apart so the executor, the run, and
 * the compensation nested in it all depend on it rather than on each other.
 */
import type { AuditEventInput, AuditEventType } from '../domain/audit.ts';
import type { Policy } from '../domain/policy.ts';
import type { PlanRecord } from '../domain/plan.ts';
import type { Clock } from '../ports/clock.ts';
import type { ExecutionQueue } from '../ports/execution-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { PlanStore } from '../ports/plan-store.ts';
import type { AdaptiveConcurrency } from './adaptive-concurrency.ts';
import type { DryRunner } from './dry-run.ts';

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

/** The actor of the records the executor writes, and the author of the compensation plans it makes. */
export const SYSTEM_ACTOR = 'bailiff-executor';

/** What a plan run needs from its executor. */
export interface RunContext {
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
