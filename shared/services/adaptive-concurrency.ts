/**
 * How many actions the executor keeps in flight, adapted to what storage answers (AIMD-style).
 *
 * A Cloud Storage bucket starts at roughly 1,000 object writes per second and ramps up as it is
 * used; too few requests in flight leave the executor idling on round trips, too many meet 429
 * and 503 answers. So the limit grows while completions come back as fast as the best seen, and
 * shrinks when they slow down (requests queue somewhere) or storage says it is overloaded:
 *
 * - the controller works in rounds of `limit` completions (about one round trip of work);
 * - a round whose mean latency stays within `1.3×` the baseline (the fastest round seen, which
 *   drifts up 10% a round so a backend that got slower for good is accepted) grows the limit:
 *   doubling until the first sign of congestion ("slow start"), then by an eighth;
 * - a round between `1.3×` and `2×` holds it (and ends slow start);
 * - a round slower than `2×` the baseline shrinks it in proportion, towards the limit at which
 *   latency would be back at `1.3×` (Little's law: with the throughput fixed, requests in
 *   flight scale with latency), by at most half;
 * - a throttling answer (429, 503, or any retryable storage failure) halves it at once, at most
 *   once a round, however many requests in flight meet the same overload. A 429 the adapter
 *   itself retries shows here as latency: its back-off is at least a second.
 *
 * Pure and deterministic: it sees only the samples it is given, never a clock.
 */

export interface ConcurrencyLimits {
  initial: number;
  min: number;
  max: number;
}

/** Latency within this factor of the baseline: room to grow. */
const GROW_BELOW = 1.3;
/** Latency beyond this factor of the baseline: requests are queueing. */
const SHRINK_ABOVE = 2;
/** The most one slow round takes off the limit. */
const MOST_SHRINK_ON_LATENCY = 0.5;
const SHRINK_ON_THROTTLE = 0.5;
const GROWTH_AFTER_SLOW_START = 1 / 8;
/** How fast the baseline follows a backend that became slower for good. */
const BASELINE_DRIFT = 1.1;

export class AdaptiveConcurrency {
  readonly #min: number;
  readonly #max: number;
  #limit: number;
  #slowStart = true;
  #baselineMs: number | undefined;
  #roundCount = 0;
  #roundLatencyMs = 0;
  #throttledThisRound = false;

  constructor(limits: ConcurrencyLimits) {
    this.#min = Math.max(1, Math.floor(limits.min));
    this.#max = Math.max(this.#min, Math.floor(limits.max));
    this.#limit = clamp(limits.initial, this.#min, this.#max);
  }

  /** Actions that may be in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  /** One action finished; `latencyMs` is how long it took from start to answer. */
  completed(latencyMs: number): void {
    this.#roundCount += 1;
    this.#roundLatencyMs += latencyMs;
    if (this.#roundCount >= this.limit) this.#endRound();
  }

  /** Storage answered 429/503 (or failed in a way a retry may fix): back off now. */
  throttled(): void {
    this.#slowStart = false;
    if (this.#throttledThisRound) return;
    this.#throttledThisRound = true;
    this.#limit = clamp(this.#limit * SHRINK_ON_THROTTLE, this.#min, this.#max);
  }

  #endRound(): void {
    const meanMs = this.#roundLatencyMs / this.#roundCount;
    const throttled = this.#throttledThisRound;
    this.#roundCount = 0;
    this.#roundLatencyMs = 0;
    this.#throttledThisRound = false;
    const baseline = this.#baselineMs === undefined ? meanMs : Math.min(meanMs, this.#baselineMs * BASELINE_DRIFT);
    this.#baselineMs = baseline;
    if (throttled) return;
    if (meanMs > baseline * SHRINK_ABOVE) {
      this.#slowStart = false;
      this.#limit = clamp(this.#limit * Math.max(MOST_SHRINK_ON_LATENCY, (baseline * GROW_BELOW) / meanMs), this.#min, this.#max);
    } else if (meanMs > baseline * GROW_BELOW) {
      this.#slowStart = false;
    } else {
      const grown = this.#slowStart ? this.#limit * 2 : this.#limit + Math.max(1, this.#limit * GROWTH_AFTER_SLOW_START);
      this.#limit = clamp(grown, this.#min, this.#max);
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
