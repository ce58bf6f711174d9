/**
 * One owner at a time for an embedded state directory. The running process holds an exclusive
 * SQLite lock on `<state>/state.lock` (a write transaction in exclusive locking mode, which is
 * an fcntl lock on an open file descriptor). The kernel drops that lock the moment the process
 * ends, however it ends, so a killed process — even one still waiting to be reaped — never
 * blocks the next start, and a second live Bailiff on the same directory is refused.
 *
 * `<state>/owner.json` only says who holds the lock (for the refusal message and for the next
 * owner); it decides nothing. It is removed on a clean release, so finding it on start means the
 * previous owner died, and every lease left in the state was held by a dead process.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { unavailable } from '../../errors.ts';

export const STATE_LOCK_FILE = 'state.lock';
export const STATE_OWNER_FILE = 'owner.json';
/**
 * How long a start waits for the lock: a holder that has just been killed is gone within
 * milliseconds; a live holder keeps the lock, and the start is refused after this wait.
 */
const LOCK_WAIT_MS = 1000;

interface OwnerInfo {
  pid: number;
  startedAt: string;
}

/** Keep it referenced while the process owns the directory: a collected handle closes its lock. */
export interface StateDirLock {
  /** The owner before this one, when it left without releasing (it died). */
  readonly previousOwner?: OwnerInfo;
  /** Gives the directory up (clean shutdown). */
  release(): void;
}

function readOwner(path: string): OwnerInfo | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as OwnerInfo;
    return Number.isInteger(parsed.pid) && typeof parsed.startedAt === 'string' ? parsed : undefined;
  } catch {
    // Absent (a clean release) or torn (the holder died while writing it).
    return undefined;
  }
}

/** Takes the state directory, or throws `unavailable` naming the live process that has it. */
export function lockStateDir(stateDir: string): StateDirLock {
  const lockPath = join(stateDir, STATE_LOCK_FILE);
  const ownerPath = join(stateDir, STATE_OWNER_FILE);
  const db = new DatabaseSync(lockPath);
  try {
    db.exec(`PRAGMA busy_timeout = ${LOCK_WAIT_MS}`);
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    // Held until release or death: never committed.
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (!/locked|busy/i.test((error as Error).message)) throw error;
    const holder = readOwner(ownerPath);
    const who = holder ? `process ${holder.pid} (since ${holder.startedAt})` : 'another process';
    throw unavailable(`the state directory ${stateDir} is in use by ${who}; stop it first`);
  }
  const previousOwner = readOwner(ownerPath);
  const mine: OwnerInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  writeFileSync(ownerPath, JSON.stringify(mine), { mode: 0o600 });
  let released = false;
  return {
    ...(previousOwner ? { previousOwner } : {}),
    release() {
      if (released) return;
      released = true;
      try {
        unlinkSync(ownerPath);
      } catch {
        // Already gone: nothing to tidy.
      }
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
