import type { PlanViewBody } from '../../client/index.ts';
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
        if (!ctx.json) for (const line of renderReport(view, ctx, { consoleUrl: ctx.client.consoleUrl(view.plan.id) })) ctx.out(line);
        // The exit code is the outcome's, with or without --json.
        if (!view.report.valid) throw invalidDryRun(view);
        if (ctx.json) ctx.printJson(view);
      });
  },
};

/** A plan stored with a dry run that has errors: exit 3, the view kept for `--json`. */
export function invalidDryRun(view: PlanViewBody): CliExit {
  return new CliExit(EXIT.invalid, `${view.plan.id} was stored, but its dry run has errors: it cannot be approved`, { code: 'plan_invalid', result: view });
}
