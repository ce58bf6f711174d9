/**
 * A minimal command line for the sandbox round trip, until the `bailiff` CLI registers these
 * verbs as its own commands (they are its `pull`, `status` and `push`):
 *
 *   BAILIFF_URL=http://127.0.0.1:8080 BAILIFF_TOKEN=... npm run sandbox -- pull <case> [dir]
 *   npm run sandbox -- status [dir]
 *   npm run sandbox -- push [dir] -m "<description>" [--dry-run]
 *
 * `runSandboxCommand` takes argv and env as parameters and returns the exit code, so tests run
 * it in-process exactly as a person would.
 */
import { SandboxClient } from './client.ts';
import { formatStatus, localStatus, pull, push, readSnapshot, scanTree, type Progress } from './round-trip.ts';

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether to draw a progress line (a terminal). */
  tty: boolean;
}

const USAGE = `usage:
  pull <case> [dir]                 download the case (default dir: ./<case>) and its snapshot
  status [dir]                      what changed since the pull: renamed, added, modified, deleted
  push [dir] -m "<description>"     upload new content, propose the result as one plan
       [--dry-run]                  print the operations, upload and propose nothing
environment: BAILIFF_URL (default http://127.0.0.1:8080), BAILIFF_TOKEN`;

export function progressBar(io: Pick<CommandIo, 'tty'>): Progress | undefined {
  if (!io.tty) return undefined;
  let last = 0;
  return (event) => {
    const now = Date.now();
    if (now - last < 100 && event.files < event.totalFiles) return;
    last = now;
    const share = event.totalBytes > 0 ? event.bytes / event.totalBytes : event.files / Math.max(1, event.totalFiles);
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
    process.stderr.write(`\r${event.phase.padEnd(8)} [${bar}] ${event.files}/${event.totalFiles} files, ${(event.bytes / 1024 ** 2).toFixed(1)}/${(event.totalBytes / 1024 ** 2).toFixed(1)} MiB`);
    if (event.files === event.totalFiles) process.stderr.write('\n');
  };
}

export async function runSandboxCommand(argv: readonly string[], env: Record<string, string | undefined>, io: CommandIo): Promise<number> {
  const [verb, ...rest] = argv;
  const flags = new Set(rest.filter((arg) => arg === '--dry-run'));
  const message = rest.includes('-m') ? rest[rest.indexOf('-m') + 1] : undefined;
  const positional = rest.filter((arg, index) => arg !== '--dry-run' && arg !== '-m' && rest[index - 1] !== '-m');
  const client = () => {
    if (!env.BAILIFF_TOKEN) throw new Error('set BAILIFF_TOKEN to your Bailiff token');
    return new SandboxClient({ url: env.BAILIFF_URL ?? 'http://127.0.0.1:8080', token: env.BAILIFF_TOKEN });
  };
  try {
    switch (verb) {
      case 'pull': {
        const [caseName, dir = caseName] = positional;
        if (!caseName) break;
        const snapshot = await pull(client(), caseName, dir!, { progress: progressBar(io) });
        io.out(`pulled ${snapshot.objects.length} objects of ${caseName} into ${dir}`);
        return 0;
      }
      case 'status': {
        const [dir = '.'] = positional;
        const snapshot = await readSnapshot(dir);
        io.out(formatStatus(localStatus(snapshot, await scanTree(dir, snapshot, { progress: progressBar(io) }))));
        return 0;
      }
      case 'push': {
        const [dir = '.'] = positional;
        if (!message) {
          io.err('push needs a description: -m "<what the change does>"');
          return 2;
        }
        const result = await push(client(), dir, { description: message, dryRun: flags.has('--dry-run'), progress: progressBar(io) });
        for (const warning of result.warnings) io.out(`WARNING ${warning.message}`);
        for (const conflict of result.conflicts) io.out(`CONFLICT ${conflict.message}`);
        if (!result.planId) {
          for (const operation of result.operations) io.out(JSON.stringify(operation));
          io.out(`dry run: ${result.operations.length} operations; nothing uploaded or proposed`);
          return result.conflicts.length > 0 ? 1 : 0;
        }
        const report = result.report as { operations: Array<{ effect: string }>; errors: Array<{ message: string; code: string }> };
        for (const line of report.operations) io.out(`  ${line.effect}`);
        for (const error of report.errors.filter((issue) => !issue.code.startsWith('conflict_'))) io.out(`ERROR ${error.message}`);
        io.out(`uploaded ${result.uploaded} new blobs (${(result.uploadedBytes / 1024 ** 2).toFixed(1)} MiB)`);
        io.out(`proposed ${result.planId}: ${result.valid ? 'valid, waiting for approval' : 'NOT approvable as it stands'}`);
        io.out(`review it at ${result.consoleUrl}`);
        return result.valid ? 0 : 1;
      }
    }
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
  io.err(USAGE);
  return 2;
}

if (import.meta.main) {
  const code = await runSandboxCommand(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    tty: process.stderr.isTTY === true,
  });
  process.exitCode = code;
}
