/**
 * The latest journaled outcome of each action of one plan, as one byte per action. An
 * execution needs it for every action (which to skip, what to count, where the cursor may
 * advance to), and it is the only per-action state an execution holds for the whole plan: a
 * Map of 100,000 outcomes costs megabytes of heap, this array 100 KB, so a 256 MiB executor
 * can run a plan of millions of actions.
 */
import type { JournalEntry, JournalOutcome } from '../domain/journal.ts';

const CODES: readonly JournalOutcome[] = ['done', 'stale', 'failed', 'compensated'];
const NONE = 0;

export class JournalOutcomes {
  #codes: Uint8Array;

  constructor(actionCount: number) {
    this.#codes = new Uint8Array(Math.max(0, actionCount));
  }

  /** Records an entry; a later entry for the same action supersedes an earlier one, as in the journal. */
  record(entry: Pick<JournalEntry, 'action' | 'outcome'>): void {
    if (entry.action >= this.#codes.length) {
      // Only a journal that disagrees with the plan's action count gets here; keep it whole anyway.
      const grown = new Uint8Array(Math.max(entry.action + 1, this.#codes.length * 2));
      grown.set(this.#codes);
      this.#codes = grown;
    }
    this.#codes[entry.action] = CODES.indexOf(entry.outcome) + 1;
  }

  has(action: number): boolean {
    return (this.#codes[action] ?? NONE) !== NONE;
  }

  get(action: number): JournalOutcome | undefined {
    const code = this.#codes[action] ?? NONE;
    return code === NONE ? undefined : CODES[code - 1];
  }

  /** Every action with an outcome, in action order. */
  *entries(): Generator<[number, JournalOutcome]> {
    for (let action = 0; action < this.#codes.length; action += 1) {
      const code = this.#codes[action]!;
      if (code !== NONE) yield [action, CODES[code - 1]!];
    }
  }
}
