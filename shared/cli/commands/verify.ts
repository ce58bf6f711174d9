import { CliExit, EXIT } from '../context.ts';
import type { CliCommand } from '../command.ts';

export const verifyCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('verify')
      .description('recompute every audit chain (admin); exit 8 when a link is broken')
      .action(async () => {
        const body = await ctx.client.verifyAudit();
        if (!body.ok) {
          const broken = body.firstBreak;
          throw new CliExit(
            EXIT.failed,
            `audit trail broken${broken ? ` in chain ${broken.chain} at record ${broken.seq}: ${broken.reason}${broken.file ? ` (${broken.file})` : ''}` : ''}`,
            { result: body },
          );
        }
        if (ctx.json) ctx.printJson(body);
        else ctx.out(ctx.paint('green', `audit trail intact: ${body.chains} chains, ${body.records} records, ${body.files} files checked`));
      });
  },
};
