/**
 * PlanService and Executor on real adapters, wired as the composition roots wire them but with
 * a queue the bench drains itself, so the executor's time can be measured apart from the
 * proposal and approval. test/support/scenario.ts does the same for the tests; it is not
 * imported because it pulls in vitest's `expect`, which needs the vitest runner.
 */
import { parseConfig } from '../../../shared/config.ts';
import { DEFAULT_POLICY } from '../../../shared/domain/policy.ts';
import { silentLogger } from '../../../shared/logging.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import type { ExecutionMessage, ExecutionQueue } from '../../../shared/ports/execution-queue.ts';
import type { Principal } from '../../../shared/ports/identity.ts';
import type { ObjectStore } from '../../../shared/ports/object-store.ts';
import type { PlanStore } from '../../../shared/ports/plan-store.ts';
import { Executor, type ExecutorOptions } from '../../../shared/services/executor.ts';
import { PlanService } from '../../../shared/services/plan-service.ts';

export const agent: Principal = { id: 'bench-agent@firm.example', roles: ['agent'] };
export const approver: Principal = { id: 'bench-approver@firm.example', roles: ['approver'] };
export const secondApprover: Principal = { id: 'bench-approver2@firm.example', roles: ['approver'] };

/** The executor settings a deployment gets when it sets nothing: the figures are for those. */
export function defaultExecutorOptions(): ExecutorOptions {
  const config = parseConfig({});
  return {
    concurrency: config.BAILIFF_EXECUTOR_CONCURRENCY,
    maxConcurrency: config.BAILIFF_EXECUTOR_MAX_CONCURRENCY,
    budgetMs: config.BAILIFF_EXECUTOR_BUDGET_MS,
    leaseTtlMs: config.BAILIFF_LEASE_TTL_MS,
    journalBatch: config.BAILIFF_JOURNAL_BATCH,
  };
}

export class CollectingQueue implements ExecutionQueue {
  readonly messages: ExecutionMessage[] = [];
  async publish(message: ExecutionMessage): Promise<void> {
    this.messages.push(message);
  }
  async health(): Promise<void> {}
}

export interface Bailiff {
  service: PlanService;
  executor: Executor;
  queue: CollectingQueue;
  plans: PlanStore;
}

export function wireBailiff(ports: { objects: ObjectStore; plans: PlanStore }, executor: Partial<ExecutorOptions> = {}): Bailiff {
  const queue = new CollectingQueue();
  const service = new PlanService({ ...ports, queue, clock: systemClock, policy: DEFAULT_POLICY, logger: silentLogger, options: { approvalTtlMs: 3600_000 } });
  const exec = new Executor({
    ...ports,
    queue,
    clock: systemClock,
    policy: DEFAULT_POLICY,
    logger: silentLogger,
    options: { ...defaultExecutorOptions(), ...executor },
  });
  return { service, executor: exec, queue, plans: ports.plans };
}

export interface MoveSpec {
  source: string;
  destination: string;
}

export function movePlan(caseName: string, moves: readonly MoveSpec[], description = 'bench: file the inbox'): unknown {
  return { case: caseName, description, operations: moves.map((move) => ({ type: 'move', source: move.source, destination: move.destination })) };
}

/** Proposes and approves; throws with the dry run's first errors if the plan is not valid. */
export async function proposeAndApprove(bailiff: Bailiff, body: unknown): Promise<string> {
  const proposed = await bailiff.service.propose(agent, body);
  if (!proposed.report.valid) {
    throw new Error(`bench plan is invalid: ${JSON.stringify(proposed.report.errors.slice(0, 3))}`);
  }
  await approveFully(bailiff, proposed);
  return proposed.plan.id;
}

/** Approves as the approver, and as a second one when the policy asks for two (large removals). */
export async function approveFully(bailiff: Bailiff, proposed: { plan: { id: string; planHash: string }; report: { snapshotHash: string } }): Promise<void> {
  const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
  const first = await bailiff.service.approve(approver, proposed.plan.id, reviewed);
  if (first.decisions.approvals.remaining > 0) await bailiff.service.approve(secondApprover, proposed.plan.id, reviewed);
}

/** Marks the plan queued; the message waits in the collecting queue until `execute`. */
export async function apply(bailiff: Bailiff, planId: string): Promise<void> {
  await bailiff.service.apply(agent, planId);
}

/**
 * Delivers queued messages (continuations included) until none is left, then checks that the
 * plan succeeded. This is the timed part of the execution scenarios.
 */
export async function execute(bailiff: Bailiff, planId: string): Promise<void> {
  for (let rounds = 0; bailiff.queue.messages.length > 0; rounds += 1) {
    if (rounds > 10_000) throw new Error('the execution queue never drained');
    const message = bailiff.queue.messages.shift()!;
    await bailiff.executor.handle(message, { attempt: 1 });
  }
  const plan = await bailiff.plans.getPlan(planId);
  if (plan?.status !== 'succeeded') {
    throw new Error(`bench plan ended ${plan?.status ?? 'missing'}: ${plan?.execution?.lastError ?? 'no error recorded'}`);
  }
}
