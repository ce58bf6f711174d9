import type { CliCommand } from '../command.ts';
import { renderReport } from '../format.ts';
import { invalidDryRun } from './propose.ts';

export const rollbackCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('rollback')
      .description('propose the plan that undoes an executed one (it needs approval like any other)')
      .argument('<id>', 'the executed plan')
      .action(async (id: string) => {
        const view = await ctx.client.rollback(id);
        if (!ctx.json) for (const line of renderReport(view, ctx, { consoleUrl: ctx.client.consoleUrl(view.plan.id) })) ctx.out(line);
        if (!view.report.valid) throw invalidDryRun(view);
        if (ctx.json) ctx.printJson(view);
      });
  },
};
