/**
 * DeadLetters on the subscription of the executions' dead-letter topic (infra/pubsub.tf): a
 * synchronous pull of what Pub/Sub parked there after the executor subscription's maximum
 * delivery attempts, acknowledged one by one once the sweep has dealt with its plan.
 */
import { v1, type PubSub } from '@google-cloud/pubsub';
import { type BailiffError, isBailiffError, unavailable } from '../../errors.ts';
import type { DeadLetter, DeadLetters } from '../../ports/dead-letters.ts';
import { decodeExecutionMessage } from './pubsub-queue.ts';

/** The attribute Pub/Sub sets on a dead-lettered message: how often it tried to deliver it. */
const DELIVERY_COUNT_ATTRIBUTE = 'CloudPubSubDeadLetterSourceDeliveryCount';

/** A pull with nothing to return may wait until its deadline; an empty dead-letter queue is the usual case. */
const PULL_TIMEOUT_MS = 10_000;

export interface PubSubDeadLettersOptions {
  /** A client built by the composition root (project, credentials or emulator). */
  pubsub: PubSub;
  projectId: string;
  /** Subscription name (not the full path) on the dead-letter topic. */
  subscription: string;
}

export class PubSubDeadLetters implements DeadLetters {
  readonly #client: v1.SubscriberClient;
  readonly #subscription: string;

  constructor(options: PubSubDeadLettersOptions) {
    // The same endpoint and credentials as the topic client (the emulator's, in tests).
    this.#client = new v1.SubscriberClient(options.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    this.#subscription = `projects/${options.projectId}/subscriptions/${options.subscription}`;
  }

  async pull(max: number): Promise<DeadLetter[]> {
    let received;
    try {
      [received] = await this.#client.pull({ subscription: this.#subscription, maxMessages: max, returnImmediately: true }, { timeout: PULL_TIMEOUT_MS });
    } catch (error) {
      // DEADLINE_EXCEEDED: nothing arrived in time, which is an empty queue.
      if ((error as { code?: unknown }).code === 4) return [];
      throw translate(error, `cannot pull dead letters from ${this.#subscription}`);
    }
    return (received.receivedMessages ?? []).map((received): DeadLetter => {
      const ackId = received.ackId ?? '';
      const data = received.message?.data;
      let message;
      try {
        message = data ? decodeExecutionMessage(typeof data === 'string' ? data : Uint8Array.from(data)) : undefined;
      } catch {
        message = undefined;
      }
      const count = Number(received.message?.attributes?.[DELIVERY_COUNT_ATTRIBUTE]);
      return {
        message,
        messageId: received.message?.messageId ?? '',
        ...(Number.isFinite(count) && count > 0 ? { deliveryAttempts: count } : {}),
        ack: async () => {
          try {
            await this.#client.acknowledge({ subscription: this.#subscription, ackIds: [ackId] });
          } catch (error) {
            throw translate(error, `cannot acknowledge a dead letter on ${this.#subscription}`);
          }
        },
      };
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

function translate(error: unknown, message: string): BailiffError {
  if (isBailiffError(error)) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  return unavailable(`${message}${code === undefined ? '' : ` (gRPC ${String(code)})`}${error instanceof Error ? `: ${error.message}` : ''}`, [], error);
}
