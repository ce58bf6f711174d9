/**
 * ExecutionQueue for the embedded mode: execution requests go straight to the executor in
 * the same process, with the delivery semantics Pub/Sub gives the deployed executor.
 *
 * It deliberately behaves like Pub/Sub rather than like a function call, so that the
 * embedded mode exercises the same executor paths production does: delivery is at least
 * once, deliveries run concurrently (two requests for one plan may overlap), a handler that
 * throws is retried with exponential backoff, and a message that keeps failing is eventually
 * parked as a dead letter and logged, as a subscription with a dead-letter topic would; the
 * sweep reads dead letters (`pull`) and fails their plans.
 *
 * Nothing here is durable: requests pending at shutdown are lost. That is acceptable because
 * an approved plan stays `queued` in the PlanStore, and re-applying it publishes again.
 */
import { randomUUID } from 'node:crypto';
import { parseDelay, parseExecutionMessage, type ExecutionMessage, type ExecutionQueue } from '../../ports/execution-queue.ts';
import type { DeadLetter, DeadLetters } from '../../ports/dead-letters.ts';
import { internal, invalidInput, unavailable } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logging.ts';

/** Consumes one delivery. Resolving acknowledges it; throwing asks for a redelivery. */
export type ExecutionHandler = (message: ExecutionMessage, delivery: { attempt: number; messageId: string }) => Promise<void>;

export interface InProcessQueueOptions {
  /** First redelivery delay after a handler throws (Pub/Sub's minimum backoff). Default 100 ms. */
  minBackoffMs?: number;
  /** Ceiling of the doubling redelivery delay. Default 10 s. */
  maxBackoffMs?: number;
  /** Deliveries of one message before it is dead-lettered and logged. Default 20. */
  maxAttempts?: number;
  logger?: Logger;
}

interface Delivery {
  message: ExecutionMessage;
  /** 1 for the first delivery, bumped by each redelivery. */
  attempt: number;
  /** Stable across redeliveries of one published message, as Pub/Sub's message id is. */
  messageId: string;
}

/**
 * In-memory, at-least-once queue feeding one handler (the executor).
 *
 * Guarantees: every accepted message is delivered until the handler resolves for it, or it
 * has failed `maxAttempts` times (then it is dropped with an `error` log), or the queue is
 * closed. Deliveries are not serialised or ordered. `publish` throws `invalid_input` for a
 * message that does not match `executionMessageSchema`, `unavailable` once closed.
 */
export class InProcessExecutionQueue implements ExecutionQueue, DeadLetters {
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxAttempts: number;
  readonly #logger: Logger;
  #handler: ExecutionHandler | undefined;
  #closed = false;
  /** Set by `holdDeliveries`: accepted messages wait for `close` instead of being delivered. */
  #holding = false;
  /** Deliveries waiting for a handler to be subscribed. */
  readonly #parked: Delivery[] = [];
  /** Deliveries waiting for their (re)delivery time. */
  readonly #timers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  /** Messages that failed their last attempt, until the sweep acknowledges them (memory only, as the queue is). */
  readonly #deadLetters: Delivery[] = [];
  #idleWaiters: Array<() => void> = [];

  constructor(options: InProcessQueueOptions = {}) {
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#logger = options.logger ?? silentLogger;
    if (this.#minBackoffMs < 0 || this.#maxBackoffMs < this.#minBackoffMs || this.#maxAttempts < 1) {
      throw invalidInput('in-process queue: need 0 <= minBackoffMs <= maxBackoffMs and maxAttempts >= 1');
    }
  }

  /**
   * Sets the one consumer. Messages published earlier are delivered now. Throws `internal`
   * if a handler is already set: two consumers would mean a wiring mistake, not scale.
   */
  subscribe(handler: ExecutionHandler): void {
    if (this.#handler) throw internal('the in-process queue already has a handler');
    this.#handler = handler;
    for (const delivery of this.#parked.splice(0)) this.#deliver(delivery);
  }

  /** Accepts the message for delivery after `delayMs` (default 0); resolves once accepted, not once handled. */
  async publish(message: ExecutionMessage, options: { delayMs?: number } = {}): Promise<void> {
    if (this.#closed) throw unavailable('the in-process queue is closed');
    const checked = parseExecutionMessage(message);
    const delayMs = parseDelay(options.delayMs);
    this.#schedule({ message: checked, attempt: 1, messageId: randomUUID() }, delayMs);
  }

  /** Dead-lettered messages not yet acknowledged, oldest first. */
  async pull(max: number): Promise<DeadLetter[]> {
    return this.#deadLetters.slice(0, max).map((delivery) => ({
      message: structuredClone(delivery.message),
      messageId: delivery.messageId,
      deliveryAttempts: delivery.attempt,
      ack: async () => {
        const index = this.#deadLetters.indexOf(delivery);
        if (index >= 0) this.#deadLetters.splice(index, 1);
      },
    }));
  }

  async health(): Promise<void> {
    if (this.#closed) throw unavailable('the in-process queue is closed');
  }

  /**
   * Resolves once nothing is waiting, scheduled or being handled. Messages parked before a
   * handler is subscribed count as waiting, so this does not resolve until they are handled.
   */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * The process is stopping: nothing more is delivered. Messages published from now on (a
   * running plan's continuation as it hands over) and redeliveries are still accepted, and kept
   * until `close` drops them; their plans stay queued or running in the PlanStore, and the next
   * start resumes them. Deliveries already running are not touched.
   */
  holdDeliveries(): void {
    this.#holding = true;
  }

  /**
   * Stops accepting messages and drops scheduled redeliveries (logging how many), then waits
   * for deliveries already running. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const dropped = this.#timers.size + this.#parked.length;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#parked.length = 0;
      // Held at a shutdown, they are expected: their plans are resumed from the PlanStore on the next start.
      if (dropped > 0) this.#logger[this.#holding ? 'info' : 'warn']('in-process queue closed with undelivered execution requests', { dropped });
      this.#settle();
    }
    await this.idle();
  }

  #schedule(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#deliver(delivery);
    }, delayMs);
    this.#timers.add(timer);
  }

  #deliver(delivery: Delivery): void {
    const handler = this.#handler;
    if (!handler || this.#holding) {
      this.#parked.push(delivery);
      return;
    }
    this.#inFlight += 1;
    // Each delivery gets its own copy, as separate Pub/Sub deliveries would be separate objects.
    const message = structuredClone(delivery.message);
    Promise.resolve()
      .then(() => handler(message, { attempt: delivery.attempt, messageId: delivery.messageId }))
      .then(
        () => undefined,
        (error: unknown) => this.#failed(delivery, error),
      )
      .finally(() => {
        this.#inFlight -= 1;
        this.#settle();
      });
  }

  #failed(delivery: Delivery, error: unknown): void {
    const fields = { plan: delivery.message.planId, attempt: delivery.attempt, reason: delivery.message.reason, error };
    if (this.#closed) {
      this.#logger.warn('execution request failed while the in-process queue was closing; not redelivered', fields);
      return;
    }
    if (delivery.attempt >= this.#maxAttempts) {
      this.#logger.error('execution request dead-lettered after its last delivery attempt', { ...fields, maxAttempts: this.#maxAttempts });
      this.#deadLetters.push(delivery);
      return;
    }
    if (this.#holding) {
      // Refused because this process is stopping: kept for `close`, as the plan is for the next start.
      this.#parked.push(delivery);
      return;
    }
    const backoffMs = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** (delivery.attempt - 1));
    this.#logger.warn('execution request failed; redelivering', { ...fields, backoffMs });
    this.#schedule({ message: delivery.message, attempt: delivery.attempt + 1, messageId: delivery.messageId }, backoffMs);
  }

  #isIdle(): boolean {
    return this.#inFlight === 0 && this.#timers.size === 0 && this.#parked.length === 0;
  }

  #settle(): void {
    if (!this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
