/**
 * Records every change of the adaptive concurrency limit while a scenario runs, so the bench can
 * show what the controller did round by round (its starting point, each change, and when). It
 * wraps the controller's methods on its prototype for the bench process only; the controller
 * itself knows nothing of it.
 */
import { AdaptiveConcurrency } from '../../../shared/services/adaptive-concurrency.ts';

export interface LimitChange {
  /** ms since the log started */
  atMs: number;
  limit: number;
}

export interface LimitLog {
  changes: LimitChange[];
  stop(): LimitChange[];
}

export function logLimitChanges(): LimitLog {
  const proto = AdaptiveConcurrency.prototype as unknown as Record<'completed' | 'throttled', (...args: unknown[]) => void>;
  const originals = { completed: proto.completed, throttled: proto.throttled };
  const t0 = performance.now();
  const changes: LimitChange[] = [];
  const seen = new WeakMap<object, number>();
  for (const method of ['completed', 'throttled'] as const) {
    const original = originals[method];
    proto[method] = function (this: AdaptiveConcurrency, ...args: unknown[]) {
      const before = seen.get(this) ?? this.limit;
      if (!seen.has(this)) changes.push({ atMs: performance.now() - t0, limit: before });
      original.apply(this, args);
      if (this.limit !== before) changes.push({ atMs: performance.now() - t0, limit: this.limit });
      seen.set(this, this.limit);
    };
  }
  return {
    changes,
    stop() {
      proto.completed = originals.completed;
      proto.throttled = originals.throttled;
      return changes;
    },
  };
}

/** `32 → 64 (0.21 s) → 128 (0.45 s)`. */
export function describeLimitChanges(changes: readonly LimitChange[]): string {
  return changes.map((change, i) => (i === 0 ? String(change.limit) : `${change.limit} (${(change.atMs / 1000).toFixed(2)} s)`)).join(' → ');
}
