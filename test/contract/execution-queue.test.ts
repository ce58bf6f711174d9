/**
 * Runs the ExecutionQueue contract against the in-process queue and against Pub/Sub on the
 * emulator (a fresh topic and pull subscription per test; every received message is acked).
 * Without the emulator the Pub/Sub tests fail; they never fall back to anything else.
 */
import { randomBytes } from 'node:crypto';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeExecutionMessage, PubSubExecutionQueue } from '../../shared/adapters/gcp/pubsub-queue.ts';
import { InProcessExecutionQueue } from '../../shared/adapters/local/in-process-queue.ts';
import { executionQueueContract, type ReceivedMessage } from './execution-queue.contract.ts';

/** Resolves `received(count, timeoutMs)` from a list that some listener keeps appending to. */
function collector() {
  const received: ReceivedMessage[] = [];
  const waiters = new Set<() => void>();
  let failure: unknown;
  return {
    push(entry: ReceivedMessage) {
      received.push(entry);
      for (const wake of waiters) wake();
    },
    /** A receiver-side error (an undecodable message, a broken stream) fails the waiting test. */
    fail(error: unknown) {
      failure ??= error;
      for (const wake of waiters) wake();
    },
    async received(count: number, timeoutMs: number): Promise<ReceivedMessage[]> {
      const deadline = performance.now() + timeoutMs;
      while (received.length < count && performance.now() < deadline && failure === undefined) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.max(0, deadline - performance.now()));
          waiters.add(wake);
        });
      }
      if (failure !== undefined) throw failure;
      return [...received];
    },
  };
}

executionQueueContract('in-process', async () => {
  const queue = new InProcessExecutionQueue({ minBackoffMs: 1, maxBackoffMs: 5 });
  const inbox = collector();
  queue.subscribe(async (message) => inbox.push({ message, at: performance.now() }));
  return { queue, received: inbox.received, dispose: () => queue.close() };
});

let pubsub: PubSub | undefined;
afterAll(async () => {
  await pubsub?.close();
});

function emulatorClient(): PubSub {
  if (!process.env.PUBSUB_EMULATOR_HOST) {
    throw new Error('PUBSUB_EMULATOR_HOST is not set: run with BAILIFF_EMULATORS including pubsub so the global setup starts the emulator');
  }
  pubsub ??= new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'bailiff-test' });
  return pubsub;
}

async function pullSubscription(client: PubSub): Promise<{ topic: string; subscription: Subscription; remove(): Promise<void> }> {
  const suffix = randomBytes(6).toString('hex');
  const [topic] = await client.createTopic(`executions-${suffix}`);
  const [subscription] = await topic.createSubscription(`executor-${suffix}`, { ackDeadlineSeconds: 10 });
  return {
    topic: topic.name.split('/').at(-1) ?? '',
    subscription,
    remove: async () => {
      await subscription.close();
      await subscription.delete();
      await topic.delete();
    },
  };
}

executionQueueContract('Pub/Sub (emulator)', async () => {
  const client = emulatorClient();
  const { topic, subscription, remove } = await pullSubscription(client);
  const inbox = collector();
  subscription.on('message', (delivered: Message) => {
    delivered.ack();
    try {
      inbox.push({ message: decodeExecutionMessage(delivered.data), at: performance.now() });
    } catch (error) {
      inbox.fail(error);
    }
  });
  subscription.on('error', (error: unknown) => inbox.fail(error));
  const queue = new PubSubExecutionQueue({ pubsub: client, topic });
  return {
    queue,
    received: inbox.received,
    dispose: async () => {
      await queue.close();
      await remove();
    },
  };
});

describe('Pub/Sub execution messages (emulator)', () => {
  it('carry the version and plan id as attributes and nothing else', async () => {
    const client = emulatorClient();
    const { topic, subscription, remove } = await pullSubscription(client);
    try {
      const arrived = new Promise<Message>((resolve) => subscription.once('message', resolve));
      await new PubSubExecutionQueue({ pubsub: client, topic }).publish({ version: 1, planId: 'pln_attr0001', reason: 'apply', attempt: 1 });
      const delivered = await arrived;
      delivered.ack();
      expect(delivered.attributes).toEqual({ version: '1', planId: 'pln_attr0001' });
      expect(JSON.parse(delivered.data.toString('utf8'))).toEqual({ version: 1, planId: 'pln_attr0001', reason: 'apply', attempt: 1 });
      expect(decodeExecutionMessage(delivered.data.toString('base64'))).toEqual({ version: 1, planId: 'pln_attr0001', reason: 'apply', attempt: 1 });
    } finally {
      await remove();
    }
  });

  it('refuses to decode a body that is not an execution request', () => {
    expect(() => decodeExecutionMessage(Buffer.from('not json'))).toThrow(/not JSON/);
    expect(() => decodeExecutionMessage(Buffer.from('{"version":1,"planId":"p","reason":"apply","attempt":1,"extra":1}'))).toThrow(/not a valid/);
  });

  it('reports a missing topic as unavailable', async () => {
    const queue = new PubSubExecutionQueue({ pubsub: emulatorClient(), topic: `missing-${randomBytes(4).toString('hex')}` });
    await expect(queue.health()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(queue.publish({ version: 1, planId: 'pln_nowhere1', reason: 'apply', attempt: 1 })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('caps a long delay instead of holding the caller for it', async () => {
    const client = emulatorClient();
    const { topic, remove } = await pullSubscription(client);
    try {
      const queue = new PubSubExecutionQueue({ pubsub: client, topic, maxDelayMs: 200 });
      const started = performance.now();
      await queue.publish({ version: 1, planId: 'pln_capped01', reason: 'continue', attempt: 2 }, { delayMs: 60_000 });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(195);
      expect(took).toBeLessThan(5_000);
    } finally {
      await remove();
    }
  });
});
