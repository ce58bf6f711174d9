/**
 * The shape of one `bailiff` verb. Each verb is its own module under `commands/` and is listed
 * once in program.ts, so another verb is one new file and one line.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

export interface CliCommand {
  /** Adds the verb (with its options and action) to the program. */
  register(program: Command, ctx: CliContext): void;
}
