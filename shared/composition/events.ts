/**
 * Which notifiers a deployment has, from the parsed config: a Pub/Sub topic
 * (`BAILIFF_EVENTS_TOPIC`), webhooks (`BAILIFF_WEBHOOKS`), both or none.
 */
import type { PubSub } from '@google-cloud/pubsub';
import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import { fanOut, type PlanEventPublisher } from '../ports/plan-event-publisher.ts';
import { PubSubEventPublisher } from '../adapters/gcp/pubsub-event-publisher.ts';
import { WebhookEventPublisher } from '../adapters/local/webhook-event-publisher.ts';

export function buildEventPublisher(config: Config, logger: Logger, pubsub: () => PubSub): PlanEventPublisher | undefined {
  const publishers: PlanEventPublisher[] = [];
  if (config.BAILIFF_EVENTS_TOPIC) publishers.push(new PubSubEventPublisher({ pubsub: pubsub(), topic: config.BAILIFF_EVENTS_TOPIC, logger }));
  if (config.BAILIFF_WEBHOOKS.length > 0) publishers.push(new WebhookEventPublisher({ targets: config.BAILIFF_WEBHOOKS, logger }));
  if (publishers.length === 0) return undefined;
  return publishers.length === 1 ? publishers[0] : fanOut(publishers);
}

/** Where the console is reached, for links in events: set explicitly, or the api's own address. */
export function consoleBaseOf(config: Config): string {
  return config.BAILIFF_CONSOLE_URL ?? config.BAILIFF_AUDIENCE ?? `http://127.0.0.1:${config.PORT === 0 ? 8080 : config.PORT}`;
}
