import { CliExit, EXIT, readInput } from '../context.ts';
import type { CliCommand } from '../command.ts';
import { renderReport } from '../format.ts';

export const proposeCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('propose')
      .description('propose a plan from a JSON file (or - for stdin) and show its dry run')
      .argument('<plan>', 'plan.json, or - to read it from stdin: {"case", "description", "operations": [...]}')
      .action(async (path: string) => {
        const text = await readInput(path, ctx.io);
        let plan: unknown;
        try {
          plan = JSON.parse(text);
        } catch (error) {
          throw new CliExit(EXIT.usage, `${path === '-' ? 'stdin' : path} is not JSON: ${(error as Error).message}`);
        }
        const view = await ctx.client.propose(plan as Parameters<typeof ctx.client.propose>[0]);
        if (ctx.json) return ctx.printJson(view);
        for (const line of renderReport(view, ctx, { consoleUrl: ctx.client.consoleUrl(view.plan.id) })) ctx.out(line);
        if (!view.report.valid) throw new CliExit(EXIT.invalid, 'the plan was stored, but its dry run has errors: it cannot be approved');
      });
  },
};
