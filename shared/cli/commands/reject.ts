import type { CliCommand } from '../command.ts';

export const rejectCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('reject')
      .description('reject a proposed or approved plan; asks y/N on a terminal (else needs --yes)')
      .argument('<id>', 'plan id')
      .requiredOption('-r, --reason <text>', 'why (the agent reads it)')
      .option('-y, --yes', 'reject without being asked (needed when there is no terminal)')
      .action(async (id: string, options: { reason: string; yes?: boolean }) => {
        await ctx.confirmDecision(`Reject ${id}?`, options.yes, 'reject');
        const view = await ctx.client.reject(id, { reason: options.reason });
        if (ctx.json) return ctx.printJson(view);
        ctx.out(`rejected ${view.plan.id}: ${options.reason}`);
      });
  },
};
