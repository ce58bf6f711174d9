import type { CliCommand } from '../command.ts';

export const auditCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('audit')
      .description("a plan's audit records, in order")
      .argument('<id>', 'plan id')
      .action(async (id: string) => {
        const body = await ctx.client.planAudit(id);
        if (ctx.json) return ctx.printJson(body);
        for (const record of body.records) {
          ctx.out(`${String(record.seq).padStart(5)}  ${ctx.paint('dim', record.at)}  ${ctx.paint('bold', record.type.padEnd(24))}  ${record.actor}`);
        }
      });
  },
};
