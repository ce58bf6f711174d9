/**
 * Emulators that start children of their own (gcloud starts a JVM, the storage testbench
 * starts gunicorn and its worker) must be stopped as a whole process group: killing the
 * parent alone leaves the child serving the port. So each is spawned as the leader of its own
 * group, and stopping signals the group.
 *
 * A test run that is killed outright (SIGKILL, a CI timeout) runs no clean-up code, so a small
 * shell watchdog beside each group kills it once the process that started it is gone, and an
 * exit hook kills every group still alive when the run exits normally but abruptly.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const STOP_GRACE_MS = 5_000;
const liveGroups = new Set<number>();
let exitHookInstalled = false;

// Polls the test run's process ($1) and SIGKILLs the group ($2) within a second of its death;
// it also leaves once the group is gone.
const WATCHDOG = 'while kill -0 "$1" 2>/dev/null && kill -0 -- "-$2" 2>/dev/null; do sleep 1; done; kill -KILL -- "-$2" 2>/dev/null';

export interface ProcessGroup {
  /** The group leader. */
  child: ChildProcess;
  watchdog?: ChildProcess;
}

/** Spawns `command` as the leader of a new process group, watched as described above. */
export function spawnGroup(command: string, args: readonly string[], options: Omit<SpawnOptions, 'detached'>): ProcessGroup {
  installExitHook();
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) return { child };
  liveGroups.add(child.pid);
  const watchdog = spawn('bash', ['-c', WATCHDOG, 'emulator-watchdog', String(process.pid), String(child.pid)], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return { child, watchdog };
}

/**
 * SIGTERM to the whole group, SIGKILL after a grace period; resolves once no process of the
 * group is left. Throws if the group survives SIGKILL.
 */
export async function stopGroup(group: ProcessGroup, name: string): Promise<void> {
  const pid = group.child.pid;
  if (pid !== undefined) {
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    const killDeadline = Date.now() + STOP_GRACE_MS;
    while (groupAlive(pid) && Date.now() < killDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (groupAlive(pid)) throw new Error(`${name} (process group ${pid}) survived SIGKILL`);
    liveGroups.delete(pid);
  }
  // Its loop ends by itself once the group is gone; this only saves it the last second.
  if (group.watchdog?.pid !== undefined && group.watchdog.exitCode === null) signalGroup(group.watchdog.pid, 'SIGTERM');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    // ESRCH: no process left in the group. (EPERM would mean the id now belongs to someone else's group.)
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible here: kill outright rather than leave servers behind.
  process.once('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}
