import { InvalidArgumentError } from 'commander';
import { planStatusSchema, type PlanStatus } from '../../domain/plan.ts';
import type { CliCommand } from '../command.ts';
import { paintStatus } from '../format.ts';

export const plansCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('plans')
      .description('list plans, newest first')
      .option('--case <case>', 'only this case')
      .option('--status <status>', `only plans in this status (${planStatusSchema.options.join(', ')})`, (value: string) => {
        if (!planStatusSchema.options.includes(value as PlanStatus)) throw new InvalidArgumentError(`one of ${planStatusSchema.options.join(', ')}`);
        return value as PlanStatus;
      })
      .option('--limit <n>', 'at most this many', (value: string) => {
        const limit = Number(value);
        if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('a positive whole number');
        return limit;
      })
      .option('--page-token <token>', 'the next page, from a previous answer')
      .action(async (options: { case?: string; status?: PlanStatus; limit?: number; pageToken?: string }) => {
        const body = await ctx.client.listPlans(options);
        if (ctx.json) return ctx.printJson(body);
        if (body.plans.length === 0) return ctx.out(ctx.paint('dim', 'no plans'));
        for (const plan of body.plans) {
          ctx.out(
            `${plan.id}  ${paintStatus(plan.status, ctx).padEnd(ctx.colour ? 20 : 11)}  ${plan.case}  ${ctx.paint('dim', plan.createdAt)}  ${plan.description.split('\n')[0]}`,
          );
        }
        if (body.nextPageToken) ctx.out(ctx.paint('dim', `more: --page-token ${body.nextPageToken}`));
      });
  },
};
