/**
 * The JSON Lines copies of finished plans' audit records, for people and other tools: in the
 * workspace's system area (`.bailiff/audit/`), or, where configured, in a bucket of their own
 * whose retention policy keeps anyone, administrators included, from rewriting or deleting them
 * before it expires. One owner for what a copy holds and where it goes; `verifyAuditTrail`
 * checks them in the same store.
 */
import { auditObjectName } from '../domain/paths.ts';
import type { PlanRecord } from '../domain/plan.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { PlanStore } from '../ports/plan-store.ts';

export class AuditCopies {
  readonly #plans: PlanStore;
  readonly #store: ObjectStore;

  constructor(plans: PlanStore, store: ObjectStore) {
    this.#plans = plans;
    this.#store = store;
  }

  /**
   * Writes the copies of a finished plan (and of its compensation). A rollback's run adds
   * records to the plan it undoes, whose copy was written when that plan finished: that copy
   * is written again, so every copy still holds all its plan's records. Throws what the store
   * throws; the caller's delivery is then retried and writes them.
   */
  async write(plan: PlanRecord): Promise<void> {
    const ids = [plan.id, ...(plan.execution?.compensation ? [plan.execution.compensation] : []), ...(plan.kind === 'rollback' && plan.rollbackOf ? [plan.rollbackOf] : [])];
    for (const id of ids) {
      const records = await this.#plans.readPlanAudit(id);
      if (records.length === 0) continue;
      const body = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
      await this.#store.write(auditObjectName(plan.case, id), Buffer.from(body), { contentType: 'application/x-ndjson' });
    }
  }

  /** Whether the plan's own copy exists (a finished plan whose copy could not be written lacks it). */
  async exists(plan: PlanRecord): Promise<boolean> {
    return (await this.#store.stat(auditObjectName(plan.case, plan.id))) !== undefined;
  }
}
