/**
 * Plan events to webhooks as CloudEvents over HTTP (the CloudEvents HTTP protocol binding 1.0),
 * in the content mode each webhook asks for:
 * - structured (default): the whole event as the body, `Content-Type: application/cloudevents+json`;
 * - binary: the event's data as the body (`Content-Type: application/json`, its
 *   `datacontenttype`), every other attribute in a `ce-<name>` header.
 * Either way the body is signed per the Standard Webhooks specification
 * (https://www.standardwebhooks.com): headers `webhook-id` (the event id), `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
 * keyed with the base64 bytes after the secret's `whsec_` prefix). So a receiver built on the
 * CloudEvents SDKs and the Standard Webhooks libraries needs no code of ours. A delivery that does
 * not get a 2xx is retried with growing delays, then given up and logged; it never blocks anything else.
 */
import { createHmac } from 'node:crypto';
import type { WebhookTarget } from '../../config.ts';
import type { PlanEvent } from '../../domain/plan-events.ts';
import type { Logger } from '../../logging.ts';
import type { PlanEventPublisher } from '../../ports/plan-event-publisher.ts';

/** Delays before the second, third, ... attempt: about 13 minutes of trying in all. */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000] as const;
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The `webhook-signature` header value for one message. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export type CloudEventContentMode = NonNullable<WebhookTarget['contentMode']>;

/**
 * A `ce-*` header value as the HTTP binding requires: UTF-8, with space, `"`, `%` and anything
 * outside printable ASCII percent-encoded.
 */
function cloudEventHeaderValue(value: string): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const plain = byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x25;
    encoded += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** The HTTP message (headers besides the signature, and body) that carries `event` in `mode`. */
export function cloudEventMessage(event: PlanEvent, mode: CloudEventContentMode): { headers: Record<string, string>; body: string } {
  if (mode === 'structured') {
    return { headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' }, body: JSON.stringify(event) };
  }
  const { data, datacontenttype, ...attributes } = event;
  const headers: Record<string, string> = { 'content-type': datacontenttype };
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = cloudEventHeaderValue(value);
  return { headers, body: JSON.stringify(data) };
}

export interface WebhookPublisherOptions {
  targets: readonly WebhookTarget[];
  logger: Logger;
  retryDelaysMs?: readonly number[];
  attemptTimeoutMs?: number;
  /** Seconds since the epoch; a parameter so tests can check the signed timestamp. */
  now?: () => number;
}

export class WebhookEventPublisher implements PlanEventPublisher {
  readonly #options: WebhookPublisherOptions;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;
  /** Aborts attempts in flight on close, so a receiver that hangs cannot hold up a shutdown. */
  readonly #stop = new AbortController();

  constructor(options: WebhookPublisherOptions) {
    this.#options = options;
  }

  publish(event: PlanEvent): Promise<void> {
    const deliveries = this.#options.targets.map((target) => this.#track(this.#deliver(target, event)));
    return Promise.all(deliveries).then(() => undefined);
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    for (const pending of this.#timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.#timers.clear();
    await this.idle();
  }

  #track(delivery: Promise<void>): Promise<void> {
    this.#inFlight.add(delivery);
    return delivery.finally(() => this.#inFlight.delete(delivery));
  }

  async #deliver(target: WebhookTarget, event: PlanEvent): Promise<void> {
    const delays = this.#options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const { headers, body } = cloudEventMessage(event, target.contentMode ?? 'structured');
    let lastProblem = '';
    for (let attempt = 0; attempt <= delays.length && !this.#closed; attempt += 1) {
      if (attempt > 0) await this.#sleep(delays[attempt - 1]!);
      if (this.#closed) break;
      const timestamp = Math.floor(this.#options.now?.() ?? Date.now() / 1000);
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: {
            ...headers,
            'webhook-id': event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(target.secret, event.id, timestamp, body),
          },
          body,
          signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS)]),
        });
        await response.body?.cancel();
        if (response.ok) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
    }
    this.#options.logger.warn('gave up delivering a plan event to a webhook', {
      webhook: new URL(target.url).origin,
      type: event.type,
      plan: event.subject,
      case: event.data.case,
      problem: lastProblem,
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.#timers.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(pending);
    });
  }
}
