/**
 * Turns a Pub/Sub push delivery, as the functions framework hands it to the executor function (a
 * CloudEvent of type `google.cloud.pubsub.topic.v1.messagePublished` with the message under
 * `data.message`; the framework converts the raw push body, and drops `deliveryAttempt`), into
 * an executor call. A malformed request is acknowledged with a log line (retrying cannot fix
 * it); everything else is the executor's to decide (`retryOrGiveUp`): what it throws is retried.
 *
 * The same topic carries the sweep request Cloud Scheduler publishes every few minutes
 * (infra/scheduler.tf): `{"version":1,"kind":"sweep"}`. Only those allowed to publish to the
 * topic can send it, and the push to the executor is authenticated like every other; what the
 * sweep does is idempotent, so a duplicate costs a few reads.
 */
import { z } from 'zod';
import type { Logger } from '../logging.ts';
import { executionMessageSchema } from '../ports/execution-queue.ts';
import type { DeliveryOutcome, Executor } from './executor.ts';
import type { ExecutionSweep } from './execution-sweep.ts';

/** What Cloud Scheduler publishes to run the execution sweep. */
export const sweepRequestSchema = z.strictObject({ version: z.literal(1), kind: z.literal('sweep') });

const pushEnvelopeSchema = z.object({
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
  }),
  subscription: z.string().optional(),
  /** Present when the subscription has a dead-letter policy. */
  deliveryAttempt: z.number().int().optional(),
});

export type EventOutcome = DeliveryOutcome | 'malformed' | 'swept';

/**
 * Handles one CloudEvent's `data`. Resolves to acknowledge; throws to have Pub/Sub redeliver.
 * Without a `sweep`, a sweep request is acknowledged as malformed.
 */
export async function handleExecutionEvent(data: unknown, executor: Executor, logger: Logger, eventId?: string, sweep?: ExecutionSweep): Promise<EventOutcome> {
  const envelope = pushEnvelopeSchema.safeParse(typeof data === 'string' ? safeJson(data) : data);
  if (!envelope.success) {
    logger.error('malformed execution event; acknowledged', { issues: envelope.error.issues.slice(0, 5).map((issue) => issue.message) });
    return 'malformed';
  }
  const payload = safeJson(Buffer.from(envelope.data.message.data ?? '', 'base64').toString('utf8'));
  if (sweep && sweepRequestSchema.safeParse(payload).success) {
    // A failed sweep is thrown, so Pub/Sub delivers the request again.
    const report = await sweep.run();
    logger.info('execution sweep request handled; acknowledged', { requeued: report.requeued.length, failed: report.failed.length });
    return 'swept';
  }
  const message = executionMessageSchema.safeParse(payload);
  if (!message.success) {
    logger.error('execution message of an unknown shape or version; acknowledged', { messageId: envelope.data.message.messageId });
    return 'malformed';
  }
  // The message id is stable across redeliveries; the CloudEvent id is the message id too.
  const messageId = envelope.data.message.messageId ?? eventId;
  return executor.handle(message.data, { attempt: envelope.data.deliveryAttempt ?? 1, messageId });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
