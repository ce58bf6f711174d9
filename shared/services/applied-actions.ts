/**
 * What a plan actually did: each action whose latest journal entry is `done`, with that entry,
 * in plan order. Rollback (a new plan) and compensation (inside a failing execution) both undo
 * exactly this; an action compensation already undid is journaled `compensated` and drops out.
 */
import type { Action } from '../domain/actions.ts';
import { readPages, type JournalEntry, type PlanStore } from '../ports/plan-store.ts';

export async function readAppliedActions(plans: PlanStore, planId: string): Promise<Array<{ action: Action; entry: JournalEntry }>> {
  const latest = new Map<number, JournalEntry>();
  for await (const page of readPages((offset, limit) => plans.readJournal(planId, offset, limit))) {
    for (const entry of page) latest.set(entry.action, entry);
  }
  const applied: Array<{ action: Action; entry: JournalEntry }> = [];
  for await (const page of readPages((offset, limit) => plans.readActions(planId, offset, limit))) {
    for (const action of page) {
      const entry = latest.get(action.index);
      if (entry?.outcome === 'done') applied.push({ action, entry });
    }
  }
  return applied;
}
