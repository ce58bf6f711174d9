/**
 * A PlanStore wrapper that adds up the wall time spent in each method. The executor calls its
 * PlanStore between batches of storage work, one call at a time, so the sum is the time the
 * execution waited on its state store: the difference between the Firestore and SQLite runs.
 */
import type { PlanStore } from '../../../shared/ports/plan-store.ts';
import { firestoreCounts } from './firestore-counter.ts';

export interface MethodTiming {
  calls: number;
  ms: number;
  /**
   * Firestore documents billed while the call ran. Exact when calls do not overlap, which holds
   * for the executor's and the service's own calls (each is awaited before the next).
   */
  reads: number;
  writes: number;
}

export class PlanStoreTimer {
  readonly timings = new Map<string, MethodTiming>();
  readonly store: PlanStore;

  constructor(inner: PlanStore) {
    const timings = this.timings;
    this.store = new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          const before = firestoreCounts();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            const after = firestoreCounts();
            const timing = timings.get(property) ?? { calls: 0, ms: 0, reads: 0, writes: 0 };
            timing.calls += 1;
            timing.ms += performance.now() - started;
            timing.reads += after.reads - before.reads;
            timing.writes += after.writes + after.deletes - before.writes - before.deletes;
            timings.set(property, timing);
          }
        };
      },
    });
  }

  reset(): void {
    this.timings.clear();
  }

  totalMs(): number {
    let total = 0;
    for (const timing of this.timings.values()) total += timing.ms;
    return total;
  }

  /** `method calls× → writes, reads` for every method that wrote or read Firestore documents. */
  documents(): string {
    return [...this.timings.entries()]
      .filter(([, timing]) => timing.writes > 0 || timing.reads > 0)
      .sort((a, b) => b[1].writes - a[1].writes)
      .map(([method, timing]) => `${method} ${timing.calls}× → ${timing.writes} writes, ${timing.reads} reads`)
      .join('; ');
  }

  /** `method calls×, ms` for the heaviest methods. */
  summary(top = 5): string {
    return [...this.timings.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([method, timing]) => `${method} ${timing.calls}× ${(timing.ms / 1000).toFixed(2)} s`)
      .join(', ');
  }
}
