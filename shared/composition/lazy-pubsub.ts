/**
 * Pub/Sub on first use, for the Google Cloud composition. The client library (gRPC, protobuf,
 * Google auth) adds about 14 MiB to a function's resident memory and a few hundred
 * milliseconds to its start, yet most requests never publish: the api publishes when a plan is
 * applied, the executor when a plan continues in a new invocation or hands its case to a plan
 * waiting for it, and the sweep reads dead letters. So the client is created, and the library
 * loaded, by the first call that needs it; behaviour is otherwise that of the adapters below.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { createRequire } from 'node:module';
import type { DeadLetter, DeadLetters } from '../ports/dead-letters.ts';
import type { ExecutionMessage, ExecutionQueue } from '../ports/execution-queue.ts';
import { PubSubExecutionQueue } from '../adapters/gcp/pubsub-queue.ts';

type PubSubOptions = ConstructorParameters<typeof PubSub>[0];

/** One Pub/Sub client per app, created when something first needs it. */
export class LazyPubSub {
  readonly #options: PubSubOptions;
  #client: PubSub | undefined;

  constructor(options: PubSubOptions) {
    this.#options = options;
  }

  /** The client, created (and the library loaded) on the first call. */
  client(): PubSub {
    if (!this.#client) {
      const { PubSub: Client } = createRequire(import.meta.url)('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
      this.#client = new Client(this.#options);
    }
    return this.#client;
  }

  /** Closes the client if one was created. */
  async close(): Promise<void> {
    await this.#client?.close();
  }
}

/** The execution queue on a topic, its client created on the first publish or health check. */
export class LazyPubSubExecutionQueue implements ExecutionQueue {
  readonly #pubsub: LazyPubSub;
  readonly #topic: string;
  #queue: PubSubExecutionQueue | undefined;

  constructor(pubsub: LazyPubSub, topic: string) {
    this.#pubsub = pubsub;
    this.#topic = topic;
  }

  #get(): PubSubExecutionQueue {
    this.#queue ??= new PubSubExecutionQueue({ pubsub: this.#pubsub.client(), topic: this.#topic });
    return this.#queue;
  }

  async publish(message: ExecutionMessage, options?: { delayMs?: number }): Promise<void> {
    await this.#get().publish(message, options);
  }

  async health(): Promise<void> {
    await this.#get().health();
  }

  /** Sends whatever the client still buffers; nothing to do if nothing was published. */
  async close(): Promise<void> {
    await this.#queue?.close();
  }
}

/** The dead-letter subscription, its adapter (which needs the library at import) loaded on the first pull. */
export class LazyPubSubDeadLetters implements DeadLetters {
  readonly #create: () => Promise<DeadLetters & { close(): Promise<void> }>;
  #deadLetters: Promise<DeadLetters & { close(): Promise<void> }> | undefined;

  constructor(pubsub: LazyPubSub, projectId: string, subscription: string) {
    this.#create = async () => {
      const { PubSubDeadLetters } = await import('../adapters/gcp/pubsub-dead-letters.ts');
      return new PubSubDeadLetters({ pubsub: pubsub.client(), projectId, subscription });
    };
  }

  async pull(max: number): Promise<DeadLetter[]> {
    // A failed load is not kept: the next sweep tries again.
    this.#deadLetters ??= this.#create().catch((error: unknown) => {
      this.#deadLetters = undefined;
      throw error;
    });
    return (await this.#deadLetters).pull(max);
  }

  async close(): Promise<void> {
    await (await this.#deadLetters?.catch(() => undefined))?.close();
  }
}
