/**
 * `bailiff pull`, `bailiff status` and `bailiff push`: the sandbox round trip (pull a case,
 * change the copy with any script, push the result as one target-state plan). The logic lives
 * in shared/sandbox/round-trip.ts; these verbs call it with the CLI's client (so a push
 * authenticates exactly as `bailiff apply` does, Google ID tokens included), check the
 * arguments, print text or `--json`, and turn every failure into the CLI's documented exit codes.
 */
import { caseNameSchema } from '../../domain/plan.ts';
import type { CliCommand } from '../command.ts';
import { CliExit, EXIT, type CliContext } from '../context.ts';
import { formatStatus, localStatus, pull, push, readSnapshot, scanTree, type LocalSnapshot, type Progress } from '../../sandbox/round-trip.ts';

/** A progress line redrawn on stderr while bytes move; only on a terminal. */
function progressBar(ctx: CliContext): Progress | undefined {
  if (!ctx.interactive) return undefined;
  let last = 0;
  return (event) => {
    const now = Date.now();
    if (now - last < 100 && event.files < event.totalFiles) return;
    last = now;
    const share = event.totalBytes > 0 ? event.bytes / event.totalBytes : event.files / Math.max(1, event.totalFiles);
    const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
    const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
    ctx.io.stderr.write(`\r${event.phase.padEnd(8)} [${bar}] ${event.files}/${event.totalFiles} files, ${mib(event.bytes)}/${mib(event.totalBytes)} MiB`);
    if (event.files === event.totalFiles) ctx.io.stderr.write('\n');
  };
}

/** A pulled folder's snapshot; a folder that was never pulled is a usage error that says so. */
async function snapshotOf(dir: string): Promise<LocalSnapshot> {
  try {
    return await readSnapshot(dir);
  } catch (error) {
    throw new CliExit(EXIT.usage, error instanceof Error ? error.message : String(error), { code: 'not_pulled' });
  }
}

export const pullCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('pull')
      .description('download a case (in parallel) and its snapshot, to change it with any script')
      .argument('<case>', 'case name')
      .argument('[dir]', 'where to put it (default: ./<case>)')
      .action(async (caseName: string, dir: string | undefined) => {
        // Checked here, before the name becomes a local folder (`case/../other` would be one).
        const checked = caseNameSchema.safeParse(caseName);
        if (!checked.success) {
          throw new CliExit(EXIT.invalid, 'invalid case name', {
            code: 'invalid_input',
            details: checked.error.issues.map((issue) => ({ path: 'case', message: issue.message })),
          });
        }
        const target = dir ?? caseName;
        const snapshot = await pull(ctx.client, caseName, target, { progress: progressBar(ctx) });
        if (ctx.json) return ctx.printJson({ case: snapshot.case, dir: target, objects: snapshot.objects.length, pulledAt: snapshot.pulledAt });
        ctx.out(`pulled ${snapshot.objects.length} objects of ${caseName} into ${target}`);
      });
  },
};

export const statusCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('status')
      .description('what changed in a pulled case since the pull: renamed, added, modified, deleted')
      .argument('[dir]', 'the pulled folder (default: .)')
      .action(async (dir = '.') => {
        const snapshot = await snapshotOf(dir);
        const status = localStatus(snapshot, await scanTree(dir, snapshot, { progress: progressBar(ctx) }));
        if (ctx.json) return ctx.printJson({ case: snapshot.case, dir, pulledAt: snapshot.pulledAt, ...status });
        ctx.out(formatStatus(status));
      });
  },
};

export const pushCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('push')
      .description('upload new content and propose the pulled folder as it is now, as one plan')
      .argument('[dir]', 'the pulled folder (default: .)')
      .requiredOption('-m, --message <description>', 'what the change does, for the approver')
      .option('--dry-run', 'print the operations; upload and propose nothing')
      .action(async (dir: string = '.', options: { message: string; dryRun?: boolean }) => {
        await snapshotOf(dir);
        const result = await push(ctx.client, dir, { description: options.message, dryRun: options.dryRun === true, progress: progressBar(ctx) });
        // A push that could not be approved as it stands exits 3, like a proposal whose dry run has errors.
        const approvable = result.planId ? result.valid === true : result.conflicts.length === 0;
        const refusal = () =>
          new CliExit(
            EXIT.invalid,
            result.planId ? `${result.planId} was stored, but it cannot be approved as it stands` : 'the push would conflict with the case: pull again',
            {
              code: 'plan_invalid',
              result,
            },
          );
        if (ctx.json) {
          if (!approvable) throw refusal();
          return ctx.printJson(result);
        }
        for (const warning of result.warnings) ctx.out(`WARNING ${warning.message}`);
        for (const conflict of result.conflicts) ctx.out(`CONFLICT ${conflict.message}`);
        if (!result.planId) {
          for (const operation of result.operations) ctx.out(JSON.stringify(operation));
          ctx.out(`dry run: ${result.operations.length} operations; nothing uploaded or proposed`);
        } else {
          const report = result.report as { operations: Array<{ effect: string }>; errors: Array<{ message: string; code: string }> };
          for (const line of report.operations) ctx.out(`  ${line.effect}`);
          for (const error of report.errors.filter((issue) => !issue.code.startsWith('conflict_'))) ctx.out(`ERROR ${error.message}`);
          ctx.out(`uploaded ${result.uploaded} new blobs (${(result.uploadedBytes / 1024 ** 2).toFixed(1)} MiB)`);
          ctx.out(`proposed ${result.planId}: ${result.valid ? 'valid, waiting for approval' : 'NOT approvable as it stands'}`);
          ctx.out(`review it at ${result.consoleUrl}`);
        }
        if (!approvable) throw refusal();
      });
  },
};
