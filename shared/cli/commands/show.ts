import type { CliCommand } from '../command.ts';
import { renderReport } from '../format.ts';

export const showCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('show')
      .description('show a plan: its dry-run report as a tree of changes, approval and execution')
      .argument('<id>', 'plan id (pln_...)')
      .action(async (id: string) => {
        const view = await ctx.client.getPlan(id);
        if (ctx.json) return ctx.printJson(view);
        for (const line of renderReport(view, ctx, ctx.client.consoleUrl(view.plan.id))) ctx.out(line);
      });
  },
};
