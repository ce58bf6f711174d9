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
    expect([round(controller, 40), round(controller, 40), round(controller, 41), round(controller, 40), round(controller, 40), round(controller, 40)]).toEqual([16, 32, 64, 128, 128, 128]);
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
