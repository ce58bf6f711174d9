/**
 * Legal holds and retention: which of an object's holds are in force at a given time, and how a
 * report names them. The dry run (simulate.ts) refuses every operation that would delete,
 * overwrite or move away an object with one in force (`object_held`), so a plan touching a held
 * document is invalid before anyone approves it; the stores refuse the same at execution.
 */
import { z } from 'zod';
import type { Action } from './actions.ts';
import type { ObjectHolds } from './objects.ts';
import { casePathSchema } from './plan.ts';

/** The holds a person places and releases (`POST /cases/{case}/holds`). */
export const HOLD_KINDS = ['temporary', 'event_based'] as const;
export type SettableHoldKind = (typeof HOLD_KINDS)[number];

/** Every reason an object may not be removed or replaced: the two holds and the two retentions. */
export type HoldKind = SettableHoldKind | 'retention_policy' | 'object_retention';

/** One hold in force on an object; retention says until when. */
export interface HoldInForce {
  kind: HoldKind;
  /** ISO 8601: when a retention ends (absent for holds, which last until released). */
  until?: string;
}

/**
 * The holds of `holds` in force at `at` (ISO 8601): both holds while set, each retention until
 * its time has passed. Pure, so the dry run and its tests judge alike.
 */
export function holdsInForce(holds: ObjectHolds | undefined, at: string): HoldInForce[] {
  if (!holds) return [];
  const now = Date.parse(at);
  const found: HoldInForce[] = [];
  if (holds.temporary) found.push({ kind: 'temporary' });
  if (holds.eventBased) found.push({ kind: 'event_based' });
  if (holds.retentionExpires && Date.parse(holds.retentionExpires) > now) found.push({ kind: 'retention_policy', until: holds.retentionExpires });
  if (holds.retainUntil && Date.parse(holds.retainUntil) > now) found.push({ kind: 'object_retention', until: holds.retainUntil });
  return found;
}

/** A hold in the words a report and an error message use. */
export function describeHold(hold: HoldInForce): string {
  switch (hold.kind) {
    case 'temporary':
      return 'a temporary hold';
    case 'event_based':
      return 'an event-based hold';
    case 'retention_policy':
      return `the bucket's retention policy until ${hold.until}`;
    case 'object_retention':
      return `object retention until ${hold.until}`;
  }
}

/** `a temporary hold and object retention until ...`, for one object's message. */
export function describeHolds(holds: readonly HoldInForce[]): string {
  const words = holds.map(describeHold);
  return words.length <= 1 ? (words[0] ?? 'no hold') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** The object field a settable hold kind is kept in (Cloud Storage's name for it). */
export function holdField(kind: SettableHoldKind): 'temporary' | 'eventBased' {
  return kind === 'temporary' ? 'temporary' : 'eventBased';
}

/** `POST /cases/{case}/holds`: place (`held: true`) or release one hold on one file. */
export const holdBodySchema = z.strictObject({
  path: casePathSchema,
  kind: z.enum(HOLD_KINDS),
  held: z.boolean(),
});
export type HoldBody = z.output<typeof holdBodySchema>;

/**
 * The object names an action deletes, replaces or moves away: what a hold forbids. A name the
 * action expects absent is new, so no hold can be on it.
 */
export function namesHoldsForbid(action: Action): string[] {
  const replaced = action.kind !== 'delete' && action.expect.state !== 'absent' ? [action.destination] : [];
  if (action.kind === 'move') return [action.source, ...replaced];
  if (action.kind === 'delete') return [action.target];
  return replaced;
}
