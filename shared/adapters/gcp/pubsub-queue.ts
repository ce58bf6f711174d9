/**
 * ExecutionQueue on a Pub/Sub topic, for the deployed functions: the api function publishes,
 * the topic's push subscription delivers to the executor function as a CloudEvent.
 *
 * A message is the JSON of an `ExecutionMessage` (validated before it leaves), with
 * attributes `version` and `planId` so subscriptions, dead-letter inspection and logs can
 * tell messages apart without decoding them. Nothing secret goes in either: the plan itself
 * stays in the PlanStore, and the executor reads it from there.
 *
 * Delays: Pub/Sub has no delayed delivery. `delayMs` is honoured by waiting before the
 * publish, capped at `maxDelayMs` (5 s by default), because the callers that ask for a delay
 * (a continuation waiting for a case lease) only need a short pause to avoid a hot loop.
 * Longer spacing is the subscription's job: an executor that throws is redelivered with the
 * retry policy's exponential backoff (configured in the infrastructure, not here).
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { type BailiffError, invalidInput, isBailiffError, rateLimited, unavailable } from '../../errors.ts';
import { parseDelay, parseExecutionMessage, type ExecutionMessage, type ExecutionQueue } from '../../ports/execution-queue.ts';

export interface PubSubExecutionQueueOptions {
  /** A client built by the composition root (project, credentials or emulator). */
  pubsub: PubSub;
  /** Topic name (not the full resource path) the executor's subscription listens to. */
  topic: string;
  /** Upper bound of the wait `delayMs` may ask for. 0 ignores delays altogether. Default 5 s. */
  maxDelayMs?: number;
  /** How long `health` waits for Pub/Sub before reporting it unavailable. Default 5 s. */
  healthTimeoutMs?: number;
}

/**
 * Publishes execution requests to one topic.
 *
 * Guarantees: `publish` resolves only once Pub/Sub has accepted the message (it has an id).
 * Throws `invalid_input` for a message that does not match `executionMessageSchema`, and
 * `unavailable` when Pub/Sub refuses or cannot be reached (including a missing topic or a
 * missing permission: both are deployment faults a retry after fixing them cures).
 */
export class PubSubExecutionQueue implements ExecutionQueue {
  readonly #topic: Topic;
  readonly #topicName: string;
  readonly #maxDelayMs: number;
  readonly #healthTimeoutMs: number;

  constructor(options: PubSubExecutionQueueOptions) {
    this.#topicName = options.topic;
    // One message per publish: an execution request should leave at once, not wait for a batch.
    this.#topic = options.pubsub.topic(options.topic, { batching: { maxMessages: 1 } });
    this.#maxDelayMs = options.maxDelayMs ?? 5_000;
    this.#healthTimeoutMs = options.healthTimeoutMs ?? 5_000;
  }

  async publish(message: ExecutionMessage, options: { delayMs?: number } = {}): Promise<void> {
    const checked = parseExecutionMessage(message);
    const delayMs = parseDelay(options.delayMs);
    const wait = Math.min(delayMs, this.#maxDelayMs);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      await this.#topic.publishMessage({ data: encodeExecutionMessage(checked), attributes: executionAttributes(checked) });
    } catch (error) {
      throw translatePubSubError(error, `cannot publish the execution request for plan ${checked.planId} to topic ${this.#topicName}`);
    }
  }

  /** Resolves when the topic exists and answers; needs `pubsub.topics.get` on it. Throws `unavailable`. */
  async health(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const [exists] = await Promise.race([
        this.#topic.exists(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(unavailable(`Pub/Sub did not answer within ${this.#healthTimeoutMs} ms`)), this.#healthTimeoutMs);
        }),
      ]);
      if (!exists) throw unavailable(`Pub/Sub topic ${this.#topicName} does not exist`);
    } catch (error) {
      throw isBailiffError(error) ? error : translatePubSubError(error, `cannot reach Pub/Sub topic ${this.#topicName}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends whatever the client still buffers; call before the process exits. */
  async close(): Promise<void> {
    try {
      await this.#topic.flush();
    } catch (error) {
      throw translatePubSubError(error, `cannot flush Pub/Sub topic ${this.#topicName}`);
    }
  }
}

/** The message body as it travels: UTF-8 JSON of the validated message. */
export function encodeExecutionMessage(message: ExecutionMessage): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export function executionAttributes(message: ExecutionMessage): Record<string, string> {
  return { version: String(message.version), planId: message.planId };
}

/**
 * Decodes a delivered message body (raw bytes, or the base64 string a push CloudEvent carries
 * in `data.message.data`). Throws `invalid_input` for anything that is not a valid
 * ExecutionMessage: the executor should acknowledge such a message, since no retry can fix it.
 */
export function decodeExecutionMessage(data: Uint8Array | string): ExecutionMessage {
  const text = typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput('execution message is not JSON');
  }
  return parseExecutionMessage(json);
}

function translatePubSubError(error: unknown, message: string): BailiffError {
  if (isBailiffError(error)) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const detail = `${message}${code === undefined ? '' : ` (gRPC ${String(code)})`}${error instanceof Error ? `: ${error.message}` : ''}`;
  // RESOURCE_EXHAUSTED: over quota or flow-controlled; waiting helps.
  if (code === 8) return rateLimited(detail, [], error);
  return unavailable(detail, [], error);
}
