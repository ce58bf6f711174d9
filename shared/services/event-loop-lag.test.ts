import { describe, expect, it } from 'vitest';
import { sampleEventLoopLag } from './event-loop-lag.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sampleEventLoopLag', () => {
  it('reports how long the loop was blocked, and nothing after it is stopped', async () => {
    const samples: number[] = [];
    const sampler = sampleEventLoopLag((lagMs) => samples.push(lagMs));
    await pause(30);
    const blockedUntil = performance.now() + 80;
    while (performance.now() < blockedUntil) {
      // the event loop is busy: no timer can fire
    }
    await pause(30);
    sampler.stop();
    expect(Math.max(...samples)).toBeGreaterThanOrEqual(60);
    const seen = samples.length;
    await pause(40);
    expect(samples.length).toBe(seen);
  });
});
