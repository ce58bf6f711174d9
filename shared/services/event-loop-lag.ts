/**
 * Samples how late this process's timers fire while a batch of actions runs: the time a finished
 * storage request also waits before its callback runs, because the event loop is busy (this
 * process's own work, or a neighbour taking the core). Adaptive concurrency takes it off the
 * latency it judges storage by (see adaptive-concurrency.ts).
 */

/** Often enough for a round (about one storage round trip) to see several samples. */
const SAMPLE_EVERY_MS = 10;

export interface LagSampler {
  stop(): void;
}

export function sampleEventLoopLag(onSample: (lagMs: number) => void): LagSampler {
  let expected = performance.now() + SAMPLE_EVERY_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    onSample(Math.max(0, now - expected));
    expected = now + SAMPLE_EVERY_MS;
  }, SAMPLE_EVERY_MS);
  // A sampler never keeps a process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
