import { Argument, Option } from 'commander';
import { HOLD_KINDS, type SettableHoldKind } from '../../domain/holds.ts';
import type { CliCommand } from '../command.ts';

/** `bailiff hold set|clear <case> <path>`: an administrator places or releases a legal hold on a file. */
export const holdCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('hold')
      .description('place (set) or release (clear) a legal hold on a file; plans may then not delete, overwrite or move it (admin)')
      .addArgument(new Argument('<action>', 'set or clear').choices(['set', 'clear']))
      .argument('<case>', 'case name (a folder under projects/)')
      .argument('<path>', 'the file, relative to the case folder')
      .addOption(new Option('--kind <kind>', 'which hold').choices(HOLD_KINDS).default('temporary'))
      .action(async (action: 'set' | 'clear', caseName: string, path: string, options: { kind: SettableHoldKind }) => {
        const answer = await ctx.client.setHold(caseName, { path, kind: options.kind, held: action === 'set' });
        if (ctx.json) return ctx.printJson(answer);
        const backups = answer.backups === 0 ? '' : ` (and ${answer.backups} backup${answer.backups === 1 ? '' : 's'} of it)`;
        ctx.out(`${answer.held ? 'placed' : 'released'} the ${answer.kind.replace('_', '-')} hold on ${answer.case}/${answer.path}${backups}`);
      });
  },
};
