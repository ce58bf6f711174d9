/**
 * Undo derivation: from the actions a plan applied and their journaled outcomes, the operations
 * that undo them, newest first. A rollback plan is dry-run and approved like any other, and its
 * guards make the dry run refuse to undo an object someone changed since; compensation (a failing
 * plan with `onError: rollback`) holds such steps back instead and reports them.
 */
import type { Action } from './actions.ts';
import { casePathOf } from './paths.ts';
import type { Operation } from './plan.ts';
import type { JournalEntry } from '../ports/plan-store.ts';

/** An object the undo removes or replaces: it must still have the generation the plan wrote. */
export interface UndoGuard {
  path: string;
  generation: string;
}

/** What undoing one applied action takes: its operations, guarded by what the action left behind. */
export interface UndoStep {
  /** The index of the action this step undoes. */
  action: number;
  operations: Operation[];
  guard?: UndoGuard;
}

/** A step the undo leaves alone because a person changed what it would touch. */
export interface HeldBackStep {
  action: number;
  path: string;
  message: string;
}

export interface RollbackDerivation {
  operations: Operation[];
  guards: UndoGuard[];
}

/**
 * The one derivation of an undo, for rollback plans and for compensation alike: per applied
 * action, newest first, the operations that put back what it changed.
 *
 * @param applied the plan's actions whose outcome was `done`, each with its latest journal entry,
 *                in the order they were applied.
 */
export function deriveUndo(caseName: string, applied: ReadonlyArray<{ action: Action; entry: JournalEntry }>): UndoStep[] {
  const steps: UndoStep[] = [];
  const rel = (name: string) => {
    const path = casePathOf(caseName, name);
    if (path === undefined) throw new Error(`object ${name} is outside case ${caseName}`);
    return path;
  };
  const guarded = new Set<string>();
  // Walking newest first, the first generation seen for a path is the one the plan left there.
  const guardOf = (path: string, entry: JournalEntry): UndoGuard | undefined => {
    if (entry.generation === undefined || guarded.has(path)) return undefined;
    guarded.add(path);
    return { path, generation: entry.generation };
  };

  for (const { action, entry } of [...applied].reverse()) {
    const operations: Operation[] = [];
    let guard: UndoGuard | undefined;
    switch (action.kind) {
      // Both only added or replaced an object at the destination: remove it, or put back what it replaced.
      case 'put':
      case 'copy': {
        const destination = rel(action.destination);
        guard = guardOf(destination, entry);
        // A marker that replaced a marker leaves the folder as it was: markers hold nothing.
        if (destination.endsWith('/')) {
          if (!entry.backup) operations.push({ type: 'remove_folder', destination });
        } else if (entry.backup) operations.push({ type: 'restore', backup: entry.backup, destination, overwrite: true });
        else operations.push({ type: 'delete', source: destination });
        break;
      }
      case 'move': {
        const destination = rel(action.destination);
        const source = rel(action.source);
        guard = guardOf(destination, entry);
        if (destination.endsWith('/')) {
          // A folder marker: recreate the old one, drop the new one unless it replaced a marker.
          if (!entry.backup) operations.push({ type: 'remove_folder', destination });
          operations.push({ type: 'create_dir', destination: source });
        } else {
          operations.push({ type: 'move', source: destination, destination: source, overwrite: false });
          if (entry.backup) operations.push({ type: 'restore', backup: entry.backup, destination, overwrite: false });
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
    if (operations.length > 0) steps.push({ action: action.index, operations, ...(guard ? { guard } : {}) });
  }
  return steps;
}

/** The undo as one rollback plan: every step's operations in order, and every guard. */
export function deriveRollback(caseName: string, applied: ReadonlyArray<{ action: Action; entry: JournalEntry }>): RollbackDerivation {
  const steps = deriveUndo(caseName, applied);
  return { operations: steps.flatMap((step) => step.operations), guards: steps.flatMap((step) => (step.guard ? [step.guard] : [])) };
}

/**
 * A guard that no longer holds: the object is there with another generation than the plan left,
 * so someone changed it since, and undoing would lose that change. (An object that is gone is
 * not a broken guard: there is nothing of anyone's to lose, and the undo step finds it missing.)
 */
export function brokenGuard(guard: UndoGuard, currentGeneration: string | undefined): string | undefined {
  if (currentGeneration === undefined || currentGeneration === guard.generation) return undefined;
  return `\`${guard.path}\` was changed after the plan wrote it; undoing it would lose that change`;
}

/**
 * Compensation's reading of the guards: instead of refusing the whole undo, it leaves out each
 * step whose object a person changed, and every later step that touches a path such a step
 * would have put back (its preconditions would no longer describe the workspace).
 */
export function holdBackChanged(steps: readonly UndoStep[], current: ReadonlyMap<string, string>): { kept: UndoStep[]; heldBack: HeldBackStep[] } {
  const kept: UndoStep[] = [];
  const heldBack: HeldBackStep[] = [];
  const tainted = new Map<string, string>();
  for (const step of steps) {
    const broken = step.guard ? brokenGuard(step.guard, current.get(step.guard.path)) : undefined;
    const touched = step.operations.flatMap(pathsOf);
    const dependsOn = touched.find((path) => tainted.has(path));
    if (broken === undefined && dependsOn === undefined) {
      kept.push(step);
      continue;
    }
    const path = broken !== undefined ? step.guard!.path : dependsOn!;
    heldBack.push({
      action: step.action,
      path,
      message: broken ?? `not undone: it depends on \`${dependsOn}\`, which ${tainted.get(dependsOn!)}`,
    });
    for (const other of touched) if (!tainted.has(other)) tainted.set(other, broken !== undefined ? 'a person changed' : 'was not undone');
  }
  return { kept, heldBack };
}

function pathsOf(operation: Operation): string[] {
  switch (operation.type) {
    case 'move':
    case 'copy':
      return [operation.source, operation.destination];
    case 'delete':
      return [operation.source];
    default:
      return [operation.destination];
  }
}
