/**
 * Notifications without touching the lifecycle code: a PlanStore decorator that, after an
 * audit append (or a transition with its records) is stored, hands the appended `plan.*` records to a PlanEventPublisher — and
 * does not wait for the delivery. Every transition already appends its audit record through
 * `appendAudit`, so this is the one place events come from, and a slow or failing receiver
 * can neither fail nor delay a transition.
 */
import type { Action } from '../domain/actions.ts';
import type { AuditEventInput, AuditRecord } from '../domain/audit.ts';
import type { DryRunReport, Operation, PlanRecord, PlanStatus } from '../domain/plan.ts';
import { planEventFromAudit } from '../domain/plan-events.ts';
import type { Logger } from '../logging.ts';
import type { PlanEventPublisher } from '../ports/plan-event-publisher.ts';
import type { AuditChainHead, ExecutionProgress, JournalEntry, Lease, LeaseAcquisition, PlanPage, PlanQuery, PlanStore } from '../ports/plan-store.ts';
import type { AuditHeadSigner } from '../ports/audit-head-signer.ts';

export interface PlanEventNotifierOptions {
  publisher: PlanEventPublisher;
  /** Base of the console links in events: the api's public address. */
  consoleBase: string;
  logger: Logger;
}

/** Wraps `store` so that stored `plan.*` audit records are published, never awaited. */
export class NotifyingPlanStore implements PlanStore {
  readonly #store: PlanStore;
  readonly #options: PlanEventNotifierOptions;

  constructor(store: PlanStore, options: PlanEventNotifierOptions) {
    this.#store = store;
    this.#options = options;
  }

  async appendAudit(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    const records = await this.#store.appendAudit(events);
    for (const record of records) this.#notify(record);
    return records;
  }

  async transition(
    id: string,
    expectedRevision: number,
    patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = await this.#store.transition(id, expectedRevision, patch, events);
    for (const record of result.records) this.#notify(record);
    return result;
  }

  #notify(record: AuditRecord): void {
    try {
      const event = planEventFromAudit(record, this.#options.consoleBase);
      if (!event) return;
      this.#options.publisher.publish(event).catch((error: unknown) => {
        this.#options.logger.warn('a plan event could not be delivered', { error, plan: event.subject, case: event.data.case, type: event.type });
      });
    } catch (error) {
      this.#options.logger.warn('a plan event could not be built', { error, plan: record.planId, case: record.chain });
    }
  }

  createPlan(plan: PlanRecord, operations: readonly Operation[], actions: readonly Action[]): Promise<void> {
    return this.#store.createPlan(plan, operations, actions);
  }
  getPlan(id: string): Promise<PlanRecord | undefined> {
    return this.#store.getPlan(id);
  }
  listPlans(query: PlanQuery): Promise<PlanPage> {
    return this.#store.listPlans(query);
  }
  updatePlan(id: string, expectedRevision: number, patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>): Promise<PlanRecord> {
    return this.#store.updatePlan(id, expectedRevision, patch);
  }
  writeProgress(id: string, progress: ExecutionProgress): Promise<void> {
    return this.#store.writeProgress(id, progress);
  }
  get progressIntervalMs(): number {
    return this.#store.progressIntervalMs;
  }
  async replaceDryRun(
    id: string,
    expectedRevision: number,
    report: DryRunReport,
    actions: readonly Action[],
    patch: Partial<PlanRecord>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = await this.#store.replaceDryRun(id, expectedRevision, report, actions, patch, events);
    for (const record of result.records) this.#notify(record);
    return result;
  }
  countPlansByAuthor(author: string, statuses: readonly PlanStatus[]): Promise<number> {
    return this.#store.countPlansByAuthor(author, statuses);
  }
  readOperations(id: string, offset: number, limit: number): Promise<Operation[]> {
    return this.#store.readOperations(id, offset, limit);
  }
  readActions(id: string, offset: number, limit: number): Promise<Action[]> {
    return this.#store.readActions(id, offset, limit);
  }
  appendJournal(id: string, entries: readonly JournalEntry[]): Promise<void> {
    return this.#store.appendJournal(id, entries);
  }
  readJournal(id: string, offset: number, limit: number): Promise<JournalEntry[]> {
    return this.#store.readJournal(id, offset, limit);
  }
  readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.#store.readAuditChain(chain, afterSeq, limit);
  }
  readPlanAudit(planId: string): Promise<AuditRecord[]> {
    return this.#store.readPlanAudit(planId);
  }
  listAuditChains(): Promise<AuditChainHead[]> {
    return this.#store.listAuditChains();
  }
  readAuditHead(chain: string): Promise<AuditChainHead | undefined> {
    return this.#store.readAuditHead(chain);
  }
  get auditHeadSigner(): AuditHeadSigner | undefined {
    return this.#store.auditHeadSigner;
  }
  acquireLease(request: { case: string; planId: string; owner: string; ttlMs: number; now: Date }): Promise<LeaseAcquisition> {
    return this.#store.acquireLease(request);
  }
  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease> {
    return this.#store.renewLease(lease, ttlMs, now);
  }
  releaseLease(lease: Lease): Promise<void> {
    return this.#store.releaseLease(lease);
  }
  getLease(caseName: string): Promise<Lease | undefined> {
    return this.#store.getLease(caseName);
  }
  forceReleaseLease(caseName: string): Promise<Lease | undefined> {
    return this.#store.forceReleaseLease(caseName);
  }
  health(): Promise<void> {
    return this.#store.health();
  }
}
