/**
 * A PlanStore wrapper for fault injection: it counts the writes a run makes (plan updates,
 * journal and audit appends, lease changes, progress) and "crashes" at a chosen one: that write
 * either never reaches the store or reaches it with its answer lost, and every later call fails
 * as if the process had died. The inner store is always a real adapter.
 */
import { unavailable } from '../../shared/errors.ts';
import type { PlanStore } from '../../shared/ports/plan-store.ts';

const WRITES = new Set<string>([
  'updatePlan',
  'transition',
  'replaceDryRun',
  'appendJournal',
  'appendAudit',
  'acquireLease',
  'renewLease',
  'releaseLease',
  'forceReleaseLease',
  'writeProgress',
]);

export class FaultyPlanStore {
  writes = 0;
  /** Which write each count was, for messages. */
  readonly log: string[] = [];
  readonly store: PlanStore;
  #crashAt: number | undefined;
  #afterSending = false;
  #dead = false;

  constructor(inner: PlanStore) {
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const name = String(property);
        return async (...args: unknown[]) => {
          if (this.#dead) throw unavailable('simulated crash: the process is gone');
          if (!WRITES.has(name)) return (value as (...a: unknown[]) => unknown).apply(target, args);
          this.writes += 1;
          this.log.push(name);
          if (this.writes !== this.#crashAt) return (value as (...a: unknown[]) => unknown).apply(target, args);
          this.#dead = true;
          if (this.#afterSending) await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw unavailable(`simulated crash at ${name}`);
        };
      },
    });
  }

  crashAtWrite(write: number, afterSending: boolean): void {
    this.#crashAt = write;
    this.#afterSending = afterSending;
    this.#dead = false;
    this.writes = 0;
    this.log.length = 0;
  }

  revive(): void {
    this.#crashAt = undefined;
    this.#dead = false;
  }
}
