/**
 * The ExecutionQueue contract: what the api side may rely on whichever queue carries its
 * requests. Each harness pairs a queue with a way to receive what it delivered (the in-process
 * handler, or a pull subscription on the Pub/Sub emulator), so every test compares what was
 * published with what actually arrived.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBailiffError } from '../../shared/errors.ts';
import type { ExecutionMessage, ExecutionQueue } from '../../shared/ports/execution-queue.ts';

export interface ReceivedMessage {
  message: ExecutionMessage;
  /** When it reached the receiver, from `performance.now()`. */
  at: number;
}

export interface ExecutionQueueHarness {
  queue: ExecutionQueue;
  /** Waits until `count` messages have arrived (or `timeoutMs` passed) and returns all received so far. */
  received(count: number, timeoutMs: number): Promise<ReceivedMessage[]>;
  dispose(): Promise<void>;
}

export type ExecutionQueueFactory = () => Promise<ExecutionQueueHarness>;

const message = (planId: string, overrides: Partial<ExecutionMessage> = {}): ExecutionMessage => ({
  version: 1,
  planId,
  reason: 'apply',
  attempt: 1,
  ...overrides,
});

/** Runs the whole ExecutionQueue contract against the adapter the factory builds. */
export function executionQueueContract(name: string, factory: ExecutionQueueFactory): void {
  describe(`ExecutionQueue contract: ${name}`, () => {
    let harness: ExecutionQueueHarness;

    beforeEach(async () => {
      harness = await factory();
    });
    afterEach(async () => {
      await harness.dispose();
    });

    it('answers health checks', async () => {
      await expect(harness.queue.health()).resolves.toBeUndefined();
    });

    it('delivers exactly what was published', async () => {
      const sent = message('pln_0001abcd', { reason: 'continue', attempt: 3 });
      await harness.queue.publish(sent);
      const received = await harness.received(1, 10_000);
      expect(received.map((entry) => entry.message)).toEqual([sent]);
    });

    it('delivers every one of many messages published at once', async () => {
      const sent = Array.from({ length: 12 }, (_, i) => message(`pln_${String(i).padStart(8, '0')}`, { reason: i % 2 ? 'retry' : 'apply', attempt: i + 1 }));
      await Promise.all(sent.map((entry) => harness.queue.publish(entry)));
      const received = await harness.received(sent.length, 15_000);
      const byPlan = (a: ExecutionMessage, b: ExecutionMessage) => (a.planId < b.planId ? -1 : 1);
      expect(received.map((entry) => entry.message).sort(byPlan)).toEqual([...sent].sort(byPlan));
    });

    it('refuses a message that is not an execution request, and sends nothing', async () => {
      const withSecret = { ...message('pln_0001abcd'), token: 'ya29.secret' } as unknown as ExecutionMessage;
      const wrongVersion = { ...message('pln_0001abcd'), version: 2 } as unknown as ExecutionMessage;
      for (const bad of [withSecret, wrongVersion, message(''), message('pln_0001abcd', { attempt: 0 })]) {
        await expect(harness.queue.publish(bad)).rejects.toSatisfy((error: unknown) => isBailiffError(error, 'invalid_input'));
      }
      await expect(harness.queue.publish(message('pln_0001abcd'), { delayMs: -5 })).rejects.toSatisfy((error: unknown) =>
        isBailiffError(error, 'invalid_input'),
      );
      expect(await harness.received(1, 1_000)).toEqual([]);
    });

    it('holds a delayed request back for at least the delay', async () => {
      const started = performance.now();
      await harness.queue.publish(message('pln_delayed01'), { delayMs: 400 });
      const received = await harness.received(1, 10_000);
      expect(received.map((entry) => entry.message)).toEqual([message('pln_delayed01')]);
      expect((received[0]?.at ?? 0) - started).toBeGreaterThanOrEqual(395);
    });
  });
}
