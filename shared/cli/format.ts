/**
 * How the CLI shows plans to a person: the dry-run report as a tree of what is added, removed
 * and changed, a one-line summary, and the progress line of an execution. Pure functions over
 * the API's bodies; colour is applied through the context's `paint`, which is a no-op off a TTY.
 */
import type { PlanViewBody } from '../client/index.ts';
import type { CliContext } from './context.ts';
import { plural } from '../domain/words.ts';

type Mark = 'added' | 'removed' | 'changed';
interface TreeNode {
  children: Map<string, TreeNode>;
  mark?: Mark;
}

const MARK_SIGN: Record<Mark, string> = { added: '+', removed: '-', changed: '~' };
const MARK_STYLE = { added: 'green', removed: 'red', changed: 'yellow' } as const;

/** The diff as a tree: folders once, each object marked `+` added, `-` removed or `~` changed. */
export function renderDiffTree(diff: PlanViewBody['report']['diff'], ctx: Pick<CliContext, 'paint'>): string[] {
  const root: TreeNode = { children: new Map() };
  const place = (path: string, mark: Mark) => {
    const isMarker = path.endsWith('/');
    const segments = (isMarker ? path.slice(0, -1) : path).split('/');
    let node = root;
    segments.forEach((segment, index) => {
      const name = index === segments.length - 1 && isMarker ? `${segment}/` : index < segments.length - 1 ? `${segment}/` : segment;
      let child = node.children.get(name);
      if (!child) {
        child = { children: new Map() };
        node.children.set(name, child);
      }
      node = child;
    });
    node.mark = mark;
  };
  for (const path of diff.added) place(path, 'added');
  for (const path of diff.removed) place(path, 'removed');
  for (const path of diff.changed) place(path, 'changed');
  const lines: string[] = [];
  const walk = (node: TreeNode, prefix: string) => {
    const entries = [...node.children.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    entries.forEach(([name, child], index) => {
      const last = index === entries.length - 1;
      const branch = last ? '└── ' : '├── ';
      const label = child.mark ? ctx.paint(MARK_STYLE[child.mark], `${MARK_SIGN[child.mark]} ${name}`) : ctx.paint('bold', name);
      lines.push(`${prefix}${branch}${label}`);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root, '');
  if (diff.truncated) lines.push(ctx.paint('dim', '… (the diff is longer; the totals above are exact)'));
  return lines;
}

const STATUS_STYLE: Record<string, Parameters<CliContext['paint']>[0]> = {
  proposed: 'cyan',
  approved: 'green',
  queued: 'blue',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  rejected: 'red',
  expired: 'yellow',
  rolled_back: 'magenta',
};

export function paintStatus(status: string, ctx: Pick<CliContext, 'paint'>): string {
  return ctx.paint(STATUS_STYLE[status] ?? 'reset', status);
}

/** How many operations a report lists before it points at `bailiff show ID --operations`. */
export const OPERATIONS_SHOWN = 50;

/** "1 operation", "2 operations": counts read as words (domain/words.ts spells them for every surface). */
export { plural };

/** The plan's header lines: who, what, the hash an approver approves, and the totals. */
export function renderSummary(view: PlanViewBody, ctx: Pick<CliContext, 'paint'>): string[] {
  const { plan, report } = view;
  return [
    `${ctx.paint('bold', plan.id)}  ${paintStatus(plan.status, ctx)}  case ${plan.case}${plan.kind === 'rollback' ? `  (rollback of ${plan.rollbackOf})` : ''}`,
    `  ${plan.description}`,
    `  author ${plan.author}   created ${plan.createdAt}`,
    `  plan hash ${plan.planHash}`,
    `  dry run: ${report.valid ? ctx.paint('green', 'valid') : ctx.paint('red', 'NOT valid')}; ${effectsSentence(report.totals)}`,
    // The server's words for what happens next (domain/lifecycle.ts), not the CLI's reading of the status.
    `  next: ${view.decisions.nextStep}`,
  ];
}

type Totals = PlanViewBody['report']['totals'] &
  Partial<Record<'objectsMoved' | 'objectsCopied' | 'objectsWritten' | 'foldersCreated' | 'bytesMoved' | 'bytesCopied', number>>;

/** The whole plan's effects from the server's totals (never counted from a capped list). */
export function effectsSentence(totals: Totals): string {
  const effects: string[] = [];
  if (totals.objectsMoved) effects.push(`${plural(totals.objectsMoved, 'file')} moved`);
  if (totals.objectsCopied) effects.push(`${plural(totals.objectsCopied, 'file')} copied`);
  if (totals.objectsWritten) effects.push(`${plural(totals.objectsWritten, 'file')} written`);
  if (totals.foldersCreated) effects.push(`${plural(totals.foldersCreated, 'folder')} created`);
  // Before whole-plan totals existed, objectsCreated counted every new object, moves included.
  if (totals.objectsMoved === undefined && totals.objectsCreated) effects.push(`${plural(totals.objectsCreated, 'object')} created`);
  effects.push(`${plural(totals.objectsOverwritten, 'file')} replaced`, `${plural(totals.objectsDeleted, 'file')} deleted`);
  return `${plural(totals.operations, 'operation')}, ${plural(totals.actions, 'action')}: ${effects.join(', ')} (${formatBytes(totals.bytesWritten)} written, ${formatBytes(totals.bytesDeleted)} removed)`;
}

export interface ReportOptions {
  consoleUrl?: string;
  /** Every operation, paged from the API (`show --operations`); otherwise the first OPERATIONS_SHOWN. */
  allOperations?: string[];
}

/**
 * Everything `show` and `propose` print, most important first: the summary, errors, policy and
 * warnings, then at most OPERATIONS_SHOWN operations, the tree of changes, approval and execution.
 */
export function renderReport(view: PlanViewBody, ctx: Pick<CliContext, 'paint'>, options: ReportOptions = {}): string[] {
  const { report } = view;
  const lines = renderSummary(view, ctx);
  if (options.consoleUrl) lines.push(`  review: ${options.consoleUrl}`);
  if (report.errors.length > 0) {
    lines.push('', ctx.paint(['bold', 'red'], 'Errors'));
    for (const issue of report.errors)
      lines.push(ctx.paint('red', `  ✗ ${issue.operation === undefined ? '' : `operation ${issue.operation + 1}: `}${issue.message}`));
  }
  const violations = report.policy?.violations ?? [];
  if (violations.length > 0) {
    lines.push('', ctx.paint(['bold', 'red'], 'Policy'));
    for (const issue of violations) lines.push(ctx.paint('red', `  ✗ ${issue.message}`));
  }
  if (report.warnings.length > 0) {
    lines.push('', ctx.paint(['bold', 'yellow'], 'Warnings'));
    for (const issue of report.warnings)
      lines.push(ctx.paint('yellow', `  ! ${issue.operation === undefined ? '' : `operation ${issue.operation + 1}: `}${issue.message}`));
  }
  const total = report.totals.operations;
  const listed = options.allOperations ? options.allOperations.length : Math.min(report.operations.length, OPERATIONS_SHOWN);
  lines.push(
    '',
    ctx.paint('bold', 'Operations') +
      (listed < total ? ctx.paint('dim', ` (showing ${listed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')})`) : ''),
  );
  if (options.allOperations) {
    for (const [index, text] of options.allOperations.entries()) lines.push(`  ${String(index + 1).padStart(3)}. ${text}`);
  } else {
    const shown = report.operations.slice(0, OPERATIONS_SHOWN);
    for (const operation of shown) lines.push(`  ${String(operation.index + 1).padStart(3)}. ${operation.effect}`);
    if (total > shown.length)
      lines.push(ctx.paint('dim', `  ... and ${(total - shown.length).toLocaleString('en-US')} more (bailiff show ${view.plan.id} --operations)`));
  }
  const tree = renderDiffTree(report.diff, ctx);
  if (tree.length > 0) lines.push('', ctx.paint('bold', 'Changes'), ...tree.map((line) => `  ${line}`));
  if (view.approval) {
    lines.push(
      '',
      `approved by ${view.approval.approvers.map((approver) => approver.principal).join(', ')} (${view.approval.approvers.length} of ${plural(view.approval.approvalsRequired, 'approval')})`,
    );
  }
  if (view.execution) {
    const execution = view.execution;
    lines.push(
      `execution: ${execution.done}/${execution.actionCount} done, ${execution.failed} failed, ${execution.skipped} skipped${execution.lastError ? `; ${execution.lastError}` : ''}`,
    );
  }
  return lines;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressSample {
  done: number;
  total: number;
  /** Seconds since the execution was first seen running. */
  elapsedSeconds: number;
}

/** Rate (actions per second) and time left, from the progress so far. */
export function progressFigures(sample: ProgressSample): { rate: number; secondsLeft: number } {
  const rate = sample.elapsedSeconds > 0 ? sample.done / sample.elapsedSeconds : 0;
  const secondsLeft = rate > 0 ? (sample.total - sample.done) / rate : Number.POSITIVE_INFINITY;
  return { rate, secondsLeft };
}

/** `[██████░░░░]  6/10  60%  12.0/s  0s left` for a terminal of `width` columns. */
export function renderProgressBar(sample: ProgressSample, width: number): string {
  const { rate, secondsLeft } = progressFigures(sample);
  const fraction = sample.total > 0 ? Math.min(1, sample.done / sample.total) : 1;
  const figures = `  ${sample.done}/${sample.total}  ${Math.floor(fraction * 100)}%  ${rate.toFixed(1)}/s  ${sample.done >= sample.total ? 'done' : `${formatDuration(secondsLeft)} left`}`;
  const barWidth = Math.max(10, Math.min(40, width - figures.length - 3));
  const filled = Math.round(fraction * barWidth);
  return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]${figures}`;
}

/** The same figures as a plain line for logs and pipes. */
export function renderProgressLine(sample: ProgressSample): string {
  const { rate, secondsLeft } = progressFigures(sample);
  const percent = sample.total > 0 ? Math.floor((sample.done / sample.total) * 100) : 100;
  return `progress ${sample.done}/${sample.total} (${percent}%) ${rate.toFixed(1)}/s ${sample.done >= sample.total ? 'done' : `${formatDuration(secondsLeft)} left`}`;
}
