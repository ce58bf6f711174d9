/**
 * Service-level scenario helpers shared by the fault and end-to-end tests: seed a case, wire
 * PlanService and Executor on a backend, approve plans, deliver queued messages, and take
 * content-hash snapshots of a case to compare object by object.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../shared/domain/policy.ts';
import { silentLogger } from '../../shared/logging.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import type { ExecutionMessage, ExecutionQueue } from '../../shared/ports/execution-queue.ts';
import type { Principal } from '../../shared/ports/identity.ts';
import { listAll, type ObjectStore } from '../../shared/ports/object-store.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';
import { Executor, type ExecutorOptions } from '../../shared/services/executor.ts';
import { PlanService } from '../../shared/services/plan-service.ts';
import { AuditCopies } from '../../shared/services/audit-copies.ts';

export const agent: Principal = { id: 'agent@firm.example', roles: ['agent'] };
export const approver: Principal = { id: 'alice@firm.example', roles: ['approver'] };
export const secondApprover: Principal = { id: 'bob@firm.example', roles: ['approver'] };
export const admin: Principal = { id: 'root@firm.example', roles: ['admin'] };

/**
 * The execution queue as the tests drive it: messages are collected, and the test decides when
 * (and how often) to deliver them, which is how duplicates and redeliveries are staged.
 */
export class CollectingQueue implements ExecutionQueue {
  readonly messages: ExecutionMessage[] = [];
  async publish(message: ExecutionMessage): Promise<void> {
    this.messages.push(message);
  }
  async health(): Promise<void> {}
  take(): ExecutionMessage[] {
    return this.messages.splice(0);
  }
}

/** A clock the test moves by hand (lease expiry, approval windows). */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = Date.parse('2026-11-26T09:00:00Z')) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface Wiring {
  service: PlanService;
  executor: Executor;
  queue: CollectingQueue;
  clock: ManualClock;
}

export function wire(
  ports: { objects: ObjectStore; plans: PlanStore },
  options: {
    policy?: Policy;
    executor?: Partial<ExecutorOptions>;
    executorObjects?: ObjectStore;
    executorPlans?: PlanStore;
    /** A store of their own for the audit copies. */
    auditCopies?: ObjectStore;
  } = {},
): Wiring {
  const queue = new CollectingQueue();
  const clock = new ManualClock();
  const service = new PlanService({
    ...ports,
    queue,
    clock,
    policy: options.policy ?? DEFAULT_POLICY,
    logger: silentLogger,
    options: { approvalTtlMs: 3600_000 },
    ...(options.auditCopies ? { auditCopies: options.auditCopies } : {}),
  });
  const executor = new Executor({
    plans: options.executorPlans ?? ports.plans,
    objects: options.executorObjects ?? ports.objects,
    queue,
    clock,
    policy: options.policy ?? DEFAULT_POLICY,
    logger: silentLogger,
    options: { concurrency: 8, budgetMs: 60_000, leaseTtlMs: 30_000, journalBatch: 16, ...options.executor },
    ...(options.auditCopies ? { auditCopies: new AuditCopies(ports.plans, options.auditCopies) } : {}),
  });
  return { service, executor, queue, clock };
}

export async function seed(objects: ObjectStore, caseName: string, files: Record<string, string>): Promise<void> {
  await Promise.all(Object.entries(files).map(([path, content]) => objects.write(`projects/${caseName}/${path}`, Buffer.from(content))));
}

/** path → sha256 of content, for every object of the case. */
export async function snapshot(objects: ObjectStore, caseName: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for await (const page of listAll(objects, `projects/${caseName}/`)) {
    for (const object of page.objects) {
      const content = await objects.read(object.name);
      result.set(object.name.slice(`projects/${caseName}/`.length), createHash('sha256').update(content).digest('hex').slice(0, 16));
    }
  }
  return new Map([...result].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Proposes as the agent and approves as the approver; fails the test if the dry run had errors. */
export async function proposeApproved(wiring: Wiring, body: unknown): Promise<string> {
  const proposed = await wiring.service.propose(agent, body);
  expect(proposed.report.errors).toEqual([]);
  const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
  let approved = await wiring.service.approve(approver, proposed.plan.id, reviewed);
  // Large removals need a second person under the default policy.
  if (approved.decisions.approvals.remaining > 0) approved = await wiring.service.approve(secondApprover, proposed.plan.id, reviewed);
  expect(approved.plan.status).toBe('approved');
  return proposed.plan.id;
}

/** Delivers queued messages (and those they cause) until the queue is empty. */
export async function drain(wiring: Wiring, limit = 1000): Promise<void> {
  for (let round = 0; round < limit; round += 1) {
    const batch = wiring.queue.take();
    if (batch.length === 0) return;
    for (const message of batch) await wiring.executor.handle(message);
  }
  throw new Error('queue did not drain');
}

export async function applyAndRun(wiring: Wiring, principal: Principal, planId: string) {
  await wiring.service.apply(principal, planId);
  await drain(wiring);
  return wiring.service.get(principal, planId);
}
