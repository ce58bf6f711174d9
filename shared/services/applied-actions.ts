/**
 * What a plan actually did: each action whose latest journal entry is `done`, with that entry,
 * in plan order. Rollback (a new plan) and compensation (inside a failing execution) both undo
 * exactly this.
 */
import type { Action } from '../domain/actions.ts';
import type { JournalEntry, PlanStore } from '../ports/plan-store.ts';

const PAGE = 1000;

export async function readAppliedActions(plans: PlanStore, planId: string): Promise<Array<{ action: Action; entry: JournalEntry }>> {
  const latest = new Map<number, JournalEntry>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await plans.readJournal(planId, offset, PAGE);
    for (const entry of page) latest.set(entry.action, entry);
    if (page.length < PAGE) break;
  }
  const applied: Array<{ action: Action; entry: JournalEntry }> = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await plans.readActions(planId, offset, PAGE);
    for (const action of page) {
      const entry = latest.get(action.index);
      if (entry?.outcome === 'done') applied.push({ action, entry });
    }
    if (page.length < PAGE) break;
  }
  return applied;
}
