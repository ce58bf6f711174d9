/**
 * CPU seconds spent by this process and by the emulators while something is timed. On a
 * two-core machine the emulators compete with the code under test for the same cores, so a
 * time alone cannot say whose work it was; this can. Linux only (/proc); elsewhere it reports
 * nothing.
 */
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/**
 * Pids whose command line (arguments joined by spaces) contains every needle. Read-only:
 * nothing is signalled. Other people's emulators may run on this machine too, so callers
 * include the port theirs listens on.
 */
export async function pidsMatching(...needles: string[]): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    if (needles.every((needle) => cmdline.includes(needle))) pids.push(Number(entry));
  }
  return pids;
}

async function ticksOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime
}

export interface CpuProbe {
  /** CPU seconds per label since the probe started. */
  stop(): Promise<Record<string, number>>;
}

export async function startCpuProbe(others: Record<string, number[]>): Promise<CpuProbe> {
  const selfBefore = process.cpuUsage();
  const before = new Map<string, number>();
  for (const [label, pids] of Object.entries(others))
    before.set(
      label,
      (await Promise.all(pids.map(ticksOf))).reduce((a, b) => a + b, 0),
    );
  return {
    async stop() {
      const self = process.cpuUsage(selfBefore);
      const result: Record<string, number> = { bench: (self.user + self.system) / 1e6 };
      for (const [label, pids] of Object.entries(others)) {
        const after = (await Promise.all(pids.map(ticksOf))).reduce((a, b) => a + b, 0);
        result[label] = (after - before.get(label)!) / TICKS_PER_SECOND;
      }
      return result;
    },
  };
}

/** The emulators this bench started, found by the ports in their environment variables. */
export async function emulatorPids(): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {};
  const gcsPort = process.env.STORAGE_EMULATOR_HOST?.split(':').pop();
  if (gcsPort) result['fake-gcs'] = await pidsMatching('fake-gcs-server', `-port ${gcsPort} `);
  const firestorePort = process.env.FIRESTORE_EMULATOR_HOST?.split(':').pop();
  // The JVM, not the gcloud and shell wrappers above it, does the work.
  if (firestorePort) result.firestore = await pidsMatching('CloudFirestore', `--port=${firestorePort} `);
  return result;
}
