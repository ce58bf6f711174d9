/**
 * Records every call made through a port (its method, start and end), so a scenario can say
 * where an execution's wall time went, phase by phase. Calls made one after another add up;
 * calls that overlap (the actions in flight) count once, as the union of their intervals.
 */
export interface Call {
  port: string;
  method: string;
  start: number;
  end: number;
  /** What the call was about, when the wrapper was told how to tell (a plan, a case). */
  key?: string;
}

export class CallTimeline {
  calls: Call[] = [];

  /** The same object, every method call recorded under `port`; `keyOf` names what a call was about. */
  wrap<T extends object>(port: string, target: T, keyOf?: (method: string, args: unknown[]) => string | undefined): T {
    const calls = () => this.calls;
    return new Proxy(target, {
      get(inner, property, receiver) {
        const value = Reflect.get(inner, property, receiver) as unknown;
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          const start = performance.now();
          const result = (value as (...a: unknown[]) => unknown).apply(inner, args);
          if (!(result instanceof Promise)) return result;
          const key = keyOf?.(property, args);
          return result.finally(() => calls().push({ port, method: property, start, end: performance.now(), ...(key !== undefined ? { key } : {}) }));
        };
      },
    });
  }

  reset(): void {
    this.calls = [];
  }
}

/** Milliseconds covered by at least one of the calls (overlapping calls count once). */
export function wallMs(calls: readonly Call[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let total = 0;
  let coveredUntil = -Infinity;
  for (const call of sorted) {
    const start = Math.max(call.start, coveredUntil);
    if (call.end > start) total += call.end - start;
    coveredUntil = Math.max(coveredUntil, call.end);
  }
  return total;
}
