/**
 * `bailiff`, the command line: one commander program, one module per verb (commands/*.ts),
 * and one place that turns every failure into a message and a documented exit code.
 */
import { Command, CommanderError } from 'commander';
import { BailiffApiError, type BailiffClient } from '../client/index.ts';
import type { CliCommand } from './command.ts';
import { applyCommand } from './commands/apply.ts';
import { approveCommand } from './commands/approve.ts';
import { auditCommand } from './commands/audit.ts';
import { filesCommand } from './commands/files.ts';
import { holdCommand } from './commands/hold.ts';
import { historyCommand } from './commands/history.ts';
import { mcpCommand } from './commands/mcp.ts';
import { fromCommandsCommand } from './commands/from-commands.ts';
import { plansCommand } from './commands/plans.ts';
import { proposeCommand } from './commands/propose.ts';
import { rejectCommand } from './commands/reject.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { pullCommand, pushCommand, statusCommand } from './commands/sandbox.ts';
import { showCommand } from './commands/show.ts';
import { verifyCommand } from './commands/verify.ts';
import { CliContext, CliExit, EXIT, exitCodeFor, jsonFailure, type CliIo } from './context.ts';

/** Every verb, in the order `bailiff --help` lists them. Add a verb by adding its module here. */
export const COMMANDS: CliCommand[] = [
  filesCommand,
  proposeCommand,
  fromCommandsCommand,
  showCommand,
  plansCommand,
  approveCommand,
  rejectCommand,
  applyCommand,
  rollbackCommand,
  auditCommand,
  historyCommand,
  verifyCommand,
  holdCommand,
  pullCommand,
  statusCommand,
  pushCommand,
  mcpCommand,
];

export interface RunOptions {
  /** Tests hand in a client; normally it comes from BAILIFF_URL / BAILIFF_TOKEN. */
  client?: () => BailiffClient;
  commands?: CliCommand[];
}

/** Runs `bailiff` with `argv` (without the node and script paths) and resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const ctx = new CliContext(io, options.client);
  // Known before commander parses, so a usage error (unknown verb, missing argument) is JSON too.
  const beforeSeparator = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  ctx.json = beforeSeparator.includes('--json');
  const program = new Command('bailiff')
    .description('Propose, review, approve and apply plans against a Bailiff (BAILIFF_URL, BAILIFF_TOKEN)')
    .option('--json', 'print the API answer as JSON (for scripts)')
    .showHelpAfterError('(run bailiff --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // With --json, commander's own complaint becomes the JSON error below instead.
      writeErr: (text) => (ctx.json ? undefined : io.stderr.write(text)),
    });
  program.hook('preAction', (_program, action) => {
    ctx.json = action.optsWithGlobals<{ json?: boolean }>().json === true;
  });
  for (const command of options.commands ?? COMMANDS) command.register(program, ctx);
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return report(error, ctx);
  }
}

function report(error: unknown, ctx: CliContext): number {
  if (error instanceof CommanderError) {
    // Help and version end with exit code 0; everything else commander refuses is usage.
    if (error.exitCode === 0) return EXIT.ok;
    if (ctx.json) ctx.printJson(jsonFailure(new CliExit(EXIT.usage, error.message.replace(/^error: /, '')), EXIT.usage));
    return EXIT.usage;
  }
  const code = exitCodeFor(error);
  if (ctx.json) {
    ctx.printJson(jsonFailure(error, code));
  } else if (error instanceof BailiffApiError) {
    ctx.err(`bailiff: ${error.describe()}`);
  } else if (error instanceof CliExit) {
    if (error.message) ctx.err(`bailiff: ${error.message}`);
    for (const detail of error.details) ctx.err(`  - ${detail.path ? `${detail.path}: ` : ''}${detail.message}`);
  } else {
    ctx.err(`bailiff: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  return code;
}
