import { InvalidArgumentError } from 'commander';
import type { PlanViewBody } from '../../client/index.ts';
import { CliExit, EXIT, type CliContext } from '../context.ts';
import type { CliCommand } from '../command.ts';
import { plural, renderProgressBar, renderProgressLine, type ProgressSample } from '../format.ts';
import { WAIT_DEFAULTS } from '../../client/client.ts';

export const applyCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('apply')
      .description('queue an approved plan for execution; --wait follows it with a progress bar')
      .argument('<id>', 'plan id')
      .option('-w, --wait', 'wait until it finishes, showing progress')
      .option('--timeout <seconds>', 'with --wait: give up after this long (exit 9)', seconds, WAIT_DEFAULTS.timeoutMs / 1000)
      .option('--interval <ms>', 'with --wait: how often to ask', seconds, 250)
      .action(async (id: string, options: { wait?: boolean; timeout: number; interval: number }) => {
        const queued = await ctx.client.apply(id);
        if (!options.wait) {
          if (ctx.json) return ctx.printJson(queued);
          return ctx.out(`${queued.plan.id}: ${queued.decisions.nextStep}; follow it with: bailiff apply ${queued.plan.id} --wait`);
        }
        const final = await follow(ctx, id, options.timeout * 1000, options.interval);
        if (final.timedOut)
          throw new CliExit(EXIT.timeout, `gave up waiting after ${options.timeout}s; ${id} is ${final.view.plan.status}`, { result: final.view });
        const { plan, execution } = final.view;
        if (plan.status !== 'succeeded') {
          throw new CliExit(EXIT.failed, `${id} ${plan.status}${execution?.lastError ? `: ${execution.lastError}` : ''}`, { result: final.view });
        }
        if (ctx.json) ctx.printJson(final.view);
        else
          ctx.out(
            ctx.paint(
              'green',
              `${id} succeeded: ${(execution?.done ?? 0).toLocaleString('en-US')} of ${plural(execution?.actionCount ?? 0, 'action')} applied`,
            ),
          );
      });
  },
};

function seconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('a positive number');
  return number;
}

/** Polls until the plan finishes, drawing a bar on a terminal and plain lines (at most one a second) elsewhere. */
async function follow(ctx: CliContext, id: string, timeoutMs: number, intervalMs: number): Promise<{ view: PlanViewBody; timedOut: boolean }> {
  const started = performance.now();
  let lastPlain = -Infinity;
  let lastProcessed = -1;
  let drewBar = false;
  const sampleOf = (view: PlanViewBody): ProgressSample | undefined => {
    const execution = view.execution;
    if (!execution) return undefined;
    const processed = Math.max(execution.cursor, execution.done + execution.failed + execution.skipped + execution.stale);
    return { done: Math.min(processed, execution.actionCount), total: execution.actionCount, elapsedSeconds: (performance.now() - started) / 1000 };
  };
  const result = await ctx.client.waitForPlan(id, {
    until: 'finished',
    timeoutMs,
    intervalMs,
    onPoll: (view) => {
      if (ctx.json) return;
      const sample = sampleOf(view);
      if (!sample) return;
      if (ctx.interactive) {
        ctx.io.stdout.write(`\r\x1b[2K${renderProgressBar(sample, ctx.io.stdout.columns ?? 80)}`);
        drewBar = true;
      } else if (sample.done !== lastProcessed && (performance.now() - lastPlain >= 1000 || sample.done === sample.total)) {
        ctx.out(renderProgressLine(sample));
        lastPlain = performance.now();
        lastProcessed = sample.done;
      }
    },
  });
  if (drewBar) ctx.io.stdout.write('\n');
  return result;
}
