/**
 * DeadLetters: execution requests the queue gave up delivering (Pub/Sub's dead-letter topic
 * after the subscription's maximum delivery attempts; the in-process queue after its last
 * attempt). The sweep reads them so that a plan whose request was parked there does not stay
 * `running` or `queued` forever: it is marked `failed` with the reason.
 */
import type { ExecutionMessage } from './execution-queue.ts';

export interface DeadLetter {
  /** The request as published; undefined when its body is not an execution request (acknowledge and log it). */
  message: ExecutionMessage | undefined;
  /** The queue's id of the original message, for logs. */
  messageId: string;
  /** How many times the queue tried to deliver it, when the queue says. */
  deliveryAttempts?: number;
  /** Removes it once its plan has been dealt with; unacknowledged, it is read again next time. */
  ack(): Promise<void>;
}

export interface DeadLetters {
  /** Up to `max` dead-lettered requests not yet acknowledged (fewer, or none, when fewer wait). Throws `unavailable`. */
  pull(max: number): Promise<DeadLetter[]>;
}
