import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from './adaptive-concurrency.ts';

/** Feeds one full round of completions at `latencyMs` each; returns the limit after it. */
function round(controller: AdaptiveConcurrency, latencyMs: number): number {
  const size = controller.limit;
  for (let i = 0; i < size; i += 1) controller.completed(latencyMs);
  return controller.limit;
}

describe('AdaptiveConcurrency', () => {
  it('starts at the initial limit, clamped to its bounds', () => {
    expect(new AdaptiveConcurrency({ initial: 32, min: 1, max: 128 }).limit).toBe(32);
    expect(new AdaptiveConcurrency({ initial: 500, min: 1, max: 128 }).limit).toBe(128);
    expect(new AdaptiveConcurrency({ initial: 0, min: 2, max: 128 }).limit).toBe(2);
  });

  it('doubles while latency holds, up to its ceiling, and stays there', () => {
    const controller = new AdaptiveConcurrency({ initial: 8, min: 1, max: 128 });
    expect([round(controller, 40), round(controller, 40), round(controller, 41), round(controller, 40), round(controller, 40), round(controller, 40)]).toEqual([
      16, 32, 64, 128, 128, 128,
    ]);
  });

  it('decides only at the end of a round of `limit` completions', () => {
    const controller = new AdaptiveConcurrency({ initial: 4, min: 1, max: 128 });
    for (let i = 0; i < 3; i += 1) controller.completed(40);
    expect(controller.limit).toBe(4);
    controller.completed(40);
    expect(controller.limit).toBe(8);
  });

  it('shrinks in proportion when latency more than doubles (requests queue), then grows by an eighth, not by doubling', () => {
    const controller = new AdaptiveConcurrency({ initial: 64, min: 1, max: 128 });
    round(controller, 40); // baseline 40 ms; slow start: 128
    expect(controller.limit).toBe(128);
    // The baseline drifts to 44 ms; 128 × (44 × 1.3 / 100) = 73.2; slow start is over.
    expect(round(controller, 100)).toBe(73);
    expect(round(controller, 40)).toBe(82); // + 73.2 / 8
    expect(round(controller, 40)).toBe(92);
  });

  it('takes at most half off for one slow round', () => {
    const controller = new AdaptiveConcurrency({ initial: 64, min: 1, max: 128 });
    round(controller, 10);
    expect(round(controller, 1000)).toBe(64); // 128 halved, not 128 × 0.013
  });

  it('holds between growing and shrinking, and stops doubling there', () => {
    const controller = new AdaptiveConcurrency({ initial: 16, min: 1, max: 128 });
    round(controller, 40);
    expect(controller.limit).toBe(32);
    expect(round(controller, 70)).toBe(32); // 1.75× the baseline: neither
    expect(round(controller, 40)).toBe(36); // slow start is over: + 32 / 8
  });

  it('halves at once on a throttling answer, once per round however many requests meet it', () => {
    const controller = new AdaptiveConcurrency({ initial: 64, min: 1, max: 128 });
    controller.throttled();
    controller.throttled();
    controller.throttled();
    expect(controller.limit).toBe(32);
    // The round in which it was throttled ends without growing.
    for (let i = 0; i < 32; i += 1) controller.completed(40);
    expect(controller.limit).toBe(32);
    // The next throttle in a new round halves again; then growth is additive.
    controller.throttled();
    expect(controller.limit).toBe(16);
    expect(round(controller, 40)).toBe(16); // the throttled round: no growth
    expect(round(controller, 40)).toBe(18); // then an eighth: 16 + 2
  });

  it('never goes below its floor', () => {
    const controller = new AdaptiveConcurrency({ initial: 4, min: 2, max: 128 });
    for (let i = 0; i < 5; i += 1) {
      controller.throttled();
      round(controller, 40);
    }
    expect(controller.limit).toBeGreaterThanOrEqual(2);
    controller.throttled();
    expect(controller.limit).toBe(2);
  });

  it('accepts a backend that became slower for good: the baseline drifts up and growth resumes', () => {
    const controller = new AdaptiveConcurrency({ initial: 16, min: 1, max: 128 });
    round(controller, 10); // baseline 10 ms; 32
    const limits: number[] = [];
    for (let i = 0; i < 20; i += 1) limits.push(round(controller, 30));
    // First it backs off (3× the baseline), later it grows again at the new latency.
    expect(Math.min(...limits)).toBeLessThan(32);
    expect(limits.at(-1)!).toBeGreaterThan(Math.min(...limits));
  });

  it('with a fixed range (min = max), never moves', () => {
    const controller = new AdaptiveConcurrency({ initial: 1, min: 1, max: 1 });
    round(controller, 5);
    controller.throttled();
    round(controller, 500);
    expect(controller.limit).toBe(1);
  });
});

/**
 * A small discrete-event model of the executor on a machine: `limit` actions in flight; each
 * spends `storageMs(now, inFlight)` in storage, then its completion waits for the event loop.
 * The loop is one CPU that spends `cpuMs(now)` on each completion (a neighbour on the same core
 * makes it slower) plus a scheduling delay `lagMs(now)` while the process is not running. The
 * executor's lag sampler sees the wait for the loop (`reportedLag` of it: a timer is an estimate).
 */
interface Machine {
  storageMs(now: number, inFlight: number): number;
  cpuMs?(now: number): number;
  lagMs?(now: number): number;
  reportedLag?: number;
}

function simulate(controller: AdaptiveConcurrency, machine: Machine, actions: number): { limits: number[]; times: number[]; finishedAt: number } {
  const pending: Array<{ started: number; storageDone: number }> = [];
  let now = 0;
  let inFlight = 0;
  let started = 0;
  let cpuFree = 0;
  const limits: number[] = [];
  const times: number[] = [];
  const start = () => {
    while (inFlight < controller.limit && started < actions) {
      const storageDone = now + machine.storageMs(now, inFlight + 1);
      const at = pending.findIndex((p) => p.storageDone > storageDone);
      pending.splice(at === -1 ? pending.length : at, 0, { started: now, storageDone });
      inFlight += 1;
      started += 1;
    }
  };
  start();
  while (pending.length > 0) {
    const next = pending.shift()!;
    const wait = Math.max(0, cpuFree - next.storageDone);
    cpuFree = next.storageDone + wait + (machine.cpuMs?.(next.storageDone) ?? 0);
    const lag = machine.lagMs?.(next.storageDone) ?? 0;
    now = Math.max(now, cpuFree + lag);
    controller.eventLoopLag((wait + lag) * (machine.reportedLag ?? 1));
    controller.completed(now - next.started, now);
    inFlight -= 1;
    limits.push(controller.limit);
    times.push(now);
    start();
  }
  return { limits, times, finishedAt: now };
}

/** The limits seen after time `from` (ms). */
function limitsAfter(run: { limits: number[]; times: number[] }, from: number): number[] {
  return run.limits.filter((_, i) => run.times[i]! >= from);
}

describe('AdaptiveConcurrency on a busy machine', () => {
  const fortyMs = () => 40;

  it('grows to its ceiling on storage with a fixed round trip and an idle CPU', () => {
    const controller = new AdaptiveConcurrency({ initial: 32, min: 1, max: 128 });
    const run = simulate(controller, { storageMs: fortyMs }, 3000);
    expect(run.limits.at(-1)).toBe(128);
  });

  it('does not shrink when its own event loop is delayed (CPU contention), storage latency unchanged', () => {
    const controller = new AdaptiveConcurrency({ initial: 32, min: 1, max: 128 });
    // From 300 ms on, a neighbour takes the core: every completion waits 60–140 ms for the loop.
    const busy = (now: number) => (now >= 300 ? 60 + ((now * 7) % 80) : 0);
    const run = simulate(controller, { storageMs: fortyMs, lagMs: busy }, 6000);
    expect(limitsAfter(run, 300)[0]).toBe(128);
    expect(Math.min(...limitsAfter(run, 300))).toBe(128);
  });

  it('cuts at most once when a saturated CPU holds throughput and the lag is under-reported', () => {
    const controller = new AdaptiveConcurrency({ initial: 32, min: 1, max: 128 });
    // Each completion costs 0.5 ms of CPU, 2 ms once a neighbour halves the core (from 300 ms):
    // at 128 in flight the loop queue, not storage, is the wait; the sampler sees a quarter of it.
    // The round in which the CPU slows loses throughput, and is cut; the rounds after keep it.
    const run = simulate(controller, { storageMs: fortyMs, cpuMs: (now) => (now >= 300 ? 2 : 0.5), reportedLag: 0.25 }, 6000);
    expect(limitsAfter(run, 300)[0]).toBe(128);
    expect(Math.min(...limitsAfter(run, 300))).toBe(64);
  });

  it('shrinks when storage truly slows down (its latency rises and throughput falls), lag or not', () => {
    for (const lagMs of [undefined, () => 5]) {
      const controller = new AdaptiveConcurrency({ initial: 32, min: 1, max: 128 });
      const storageMs = (now: number) => (now >= 300 ? 200 : 40);
      const run = simulate(controller, { storageMs, lagMs }, 6000);
      expect(limitsAfter(run, 300)[0]).toBe(128);
      expect(Math.min(...limitsAfter(run, 300))).toBeLessThanOrEqual(64);
    }
  });

  it('keeps growing while an increase still buys throughput, though latency sits between 1.3× and 2× the baseline', () => {
    const controller = new AdaptiveConcurrency({ initial: 8, min: 1, max: 128 });
    // After the first round every completion waits 20 ms that the sampler does not see.
    const run = simulate(controller, { storageMs: fortyMs, lagMs: (now) => (now >= 45 ? 20 : 0), reportedLag: 0 }, 6000);
    expect(run.limits.at(-1)).toBe(128);
  });
});
