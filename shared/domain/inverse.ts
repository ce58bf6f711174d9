/**
 * Undo derivation: from the actions a plan applied and their journaled outcomes, the operations
 * that undo them, newest first. A rollback plan is dry-run and approved like any other, and its
 * guards make the dry run refuse to undo an object someone changed since; compensation (a failing
 * plan with `onError: rollback`) holds such steps back instead and reports them.
 */
import type { Action } from './actions.ts';
import { casePathOf } from './paths.ts';
import type { Operation } from './plan.ts';
import type { JournalEntry } from './journal.ts';

/**
 * What an object the undo touches must still be: the generation the plan left there, or `"0"`
 * for a path the plan left empty (it moved or deleted the object). Anything else means a person
 * changed it since, and undoing would lose that change.
 */
export interface UndoGuard {
  path: string;
  generation: string;
}

/** The guard generation of a path the plan left without an object (as in Cloud Storage preconditions). */
export const ABSENT = '0';

/** What undoing one applied action takes: its operations, guarded by what the action left behind. */
export interface UndoStep {
  /** The index of the action this step undoes. */
  action: number;
  operations: Operation[];
  /** The paths this step is the last plan action to have touched, as the plan left them. */
  guards: UndoGuard[];
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
  for (const { action, entry } of [...applied].reverse()) {
    const operations: Operation[] = [];
    const guards: UndoGuard[] = [];
    // Walking newest first, the first action seen for a path is the one that left it as it is.
    const leaves = (path: string, generation: string | undefined) => {
      if (generation === undefined || guarded.has(path)) return;
      guarded.add(path);
      guards.push({ path, generation });
    };
    switch (action.kind) {
      // Both only added or replaced an object at the destination: remove it, or put back what it replaced.
      case 'put':
      case 'copy': {
        const destination = rel(action.destination);
        leaves(destination, entry.generation);
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
        leaves(destination, entry.generation);
        leaves(source, ABSENT);
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
        leaves(target, ABSENT);
        if (target.endsWith('/')) operations.push({ type: 'create_dir', destination: target });
        else if (entry.backup) operations.push({ type: 'restore', backup: entry.backup, destination: target, overwrite: false });
        break;
      }
    }
    if (operations.length > 0) steps.push({ action: action.index, operations, guards });
  }
  return steps;
}

/** The undo as one rollback plan: every step's operations in order, and every guard. */
export function deriveRollback(caseName: string, applied: ReadonlyArray<{ action: Action; entry: JournalEntry }>): RollbackDerivation {
  const steps = deriveUndo(caseName, applied);
  return { operations: steps.flatMap((step) => step.operations), guards: steps.flatMap((step) => step.guards) };
}

/**
 * Why a guard no longer holds (someone changed the path since the plan), or undefined when it
 * holds. Folder markers hold no data, so no change to one can be lost (and a store may not list
 * the marker of a folder that has files in it).
 */
export function brokenGuard(guard: UndoGuard, currentGeneration: string | undefined): string | undefined {
  if (guard.path.endsWith('/')) return undefined;
  const current = currentGeneration ?? ABSENT;
  if (current === guard.generation) return undefined;
  if (guard.generation === ABSENT) return `\`${guard.path}\` was created after the plan moved or deleted what was there; undoing it would lose that change`;
  if (current === ABSENT) return `\`${guard.path}\` was removed after the plan wrote it; undoing it would lose that change`;
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
    const broken = step.guards.map((guard) => ({ guard, message: brokenGuard(guard, current.get(guard.path)) })).find((check) => check.message !== undefined);
    const touched = step.operations.flatMap(pathsOf);
    const dependsOn = touched.find((path) => tainted.has(path));
    if (broken === undefined && dependsOn === undefined) {
      kept.push(step);
      continue;
    }
    // Every path the step would have put back stays as it is now: the cause, and the others.
    const cause = broken !== undefined ? broken.guard.path : dependsOn!;
    const causeMessage = broken !== undefined ? broken.message! : `not undone: it depends on \`${dependsOn}\`, which ${tainted.get(dependsOn!)}`;
    heldBack.push({ action: step.action, path: cause, message: causeMessage });
    for (const path of new Set(touched)) {
      if (path !== cause) heldBack.push({ action: step.action, path, message: `not put back: undoing it needs \`${cause}\`, which was left as it is` });
    }
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
