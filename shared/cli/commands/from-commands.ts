import { readInput } from '../context.ts';
import type { CliCommand } from '../command.ts';
import { renderReport } from '../format.ts';
import { invalidDryRun } from './propose.ts';

export const fromCommandsCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('from-commands')
      .description('propose a plan written as shell lines (mkdir, mv, cp, rm, touch); nothing is executed')
      .argument('<case>', 'case name')
      .argument('[file]', 'the lines, or - for stdin', '-')
      .requiredOption('-d, --description <text>', 'what the plan is for')
      .option('--on-error <mode>', 'stop (default) or rollback')
      .action(async (caseName: string, file: string, options: { description: string; onError?: 'stop' | 'rollback' }) => {
        const commands = await readInput(file, ctx.io);
        const view = await ctx.client.proposeFromCommands({
          case: caseName,
          description: options.description,
          commands,
          ...(options.onError ? { onError: options.onError } : {}),
        });
        if (ctx.json) {
          if (!view.report.valid) throw invalidDryRun(view);
          return ctx.printJson(view);
        }
        for (const line of view.translation) {
          ctx.out(
            `${ctx.paint('dim', `${String(line.line).padStart(3)}│`)} ${line.text}  ${ctx.paint('cyan', line.operations.length === 0 ? '(nothing to do)' : `→ operation ${line.operations.map((index) => index + 1).join(', ')}`)}`,
          );
        }
        ctx.out('');
        for (const line of renderReport(view, ctx, { consoleUrl: ctx.client.consoleUrl(view.plan.id) })) ctx.out(line);
        if (!view.report.valid) throw invalidDryRun(view);
      });
  },
};
