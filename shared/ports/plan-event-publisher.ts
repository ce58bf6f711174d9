/**
 * PlanEventPublisher: where notifications of plan events go (a Pub/Sub topic, webhooks). The
 * events are derived from audit records in one place (shared/domain/plan-events.ts) and handed
 * over after the record is stored; a publisher's failure is its own business and never reaches
 * the transition that caused it.
 */
import type { PlanEvent } from '../domain/plan-events.ts';

export interface PlanEventPublisher {
  /**
   * Delivers one event. May retry internally; resolves when delivered or given up, never
   * rejects (failures are logged by the adapter). Callers do not await it on a transition's path.
   */
  publish(event: PlanEvent): Promise<void>;
  /** Resolves when deliveries already started have finished or given up (shutdown, tests). */
  idle(): Promise<void>;
  /** Stops scheduling retries and waits for deliveries in flight. */
  close(): Promise<void>;
}

/** Sends every event to each publisher. */
export function fanOut(publishers: readonly PlanEventPublisher[]): PlanEventPublisher {
  return {
    async publish(event) {
      await Promise.all(publishers.map((publisher) => publisher.publish(event)));
    },
    async idle() {
      await Promise.all(publishers.map((publisher) => publisher.idle()));
    },
    async close() {
      await Promise.all(publishers.map((publisher) => publisher.close()));
    },
  };
}
