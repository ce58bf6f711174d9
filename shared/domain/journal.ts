/**
 * The execution journal: the recorded outcome of each action of a plan, appended in batches.
 *
 * `done`, `stale` (an object was not what the approval relied on) and `failed` are an action's
 * outcomes; `compensated` is appended later for a done action that compensation undid.
 */
export type JournalOutcome = 'done' | 'stale' | 'failed' | 'compensated';

/** The recorded outcome of one action. */
export interface JournalEntry {
  action: number;
  outcome: JournalOutcome;
  /** Generation of the object the action produced (destination), when it produced one. */
  generation?: string;
  /** Backup object holding what the action overwrote or deleted. */
  backup?: string;
  /** Generation of that backup object. */
  backupGeneration?: string;
  /** For stale and failed outcomes: what was wrong, naming the object. */
  message?: string;
  at: string;
}
