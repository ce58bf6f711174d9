/**
 * The JSON Lines copies of finished plans' audit records, for people and other tools: in the
 * workspace's system area (`.bailiff/audit/`), or, where configured, in a bucket of their own
 * whose retention policy keeps anyone, administrators included, from rewriting or deleting them
 * before it expires. One owner for what a copy holds and where it goes; `verifyAuditTrail`
 * checks them in the same store.
 *
 * A copy is created, never replaced: its name states how many records it holds
 * (`auditObjectName`), and a plan's records only grow, so a plan that gains records (a rollback
 * of it ran) gets a further copy beside the earlier ones. A retention policy refuses to
 * overwrite an object, so a copy written twice under one name would fail for ever.
 */
import { auditObjectName } from '../domain/paths.ts';
import type { PlanRecord } from '../domain/plan.ts';
import { isBailiffError } from '../errors.ts';
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
   * records to the plan it undoes, whose copy was written when that plan finished: that plan
   * gets a new copy with all its records. Throws what the store throws; the caller's delivery
   * is then retried and writes them.
   */
  async write(plan: PlanRecord): Promise<void> {
    const ids = [
      plan.id,
      ...(plan.execution?.compensation ? [plan.execution.compensation] : []),
      ...(plan.kind === 'rollback' && plan.rollbackOf ? [plan.rollbackOf] : []),
    ];
    for (const id of ids) {
      const records = await this.#plans.readPlanAudit(id);
      if (records.length === 0) continue;
      const name = auditObjectName(plan.case, id, records.length);
      const body = `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
      try {
        // Created only where nothing is: a copy already there holds these same records.
        await this.#store.write(name, Buffer.from(body), { contentType: 'application/x-ndjson', ifGenerationMatch: '0' });
      } catch (error) {
        // An earlier delivery wrote it (a retention policy may answer an overwrite with object_held).
        const alreadyWritten =
          (isBailiffError(error, 'precondition_failed') || isBailiffError(error, 'object_held')) && (await this.#store.stat(name)) !== undefined;
        if (!alreadyWritten) throw error;
      }
    }
  }

  /** Whether the plan's copy holding all its records exists (a finished plan whose copy could not be written lacks it). */
  async exists(plan: PlanRecord): Promise<boolean> {
    const records = await this.#plans.readPlanAudit(plan.id);
    return records.length === 0 || (await this.#store.stat(auditObjectName(plan.case, plan.id, records.length))) !== undefined;
  }
}
