/**
 * The in-process queue's Pub/Sub-like delivery: retries with doubling backoff, a bounded
 * number of attempts, concurrency, delays, and a shutdown that neither hangs nor redelivers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isBailiffError } from '../../errors.ts';
import { createLogger } from '../../logging.ts';
import type { ExecutionMessage } from '../../ports/execution-queue.ts';
import { InProcessExecutionQueue } from './in-process-queue.ts';

const message = (planId: string, attempt = 1): ExecutionMessage => ({ version: 1, planId, reason: 'apply', attempt });

const queues: InProcessExecutionQueue[] = [];
function newQueue(options: ConstructorParameters<typeof InProcessExecutionQueue>[0] = {}): InProcessExecutionQueue {
  const queue = new InProcessExecutionQueue(options);
  queues.push(queue);
  return queue;
}
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
});

describe('InProcessExecutionQueue', () => {
  it('delivers a published message once when the handler succeeds', async () => {
    const queue = newQueue();
    const seen: Array<[ExecutionMessage, number]> = [];
    queue.subscribe(async (received, delivery) => {
      seen.push([received, delivery.attempt]);
    });
    await queue.publish(message('plan-1'));
    await queue.idle();
    expect(seen).toEqual([[message('plan-1'), 1]]);
  });

  it('redelivers with doubling backoff until the handler succeeds', async () => {
    const lines: string[] = [];
    const queue = newQueue({ minBackoffMs: 20, maxBackoffMs: 50, logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }) });
    const times: number[] = [];
    queue.subscribe(async () => {
      times.push(performance.now());
      if (times.length < 4) throw new Error('storage hiccup');
    });
    await queue.publish(message('plan-1'));
    await queue.idle();
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((time, i) => time - (times[i] ?? 0));
    // 20, 40, then capped at 50: as scheduled, and as waited (timers may fire late, never early;
    // how late depends on the machine's load, so the cap is read from the schedule, not the clock).
    const scheduled = lines.map((line) => JSON.parse(line) as { backoffMs?: number }).map((entry) => entry.backoffMs);
    expect(scheduled).toEqual([20, 40, 50]);
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(49);
  });

  it('dead-letters a message after maxAttempts failures, logs it, and keeps it until the sweep acknowledges it', async () => {
    const lines: string[] = [];
    const queue = newQueue({ minBackoffMs: 1, maxBackoffMs: 2, maxAttempts: 3, logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }) });
    let calls = 0;
    queue.subscribe(async () => {
      calls += 1;
      throw new Error('permanently broken');
    });
    await queue.publish(message('plan-doomed'));
    await queue.idle();
    expect(calls).toBe(3);
    const drop = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.severity === 'ERROR');
    expect(drop?.message).toMatch(/dead-lettered/);
    expect(drop?.['logging.googleapis.com/labels']).toEqual({ plan: 'plan-doomed' });
    const [letter, ...others] = await queue.pull(10);
    expect(others).toEqual([]);
    expect(letter?.message).toEqual(message('plan-doomed'));
    expect(letter?.deliveryAttempts).toBe(3);
    await letter!.ack();
    expect(await queue.pull(10)).toEqual([]);
  });

  it('runs deliveries concurrently', async () => {
    const queue = newQueue();
    let running = 0;
    let peak = 0;
    queue.subscribe(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running -= 1;
    });
    await Promise.all(Array.from({ length: 5 }, (_, i) => queue.publish(message(`plan-${i}`))));
    await queue.idle();
    expect(peak).toBe(5);
  });

  it('holds a delayed message back for delayMs', async () => {
    const queue = newQueue();
    const started = performance.now();
    let deliveredAfter = -1;
    queue.subscribe(async () => {
      deliveredAfter = performance.now() - started;
    });
    await queue.publish(message('plan-1'), { delayMs: 60 });
    expect(deliveredAfter).toBe(-1);
    await queue.idle();
    expect(deliveredAfter).toBeGreaterThanOrEqual(59);
  });

  it('keeps messages published before a handler exists until one subscribes', async () => {
    const queue = newQueue();
    await queue.publish(message('early'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const seen: string[] = [];
    queue.subscribe(async (received) => {
      seen.push(received.planId);
    });
    await queue.idle();
    expect(seen).toEqual(['early']);
    expect(() => queue.subscribe(async () => {})).toThrow(/already has a handler/);
  });

  it('refuses messages that do not match the schema', async () => {
    const queue = newQueue();
    const bad = { ...message('plan-1'), token: 'secret' } as unknown as ExecutionMessage;
    await expect(queue.publish(bad)).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'invalid_input'));
    await expect(queue.publish({ ...message(''), planId: '' })).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'invalid_input'));
    await expect(queue.publish(message('plan-1'), { delayMs: -1 })).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'invalid_input'));
  });

  it('closes without redelivering, waiting for running deliveries', async () => {
    const queue = newQueue({ minBackoffMs: 10_000, maxBackoffMs: 10_000 });
    let finished = 0;
    queue.subscribe(async (received) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished += 1;
      if (received.planId === 'fails') throw new Error('would be retried in 10 s');
    });
    await queue.publish(message('fails'));
    await queue.publish(message('later'), { delayMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await queue.close();
    expect(finished).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(queue.publish(message('after'))).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'unavailable'));
    await expect(queue.health()).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'unavailable'));
  });

  it('holds deliveries while the process stops: a refused delivery and a later publish wait, and close drops them at once', async () => {
    const lines: string[] = [];
    const queue = newQueue({ minBackoffMs: 1, maxBackoffMs: 1, logger: createLogger({ level: 'warn', write: (line) => lines.push(line) }) });
    let calls = 0;
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    queue.subscribe(async () => {
      calls += 1;
      await running;
      throw new Error('this instance is shutting down');
    });
    await queue.publish(message('plan-1'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    queue.holdDeliveries();
    await queue.publish(message('plan-2'));
    release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Neither the refused delivery nor the new message reached the handler again.
    expect(calls).toBe(1);
    const started = performance.now();
    await queue.close();
    expect(performance.now() - started).toBeLessThan(100);
    expect(calls).toBe(1);
    // Expected at a shutdown, so not a warning.
    expect(lines).toEqual([]);
  });
});
