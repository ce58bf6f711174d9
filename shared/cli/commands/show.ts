import type { BailiffClient, OperationPageBody } from '../../client/index.ts';
import type { CliCommand } from '../command.ts';
import { renderReport } from '../format.ts';

/** The largest page GET /plans/{id}/operations answers. */
const PAGE = 5000;

export const showCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('show')
      .description('show a plan: its dry-run report as a tree of changes, approval and execution')
      .argument('<id>', 'plan id (pln_...)')
      .option('--operations', 'list every operation, not only the first 50')
      .action(async (id: string, options: { operations?: boolean }) => {
        const view = await ctx.client.getPlan(id);
        if (ctx.json) return ctx.printJson(options.operations ? { ...view, allOperations: await allOperations(ctx.client, id) } : view);
        const all = options.operations ? (await allOperations(ctx.client, id)).map(describeOperation) : undefined;
        for (const line of renderReport(view, ctx, { consoleUrl: ctx.client.consoleUrl(view.plan.id), ...(all ? { allOperations: all } : {}) })) ctx.out(line);
      });
  },
};

type Operation = OperationPageBody['operations'][number];

async function allOperations(client: BailiffClient, id: string): Promise<Operation[]> {
  const operations: Operation[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await client.planOperations(id, { offset, limit: PAGE });
    operations.push(...page.operations);
    if (page.operations.length === 0 || operations.length >= page.total) return operations;
  }
}

function describeOperation(operation: Operation): string {
  const words = operation.type.replace('_', ' ');
  if (operation.source && operation.destination) return `${words} ${operation.source} to ${operation.destination}`;
  return `${words} ${operation.destination ?? operation.source ?? ''}${operation.overwrite ? ', replacing the file there' : ''}`;
}
