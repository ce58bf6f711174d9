/**
 * How many actions the executor keeps in flight, adapted to what storage answers (AIMD-style).
 *
 * A Cloud Storage bucket starts at roughly 1,000 object writes per second and ramps up as it is
 * used; too few requests in flight leave the executor idling on round trips, too many meet 429
 * and 503 answers. So the limit grows while completions come back as fast as the best seen, and
 * shrinks when storage slows down (requests queue there) or says it is overloaded:
 *
 * - the controller works in rounds of `limit` completions (about one round trip of work);
 * - a round's latency is storage's, not the executor's own: the time a finished request waits for
 *   a busy event loop (CPU contention, in this process or from a neighbour on the same core) is
 *   in every measured latency, so the mean event-loop lag sampled during the round
 *   (`eventLoopLag`) is taken off the round's mean latency. Backing off would not give that time
 *   back, and on a busy machine it would give away most of storage's throughput;
 * - a round whose latency stays within `1.3×` the baseline (the fastest round seen, which drifts
 *   up 10% a round so a backend that got slower for good is accepted) grows the limit: doubling
 *   until the first sign of congestion ("slow start"), then by an eighth; unless the increase
 *   that led to this round bought no throughput (less than 3% more): then it holds a round, as
 *   more in flight would only wait longer somewhere;
 * - a round between `1.3×` and `2×` holds it (and ends slow start), unless the last increase
 *   raised the round's throughput by a tenth or more: concurrency is still buying work, so it
 *   grows by an eighth;
 * - a round slower than `2×` the baseline shrinks it in proportion, towards the limit at which
 *   latency would be back at `1.3×` (Little's law: with the throughput fixed, requests in
 *   flight scale with latency), by at most half; but only when the round's throughput (its
 *   completions over the wall time they spanned) fell below nine tenths of the round before's.
 *   A latency rise that cost no throughput came from somewhere shrinking cannot fix (a CPU the
 *   lag measure under-reports; it is an estimate, this is its backstop); one that did is met
 *   with one cut, and the next round, at the lower limit, judges again;
 * - after a cut, completions of actions started before it are not counted: they measure the
 *   load of the old limit, and counting them would cut again and again in quick small rounds;
 * - a throttling answer (429, 503, or any retryable storage failure) halves it at once, at most
 *   once a round, however many requests in flight meet the same overload. A 429 the adapter
 *   itself retries shows here as latency: its back-off is at least a second.
 *
 * Pure and deterministic: it sees only the samples it is given, never a clock. Completions
 * given without a time have no throughput; their rounds are judged on latency alone.
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
/**
 * The lag correction never takes a round's latency below this share of what was measured: lag
 * samples far above the latency (one long pause) must not set an absurdly low baseline.
 */
const LEAST_STORAGE_SHARE = 0.25;
/** A round keeping this share of the round before's throughput has lost nothing to queueing. */
const THROUGHPUT_HELD = 0.9;
/** An increase that raised throughput by this factor earns another. */
const THROUGHPUT_GAINED = 1.1;
/** An increase that raised throughput by less bought nothing: hold a round, whatever latency says. */
const THROUGHPUT_GAIN_NOTICED = 1.03;

export class AdaptiveConcurrency {
  readonly #min: number;
  readonly #max: number;
  #limit: number;
  #slowStart = true;
  #baselineMs: number | undefined;
  #roundCount = 0;
  #roundLatencyMs = 0;
  #roundLagMs = 0;
  #roundLagSamples = 0;
  /** The earliest start of an action completed this round (ms, the caller's clock). */
  #roundStartMs: number | undefined;
  #roundEndMs: number | undefined;
  #previousRoundEndMs: number | undefined;
  #throttledThisRound = false;
  #previous: { limit: number; throughput: number | undefined } | undefined;
  /** The latest completion time seen; actions started before `#cutAtMs` are not counted. */
  #latestMs: number | undefined;
  #cutAtMs: number | undefined;

  constructor(limits: ConcurrencyLimits) {
    this.#min = Math.max(1, Math.floor(limits.min));
    this.#max = Math.max(this.#min, Math.floor(limits.max));
    this.#limit = clamp(limits.initial, this.#min, this.#max);
  }

  /** Actions that may be in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  /**
   * One action finished; `latencyMs` is how long it took from start to answer, `atMs` when it
   * finished (any monotonic clock in ms, the same for every call).
   */
  completed(latencyMs: number, atMs?: number): void {
    if (atMs !== undefined) {
      this.#latestMs = Math.max(atMs, this.#latestMs ?? atMs);
      if (this.#cutAtMs !== undefined && atMs - latencyMs < this.#cutAtMs) return;
    }
    this.#roundCount += 1;
    this.#roundLatencyMs += latencyMs;
    if (atMs !== undefined) {
      const start = Math.max(atMs - latencyMs, this.#previousRoundEndMs ?? -Infinity);
      this.#roundStartMs = Math.min(start, this.#roundStartMs ?? start);
      this.#roundEndMs = Math.max(atMs, this.#roundEndMs ?? atMs);
    }
    if (this.#roundCount >= this.limit) this.#endRound();
  }

  /** How late a timer of this process fired (ms): the executor's own delay, not storage's. */
  eventLoopLag(lagMs: number): void {
    if (!(lagMs >= 0)) return;
    this.#roundLagMs += lagMs;
    this.#roundLagSamples += 1;
  }

  /** Storage answered 429/503 (or failed in a way a retry may fix): back off now. */
  throttled(): void {
    this.#slowStart = false;
    if (this.#throttledThisRound) return;
    this.#throttledThisRound = true;
    this.#cut(SHRINK_ON_THROTTLE);
  }

  #cut(factor: number): void {
    this.#limit = clamp(this.#limit * factor, this.#min, this.#max);
    this.#cutAtMs = this.#latestMs;
  }

  #endRound(): void {
    const measuredMs = this.#roundLatencyMs / this.#roundCount;
    const lagMs = this.#roundLagSamples > 0 ? this.#roundLagMs / this.#roundLagSamples : 0;
    const meanMs = Math.max(measuredMs - lagMs, measuredMs * LEAST_STORAGE_SHARE);
    const spanMs = this.#roundStartMs !== undefined && this.#roundEndMs !== undefined ? this.#roundEndMs - this.#roundStartMs : undefined;
    const throughput = spanMs !== undefined && spanMs > 0 ? this.#roundCount / spanMs : undefined;
    const throttled = this.#throttledThisRound;
    const limitThisRound = this.#limit;
    const previous = this.#previous;
    this.#previousRoundEndMs = this.#roundEndMs ?? this.#previousRoundEndMs;
    this.#roundCount = 0;
    this.#roundLatencyMs = 0;
    this.#roundLagMs = 0;
    this.#roundLagSamples = 0;
    this.#roundStartMs = undefined;
    this.#roundEndMs = undefined;
    this.#throttledThisRound = false;
    const baseline = this.#baselineMs === undefined ? meanMs : Math.min(meanMs, this.#baselineMs * BASELINE_DRIFT);
    this.#baselineMs = baseline;
    this.#previous = { limit: limitThisRound, throughput };
    if (throttled) return;
    const throughputHeld = throughput !== undefined && previous?.throughput !== undefined && throughput >= previous.throughput * THROUGHPUT_HELD;
    const increased = throughput !== undefined && previous?.throughput !== undefined && limitThisRound > previous.limit;
    const increasePaid = increased && throughput >= previous.throughput! * THROUGHPUT_GAINED;
    const increaseWasted = increased && throughput < previous.throughput! * THROUGHPUT_GAIN_NOTICED;
    if (meanMs > baseline * SHRINK_ABOVE) {
      this.#slowStart = false;
      if (throughputHeld) return;
      this.#cut(Math.max(MOST_SHRINK_ON_LATENCY, (baseline * GROW_BELOW) / meanMs));
    } else if (meanMs > baseline * GROW_BELOW) {
      this.#slowStart = false;
      if (increasePaid) this.#limit = clamp(this.#limit + Math.max(1, this.#limit * GROWTH_AFTER_SLOW_START), this.#min, this.#max);
    } else if (increaseWasted) {
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
