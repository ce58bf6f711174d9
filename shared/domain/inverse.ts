/**
 * Rollback derivation: from the actions a plan applied and their journaled outcomes, the
 * operations of a new plan that undoes them, newest first. The new plan is dry-run and approved
 * like any other; the guards make its dry run refuse to undo an object someone changed since.
 */
import type { Action } from './actions.ts';
import { casePathOf } from './paths.ts';
import type { Operation } from './plan.ts';
import type { JournalEntry } from '../ports/plan-store.ts';

export interface RollbackDerivation {
  operations: Operation[];
  /** Objects the rollback removes or replaces: each must still have the generation the plan wrote. */
  guards: Array<{ path: string; generation: string }>;
}

/**
 * @param applied the plan's actions whose outcome was `done`, each with its latest journal entry,
 *                in the order they were applied.
 */
export function deriveRollback(caseName: string, applied: ReadonlyArray<{ action: Action; entry: JournalEntry }>): RollbackDerivation {
  const operations: Operation[] = [];
  const guards: RollbackDerivation['guards'] = [];
  const rel = (name: string) => {
    const path = casePathOf(caseName, name);
    if (path === undefined) throw new Error(`object ${name} is outside case ${caseName}`);
    return path;
  };
  const guarded = new Set<string>();
  // Walking newest first, the first generation seen for a path is the one the plan left there.
  const guard = (path: string, entry: JournalEntry) => {
    if (entry.generation === undefined || guarded.has(path)) return;
    guarded.add(path);
    guards.push({ path, generation: entry.generation });
  };
  const restoreOver = (destination: string, entry: JournalEntry) => {
    if (entry.backup) operations.push({ type: 'restore', backup: entry.backup, destination, overwrite: true });
  };

  for (const { action, entry } of [...applied].reverse()) {
    switch (action.kind) {
      // Both only added or replaced an object at the destination: remove it, or put back what it replaced.
      case 'put':
      case 'copy': {
        const destination = rel(action.destination);
        guard(destination, entry);
        // A marker that replaced a marker leaves the folder as it was: markers hold nothing.
        if (destination.endsWith('/')) {
          if (!entry.backup) operations.push({ type: 'remove_folder', destination });
        } else if (entry.backup) restoreOver(destination, entry);
        else operations.push({ type: 'delete', source: destination });
        break;
      }
      case 'move': {
        const destination = rel(action.destination);
        const source = rel(action.source);
        guard(destination, entry);
        if (destination.endsWith('/')) {
          // A folder marker: recreate the old one, drop the new one unless it replaced a marker.
          if (!entry.backup) operations.push({ type: 'remove_folder', destination });
          operations.push({ type: 'create_dir', destination: source });
        } else {
          operations.push({ type: 'move', source: destination, destination: source, overwrite: false });
          if (entry.backup) {
            operations.push({ type: 'restore', backup: entry.backup, destination, overwrite: false });
          }
        }
        break;
      }
      case 'delete': {
        const target = rel(action.target);
        if (target.endsWith('/')) operations.push({ type: 'create_dir', destination: target });
        else if (entry.backup) operations.push({ type: 'restore', backup: entry.backup, destination: target, overwrite: false });
        break;
      }
    }
  }
  return { operations, guards };
}
