import type { CliCommand } from '../command.ts';
import { plural, renderReport } from '../format.ts';

export const approveCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('approve')
      .description('approve a plan: shows its report and hash, and asks y/N on a terminal (else needs --yes)')
      .argument('<id>', 'plan id')
      .option('--hash <planHash>', 'approve only if the plan still has this hash (the one you reviewed)')
      .option('-m, --comment <text>', 'a comment kept with the approval')
      .option('-y, --yes', 'approve without being asked (needed when there is no terminal)')
      .action(async (id: string, options: { hash?: string; comment?: string; yes?: boolean }) => {
        const view = await ctx.client.getPlan(id);
        const planHash = options.hash ?? view.plan.planHash;
        if (!ctx.json) {
          for (const line of renderReport(view, ctx)) ctx.out(line);
          ctx.out('');
        }
        await ctx.confirmDecision(`Approve ${view.plan.id} with hash ${planHash}?`, options.yes, 'approve');
        // The report printed above is what the person reviewed: bind the approval to its snapshot.
        const approved = await ctx.client.approve(id, {
          planHash,
          snapshotHash: view.report.snapshotHash,
          ...(options.comment ? { comment: options.comment } : {}),
        });
        if (ctx.json) return ctx.printJson(approved);
        // Whether this approval was the last one needed is the lifecycle's word (the view's decisions).
        const { decisions } = approved;
        ctx.out(
          decisions.awaitingApproval
            ? `approval recorded (${decisions.approvals.given.length.toLocaleString('en-US')} of ${plural(decisions.approvals.required, 'approval')}); ${approved.plan.id}: ${decisions.nextStep}`
            : ctx.paint(
                'green',
                `approved ${approved.plan.id} (hash ${planHash}); ${decisions.apply.allowed ? `apply it with: bailiff apply ${approved.plan.id} --wait` : decisions.nextStep}`,
              ),
        );
      });
  },
};
