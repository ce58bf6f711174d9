/**
 * Plan events to a Pub/Sub topic, one message per event: the CloudEvent as JSON (structured
 * mode) with attributes `case`, `type` and `plan`, so subscriptions can filter
 * (`attributes.type = "bailiff.plan.proposed"`). The client library retries transient errors;
 * what still fails is logged and dropped.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { PlanEvent } from '../../domain/plan-events.ts';
import type { Logger } from '../../logging.ts';
import type { PlanEventPublisher } from '../../ports/plan-event-publisher.ts';

export class PubSubEventPublisher implements PlanEventPublisher {
  readonly #topic: Topic;
  readonly #logger: Logger;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: { pubsub: PubSub; topic: string; logger: Logger }) {
    // One message per batch: an event should leave at once, not wait for company.
    this.#topic = options.pubsub.topic(options.topic, { batching: { maxMessages: 1, maxMilliseconds: 0 } });
    this.#logger = options.logger;
  }

  publish(event: PlanEvent): Promise<void> {
    const delivery = this.#topic
      .publishMessage({
        data: Buffer.from(JSON.stringify(event)),
        attributes: { case: event.data.case, type: event.type, plan: event.subject },
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.#logger.warn('could not publish a plan event to Pub/Sub', { error, type: event.type, plan: event.subject, case: event.data.case }),
      );
    this.#inFlight.add(delivery);
    return delivery.finally(() => this.#inFlight.delete(delivery));
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await this.idle();
  }
}
