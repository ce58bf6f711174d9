import type { CliCommand } from '../command.ts';

export const rejectCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('reject')
      .description('reject a proposed or approved plan')
      .argument('<id>', 'plan id')
      .requiredOption('-r, --reason <text>', 'why (the agent reads it)')
      .action(async (id: string, options: { reason: string }) => {
        const view = await ctx.client.reject(id, { reason: options.reason });
        if (ctx.json) return ctx.printJson(view);
        ctx.out(`rejected ${view.plan.id}: ${options.reason}`);
      });
  },
};
