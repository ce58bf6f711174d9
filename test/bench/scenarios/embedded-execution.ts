/**
 * Scenario 2 — executing on the embedded workspace: 10,000 moves (files of 1–64 KiB from an
 * inbox into 20 folders) in a local directory. Bailiff (FsObjectStore + SQLite, the embedded
 * composition) against the physical floor — a synchronous loop of renameSync, with the
 * mkdirSync of the 20 folders it needs — and against `rclone move`, doing the same work:
 * rclone runs once per destination folder with the folder's files listed in a
 * --files-from-raw file, so it moves exactly the plan's files and nothing else. A traced run
 * (strace -f -c) counts Bailiff's file-system calls per move. Bailiff runs twice: as deployed
 * (adaptive concurrency) and with its concurrency fixed at 32, which shows what the controller
 * costs where every action's time is this process's own CPU.
 *
 * The files are written with plain fs calls, as a firm's existing files would be (no Bailiff
 * metadata sidecars), and flushed with `sync` before the clock starts so no contender pays for
 * the previous one's write-back.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../../shared/adapters/local/fs-object-store.ts';
import { SqlitePlanStore } from '../../../shared/adapters/local/sqlite-plan-store.ts';
import { rotate, type BenchContext } from '../lib/context.ts';
import { CountingObjectStore, diffStoreCounts, type StoreCounts } from '../lib/counting-store.ts';
import { contentOf, FOLDERS, inboxFiles, totalBytes, type FileSpec } from '../lib/fixtures.ts';
import { addNote, addRatio, addRow, addTarget } from '../lib/results.ts';
import { ensureRclone, rcloneEnv } from '../lib/tools.ts';
import { formatNumber, formatSig, log, mapLimited, median, MiB, runProgram, timed } from '../lib/util.ts';
import { apply, defaultExecutorOptions, execute, movePlan, proposeAndApprove, wireBailiff } from '../lib/wiring.ts';

const SCENARIO = '2 Embedded workspace execution';

type Contender = 'bailiff' | 'fixed' | 'store' | 'rename' | 'rclone';

const LABELS: Record<Contender, string> = {
  bailiff: 'Bailiff executor (FsObjectStore + SQLite)',
  fixed: 'Bailiff executor, concurrency fixed at 32 (BAILIFF_EXECUTOR_MAX_CONCURRENCY=32)',
  store: 'FsObjectStore.rename alone (no executor), 32 at a time',
  rename: 'floor: synchronous loop of renameSync',
  rclone: 'rclone move (one per folder, --files-from-raw)',
};

/** Writes the inbox as ordinary files and flushes them to disk. */
export async function seedDirectory(caseDir: string, files: readonly FileSpec[]): Promise<void> {
  await mkdir(join(caseDir, 'inbox'), { recursive: true });
  await mapLimited(files, 16, (file) => writeFile(join(caseDir, file.source), contentOf(file.size)));
  await runProgram('sync', []);
}

async function verifyDirectory(caseDir: string, files: readonly FileSpec[], who: string): Promise<void> {
  const left = await readdir(join(caseDir, 'inbox')).catch(() => [] as string[]);
  const placed = new Set<string>();
  for (let folder = 0; folder < FOLDERS; folder += 1) {
    const name = `folder-${String(folder).padStart(2, '0')}`;
    for (const entry of await readdir(join(caseDir, name)).catch(() => [] as string[])) placed.add(`${name}/${entry}`);
  }
  const missing = files.filter((file) => !placed.has(file.destination)).length;
  if (left.length > 0 || missing > 0) throw new Error(`${who}: ${missing} files missing at their destination and ${left.length} left in the inbox`);
}

export async function embeddedExecution(ctx: BenchContext): Promise<void> {
  const rclone = await ensureRclone();
  ctx.versions.rclone = rclone.replace(/^rclone\s+/, '');
  const count = ctx.quick ? 2000 : 10_000;
  const files = inboxFiles(count);
  const contenders: Contender[] = ['bailiff', 'fixed', 'store', 'rename', 'rclone'];
  const samples = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  // CPU seconds of this process while the clock ran (user + system): on a machine other work
  // keeps busy, what the moves cost is steadier than how long they took. rclone's are its own.
  const cpuSamples = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  let bailiffCounts: StoreCounts | undefined;

  for (let run = 0; run < ctx.runs; run += 1) {
    for (const contender of rotate(contenders, run)) {
      const dir = join(ctx.workDir, `s2-${contender}-r${run}`);
      const root = join(dir, 'workspace');
      const caseName = `s2-${contender}-r${run}`;
      const caseDir = join(root, 'projects', caseName);
      await seedDirectory(caseDir, files);
      let ms: number;
      const cpuBefore = process.cpuUsage();
      if (contender === 'bailiff' || contender === 'fixed') {
        const objects = new CountingObjectStore(new FsObjectStore({ root, metadataDir: join(dir, 'state', 'object-metadata') }));
        await mkdir(join(dir, 'state'), { recursive: true });
        const plans = new SqlitePlanStore(join(dir, 'state', 'bailiff.sqlite'));
        // As deployed, the executor adapts its concurrency (32 up to 128); "fixed" shows what
        // that controller costs on a local disk, where every action's time is this process's CPU.
        const fixed = defaultExecutorOptions().concurrency;
        const bailiff = wireBailiff({ objects, plans }, contender === 'fixed' ? { concurrency: fixed, maxConcurrency: fixed } : {});
        const planId = await proposeAndApprove(bailiff, movePlan(caseName, files));
        await apply(bailiff, planId);
        // Proposal wrote the database; flush it too so the executor starts from a quiet disk.
        await runProgram('sync', []);
        const before = objects.snapshot();
        ms = (await timed(() => execute(bailiff, planId))).ms;
        if (contender === 'bailiff') bailiffCounts = diffStoreCounts(objects.snapshot(), before);
        plans.close();
      } else if (contender === 'store') {
        // The store's own share of the executor's time: the same moves with their provenance,
        // without the executor's stats, journal and lease.
        const store = new FsObjectStore({ root, metadataDir: join(dir, 'state', 'object-metadata') });
        await store.health();
        const metadata = { 'bailiff-plan': 'pln_bench', 'bailiff-action': '0' };
        ms = (
          await timed(() =>
            mapLimited(files, defaultExecutorOptions().concurrency, (file) =>
              store.rename(`projects/${caseName}/${file.source}`, `projects/${caseName}/${file.destination}`, { ifGenerationMatch: '0', metadata }),
            ),
          )
        ).ms;
      } else if (contender === 'rename') {
        ms = (await timed(async () => renameSyncLoop(caseDir, files))).ms;
      } else {
        const lists = await writeRcloneLists(dir, files);
        ms = (await timed(() => rcloneMoves(caseDir, lists, rcloneEnv(dir)))).ms;
      }
      const cpu = process.cpuUsage(cpuBefore);
      await verifyDirectory(caseDir, files, LABELS[contender]);
      samples.get(contender)!.push(ms);
      cpuSamples.get(contender)!.push((cpu.user + cpu.system) / 1e6);
      log(`s2 run ${run + 1}/${ctx.runs} ${contender}: ${(ms / 1000).toFixed(2)} s (${formatSig((files.length / ms) * 1000)} moves/s)`);
      await rm(dir, { recursive: true, force: true });
    }
  }

  for (const contender of contenders) {
    const ms = samples.get(contender)!;
    addRow(ctx.results, {
      scenario: SCENARIO,
      name: `${LABELS[contender]}: moves/s`,
      unit: 'moves/s',
      samples: ms.map((value) => (files.length / value) * 1000),
      extra: { seconds: median(ms) / 1000, ...(contender === 'rclone' ? {} : { 'cpu s': median(cpuSamples.get(contender)!) }) },
    });
  }
  const perRun = (a: Contender, b: Contender) => samples.get(a)!.map((value, run) => value / samples.get(b)![run]!);
  const vsRename = addRatio(ctx.results, { scenario: SCENARIO, name: 'time Bailiff ÷ renameSync loop', samples: perRun('bailiff', 'rename') });
  addRatio(ctx.results, { scenario: SCENARIO, name: 'time Bailiff, concurrency fixed at 32 ÷ renameSync loop', samples: perRun('fixed', 'rename') });
  addRatio(ctx.results, { scenario: SCENARIO, name: 'time FsObjectStore.rename alone ÷ renameSync loop', samples: perRun('store', 'rename') });
  const cpuPerRun = (a: Contender, b: Contender) => cpuSamples.get(a)!.map((value, run) => value / cpuSamples.get(b)![run]!);
  addRatio(ctx.results, {
    scenario: SCENARIO,
    name: 'CPU Bailiff ÷ CPU renameSync loop (this process, user + system)',
    samples: cpuPerRun('bailiff', 'rename'),
  });
  addRatio(ctx.results, { scenario: SCENARIO, name: 'CPU Bailiff, concurrency fixed at 32 ÷ CPU renameSync loop', samples: cpuPerRun('fixed', 'rename') });
  const vsRclone = addRatio(ctx.results, { scenario: SCENARIO, name: 'time rclone move ÷ Bailiff', samples: perRun('rclone', 'bailiff') });
  addTarget(ctx.results, 'Embedded moves within 3× of a renameSync loop (time ratio)', vsRename.median, '<=', 3, '×');
  addTarget(ctx.results, 'Embedded moves faster than rclone move (rclone time ÷ Bailiff time)', vsRclone.median, '>', 1, '×');
  addNote(
    ctx.results,
    SCENARIO,
    `${formatNumber(files.length)} moves, ${(totalBytes(files) / MiB).toFixed(0)} MiB, into ${FOLDERS} folders; executor concurrency ${defaultExecutorOptions().concurrency}, journal batch ${defaultExecutorOptions().journalBatch} (the defaults).`,
  );
  if (bailiffCounts) {
    const calls = Object.entries(bailiffCounts).filter(([, n]) => n > 0);
    addNote(
      ctx.results,
      SCENARIO,
      `Bailiff's ObjectStore calls per move while executing: ${formatSig(calls.reduce((sum, [, n]) => sum + n, 0) / files.length)} (${calls.map(([call, n]) => `${call} ${formatNumber(n)}`).join(', ')}).`,
    );
  }
  addNote(ctx.results, SCENARIO, await systemCallsPerMove(ctx, Math.min(count, 2000)));
}

/** System calls a process not under test would never make: the event loop's own plumbing. */
const NOT_FILE_SYSTEM = new Set([
  'epoll_wait',
  'epoll_pwait',
  'epoll_ctl',
  'futex',
  'mmap',
  'munmap',
  'mprotect',
  'madvise',
  'brk',
  'getpid',
  'gettid',
  'rt_sigaction',
  'rt_sigprocmask',
  'clock_gettime',
  'getrusage',
  'sched_yield',
  'exit_group',
  'exit',
  'tgkill',
  'wait4',
]);

/**
 * Counts the system calls Bailiff makes per move, executing `count` moves in a child process
 * traced by `strace -f -c` (attached after the seeding and the proposal, so only the execution
 * counts). File-system calls are all of them but the event loop's and the allocator's own.
 */
async function systemCallsPerMove(ctx: BenchContext, count: number): Promise<string> {
  if ((await runProgram('strace', ['-V'])).code !== 0) return 'System calls per move: not measured (strace is not installed; `apt-get install strace`).';
  const dir = join(ctx.workDir, 's2-strace');
  const summary = join(dir, 'strace.txt');
  await mkdir(dir, { recursive: true });
  const child = spawn(process.execPath, [fileURLToPath(new URL('./embedded-execution-child.ts', import.meta.url)), dir, String(count)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let childErrors = '';
  child.stderr.on('data', (chunk: Buffer) => (childErrors += chunk.toString()));
  const childExit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the traced child exited early with ${code}: ${childErrors}`)));
    });
    const tracer = spawn('strace', ['-f', '-c', '-o', summary, '-p', String(child.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const tracerExit = new Promise<number | null>((resolve) => tracer.once('exit', resolve));
    // strace says so on stderr once it is attached; every thread must be traced before the work starts.
    await new Promise<void>((resolve) => tracer.stderr.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.stdin.end('go\n');
    if ((await childExit) !== 0) throw new Error(`the traced child failed: ${childErrors}`);
    await tracerExit;
    const calls = parseStraceSummary(await readFile(summary, 'utf8'));
    const fileSystem = [...calls].filter(([name]) => !NOT_FILE_SYSTEM.has(name));
    const total = fileSystem.reduce((sum, [, n]) => sum + n, 0);
    const top = fileSystem
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([name, n]) => `${name} ${formatSig(n / count)}`);
    return `File-system calls per move while executing (strace -f -c, ${formatNumber(count)} moves): ${formatSig(total / count)} (${top.join(', ')}).`;
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

/** syscall name → calls, from the table `strace -c` writes. */
function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    const columns = line.trim().split(/\s+/);
    const name = columns.at(-1);
    // Rows are: % time, seconds, usecs/call, calls, [errors,] syscall.
    if (!name || !/^\d+\.\d+$/.test(columns[0] ?? '') || name === 'total') continue;
    const count = Number(columns[3]);
    if (Number.isInteger(count)) calls.set(name, count);
  }
  return calls;
}

/** The floor: what the disk costs with no bookkeeping and no event-loop round trips at all. */
function renameSyncLoop(caseDir: string, files: readonly FileSpec[]): void {
  for (let folder = 0; folder < FOLDERS; folder += 1) mkdirSync(join(caseDir, `folder-${String(folder).padStart(2, '0')}`), { recursive: true });
  for (const file of files) renameSync(join(caseDir, file.source), join(caseDir, file.destination));
}

async function writeRcloneLists(dir: string, files: readonly FileSpec[]): Promise<Map<string, string>> {
  const byFolder = new Map<string, string[]>();
  for (const file of files) {
    const names = byFolder.get(file.folder) ?? [];
    names.push(file.source.slice('inbox/'.length));
    byFolder.set(file.folder, names);
  }
  const lists = new Map<string, string>();
  for (const [folder, names] of byFolder) {
    const list = join(dir, `rclone-${folder}.txt`);
    await writeFile(list, `${names.join('\n')}\n`);
    lists.set(folder, list);
  }
  return lists;
}

async function rcloneMoves(caseDir: string, lists: Map<string, string>, env: NodeJS.ProcessEnv): Promise<void> {
  for (const [folder, list] of lists) {
    const result = await runProgram('rclone', ['move', join(caseDir, 'inbox'), join(caseDir, folder), '--files-from-raw', list, '--no-traverse', '-q'], {
      env,
    });
    if (result.code !== 0) throw new Error(`rclone move failed (exit ${result.code ?? result.error}): ${result.stderr}`);
  }
}
