/**
 * `bailiff pull`, `bailiff status` and `bailiff push`: the sandbox round trip (pull a case,
 * change the copy with any script, push the result as one target-state plan). The logic lives
 * in shared/sandbox/; these verbs only hand it the arguments, the environment and the terminal.
 */
import type { CliCommand } from '../command.ts';
import { CliExit, type CliContext } from '../context.ts';
import { runSandboxCommand } from '../../sandbox/cli.ts';

async function run(ctx: CliContext, argv: string[]): Promise<void> {
  const code = await runSandboxCommand(argv, ctx.io.env, { out: (line) => ctx.out(line), err: (line) => ctx.err(line), tty: ctx.interactive });
  if (code !== 0) throw new CliExit(code);
}

export const pullCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('pull')
      .description('download a case (in parallel) and its snapshot, to change it with any script')
      .argument('<case>', 'case name')
      .argument('[dir]', 'where to put it (default: ./<case>)')
      .action(async (caseName: string, dir: string | undefined) => run(ctx, ['pull', caseName, ...(dir ? [dir] : [])]));
  },
};

export const statusCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('status')
      .description('what changed in a pulled case since the pull: renamed, added, modified, deleted')
      .argument('[dir]', 'the pulled folder (default: .)')
      .action(async (dir: string | undefined) => run(ctx, ['status', ...(dir ? [dir] : [])]));
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
      .action(async (dir: string | undefined, options: { message: string; dryRun?: boolean }) =>
        run(ctx, ['push', ...(dir ? [dir] : []), '-m', options.message, ...(options.dryRun ? ['--dry-run'] : [])]),
      );
  },
};
