/**
 * One owner at a time for an embedded state directory: the running process holds
 * `<state>/owner.lock` (its pid). A second Bailiff on the same directory is refused; a lock
 * left by a process that is gone (killed, crashed) is taken over, and the new owner knows that
 * every lease left in the state was held by a dead process, so it can take them over at once
 * instead of waiting for them to expire.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { unavailable } from '../../errors.ts';

export const STATE_LOCK_FILE = 'owner.lock';

interface LockContent {
  pid: number;
  startedAt: string;
}

export interface StateDirLock {
  /** The owner before this one, when it left without releasing (it died). */
  readonly previousOwner?: LockContent;
  /** Gives the directory up (clean shutdown). */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state directory, or throws `unavailable` naming the live process that has it. */
export function lockStateDir(stateDir: string): StateDirLock {
  const path = join(stateDir, STATE_LOCK_FILE);
  const mine: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
  let previousOwner: LockContent | undefined;
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, JSON.stringify(mine));
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let held: LockContent | undefined;
    try {
      held = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
    } catch {
      // A torn lock file (the holder died while writing it) belongs to nobody.
    }
    if (held && Number.isInteger(held.pid) && isAlive(held.pid)) {
      throw unavailable(`the state directory ${stateDir} is in use by process ${held.pid} (since ${held.startedAt}); stop it first, or remove ${path} if that process is not Bailiff`);
    }
    previousOwner = held;
    writeFileSync(path, JSON.stringify(mine), { mode: 0o600 });
  }
  let released = false;
  return {
    ...(previousOwner ? { previousOwner } : {}),
    release() {
      if (released) return;
      released = true;
      try {
        const current = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
        if (current.pid === process.pid && current.startedAt === mine.startedAt) unlinkSync(path);
      } catch {
        // Already gone: nothing to give up.
      }
    },
  };
}
