/**
 * ExecutionQueue: hands an approved plan to the executor. Delivery is at least once and may be
 * duplicated or concurrent; the executor makes that safe, not the queue.
 */
import { z } from 'zod';
import { invalidInput, zodIssueDetails } from '../errors.ts';

/** Versioned so an old executor can refuse a message shape it does not know. Carries no secrets. */
export const executionMessageSchema = z.strictObject({
  version: z.literal(1),
  planId: z.string().min(1).max(128),
  /** Why this message exists: the first request, or a continuation before a time budget ran out. */
  reason: z.enum(['apply', 'continue', 'retry']),
  /** Bumped by continuations, for logs; the journal, not this number, decides what runs. */
  attempt: z.number().int().min(1),
});
export type ExecutionMessage = z.infer<typeof executionMessageSchema>;

/**
 * An execution message from untrusted hands (a caller of `publish`, a delivered body): both
 * queues accept and refuse exactly the same. Throws `invalid_input` naming the bad fields.
 */
export function parseExecutionMessage(value: unknown): ExecutionMessage {
  const parsed = executionMessageSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidInput('not a valid execution message', zodIssueDetails(parsed.error));
  }
  return parsed.data;
}

/** Publishing delays are non-negative, finite milliseconds. Throws `invalid_input` otherwise. */
export function parseDelay(delayMs: number | undefined): number {
  const delay = delayMs ?? 0;
  if (!Number.isFinite(delay) || delay < 0) throw invalidInput('delayMs must be a non-negative number');
  return delay;
}

export interface ExecutionQueue {
  /** Publishes a request; resolves once the queue has accepted it. Throws `unavailable`. */
  publish(message: ExecutionMessage, options?: { delayMs?: number }): Promise<void>;
  health(): Promise<void>;
}
