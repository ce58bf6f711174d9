import { describeApprovers, describeChange } from '../../domain/file-history.ts';
import type { CliCommand } from '../command.ts';

export const historyCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('history')
      .description("a document's chain of custody: every change Bailiff made to it, newest first, across moves")
      .argument('<case>', 'case name (a folder under projects/)')
      .argument('<path>', 'the document: where it is now, or any path it had')
      .option('--limit <n>', 'most changes per page', (value) => Number.parseInt(value, 10))
      .option('--page-token <token>', "the previous page's next page token")
      .action(async (caseName: string, path: string, options: { limit?: number; pageToken?: string }) => {
        const body = await ctx.client.fileHistory(caseName, path, { limit: options.limit, pageToken: options.pageToken });
        if (ctx.json) return ctx.printJson(body);
        if (body.changes.length === 0) return ctx.out(ctx.paint('dim', `no change to ${path} recorded in ${caseName}`));
        for (const change of body.changes) {
          ctx.out(`${ctx.paint('dim', change.ranAt)}  ${ctx.paint('bold', describeChange(change))}${change.compensated ? ' (undone by compensation)' : ''}`);
          const kind = change.planKind === 'rollback' ? `rollback of ${change.rollbackOf}` : 'plan';
          ctx.out(`    ${kind} ${change.planId}: proposed by ${change.proposer}, approved by ${describeApprovers(change)}`);
          const facts = [
            change.generation ? `generation ${change.generation}` : undefined,
            change.md5 ? `md5 ${change.md5}` : undefined,
            change.crc32c ? `crc32c ${change.crc32c}` : undefined,
          ].filter(Boolean);
          ctx.out(ctx.paint('dim', `    ${facts.length ? `${facts.join(', ')}; ` : ''}audit #${change.audit.seq} ${change.audit.hash}`));
        }
        if (body.truncated) ctx.out(ctx.paint('dim', 'older changes left out: the history is longer than one query follows'));
        if (body.nextPageToken) ctx.out(ctx.paint('dim', `more: bailiff history ${caseName} '${path}' --page-token ${body.nextPageToken}`));
      });
  },
};
