/**
 * The MCP tool set: names, descriptions that teach the plan format (one example each), input
 * and output schemas taken from the API's own zod schemas, truthful annotations, and results
 * as `structuredContent` (the API's body) plus a short text a model reads well. No tool approves:
 * approval is a person's act, in the console or over the API.
 */
import { z } from 'zod';
import { fromCommandsInputSchema } from '../domain/commands.ts';
import { caseNameSchema, planIdSchema, planInputSchema } from '../domain/plan.ts';
import { statusInWords, waitIsOver } from '../domain/lifecycle.ts';
import { plural } from '../domain/words.ts';
import { zodIssueDetails, type ErrorDetail } from '../errors.ts';
import { fileTextQuerySchema, fileTextSchema, fileListSchema, listFilesQuerySchema, planFromCommandsViewSchema, planViewSchema } from '../http/schemas.ts';
import type { PlanViewBody } from '../client/index.ts';
import { isApiErrorLike } from '../client/errors.ts';
import { describeApprovers, describeChange } from '../domain/file-history.ts';
import { fileHistoryQuerySchema, fileHistorySchema } from '../services/file-history.ts';
import type { McpBackend } from './backend.ts';

/** The annotations of the MCP specification (2025-11-25), all stated so none falls back to a default. */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolResult {
  structured: Record<string, unknown>;
  text: string;
}

/** What a call may use besides its arguments: a progress channel (when the client asked for one) and cancellation. */
export interface ToolCallContext {
  /** Reports the plan as it was read while waiting; the server turns it into progress notifications. */
  onPoll?: (view: PlanViewBody) => void;
  signal?: AbortSignal;
}

export interface ToolDefinition {
  name: string;
  description: string;
  input: z.ZodType;
  output: z.ZodType;
  annotations: ToolAnnotations;
  run(backend: McpBackend, args: unknown, context: ToolCallContext): Promise<ToolResult>;
}

/** Longest any wait may last inside one tool call, so a client's request never hangs for long. */
export const MAX_WAIT_SECONDS = 300;

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const waitSeconds = z
  .number()
  .int()
  .min(1)
  .max(MAX_WAIT_SECONDS)
  .default(60)
  .meta({ description: `How long to wait at most, in seconds (1–${MAX_WAIT_SECONDS})` });

const listFilesInput = z.strictObject({
  case: caseNameSchema.meta({ description: 'Case name (a folder under projects/)' }),
  prefix: listFilesQuerySchema.shape.prefix.meta({ description: 'Only under this folder, such as `intake/`' }),
  recursive: z.boolean().optional().meta({ description: 'false: only directly in the folder' }),
});
const readFileInput = z.strictObject({ case: caseNameSchema, ...fileTextQuerySchema.shape });
const fileHistoryInput = z.strictObject({ case: caseNameSchema, ...fileHistoryQuerySchema.shape });
const planIdInput = z.strictObject({ planId: planIdSchema });
const waitInput = z.strictObject({
  planId: planIdSchema,
  until: z
    .enum(['decided', 'finished'])
    .default('decided')
    .meta({ description: '`decided`: until a person approves or rejects it (or it moves on); `finished`: until its execution ends' }),
  timeoutSeconds: waitSeconds,
});
const applyInput = z.strictObject({
  planId: planIdSchema,
  wait: z.boolean().default(true).meta({ description: 'Wait for the execution to finish (bounded by timeoutSeconds)' }),
  timeoutSeconds: waitSeconds,
});
const waitedViewSchema = planViewSchema.extend({ timedOut: z.boolean() });

const PLAN_FORMAT = `A plan is {"case", "description", "operations": [...], "onError"?: "stop"|"rollback"}. Operations run in order; each sees the ones before it. Paths are relative to the case folder; a trailing "/" means a folder.
- {"type": "create_dir", "destination": "Medical Records/Provider1"}
- {"type": "write_file", "destination": "Reports/summary.md", "content": "# Summary\\n", "encoding"?: "utf8"|"base64", "overwrite"?: false}
- {"type": "move" | "copy", "source": "intake/a.pdf", "destination": "Medical Records/a.pdf", "overwrite"?: false} (a folder source moves or copies everything in it)
- {"type": "delete", "source": "tmp/"} (kept as a backup; rollback can restore it)`;

export const TOOLS: ToolDefinition[] = [
  {
    name: 'list_files',
    description: 'List the files of a case (path, size, updated, generation). Read-only.\nExample: {"case": "abby-sitgraves", "prefix": "intake/"}',
    input: listFilesInput,
    output: fileListSchema,
    annotations: { title: 'List case files', ...READ },
    async run(backend, args) {
      const input = args as z.output<typeof listFilesInput>;
      const body = await backend.listFiles(input.case, { prefix: input.prefix, recursive: input.recursive });
      const lines = body.files.slice(0, 200).map((file) => `${file.path} (${file.size} B)`);
      const more = body.files.length > 200 ? `\n… and ${body.files.length - 200} more (see structuredContent)` : '';
      return {
        structured: body,
        text: `${plural(body.files.length, 'file')} in case ${body.case}${input.prefix ? ` under ${input.prefix}` : ''}:\n${lines.join('\n')}${more}`,
      };
    },
  },
  {
    name: 'read_file',
    description: `Read a text file of a case, one page at a time (UTF-8; binary files are refused). Pass the returned nextOffset as offset to read on. Read-only.\nExample: {"case": "abby-sitgraves", "path": "intake/notes.txt", "offset": 0, "limit": 65536}`,
    input: readFileInput,
    output: fileTextSchema,
    annotations: { title: 'Read a case file', ...READ },
    async run(backend, args) {
      const input = args as z.output<typeof readFileInput>;
      const body = await backend.readFileText(input.case, input.path, { offset: input.offset, limit: input.limit });
      const position =
        body.nextOffset === undefined
          ? `end of file (${body.size} bytes)`
          : `more follows: call again with offset ${body.nextOffset} (file is ${body.size} bytes)`;
      return { structured: body, text: `${body.path}, bytes ${body.offset}–${body.nextOffset ?? body.size}; ${position}\n\n${body.text}` };
    },
  },
  {
    name: 'file_history',
    description:
      'The chain of custody of one document of a case, newest first: every change Bailiff made to it across renames and moves (plan, what changed, path before and after, generation, checksum, who proposed and approved it, when, and the audit record to verify). Give its path now or any path it had. Read-only.\nExample: {"case": "abby-sitgraves", "path": "Medical Records/records_001.pdf"}',
    input: fileHistoryInput,
    output: fileHistorySchema,
    annotations: { title: "A document's history", ...READ },
    async run(backend, args) {
      const input = args as z.output<typeof fileHistoryInput>;
      const body = await backend.fileHistory(input.case, input.path, { limit: input.limit, pageToken: input.pageToken });
      const lines = body.changes.map(
        (change) =>
          `${change.ranAt}  ${describeChange(change)}  (plan ${change.planId} by ${change.proposer}; approved by ${describeApprovers(change)}; audit #${change.audit.seq})`,
      );
      const more = body.nextPageToken ? `\n… more: call again with pageToken ${body.nextPageToken}` : '';
      return {
        structured: body,
        text: `${body.changes.length === 0 ? 'No change recorded' : plural(body.changes.length, 'change')} to ${body.path} in case ${body.case}${lines.length ? ':\n' : ''}${lines.join('\n')}${more}`,
      };
    },
  },
  {
    name: 'propose_plan',
    description: `Propose a plan of file operations for one case. Nothing changes yet: Bailiff dry-runs it against the case and stores it as "proposed" with a report (effects, errors, warnings). A person must approve it before apply_plan can run it.\n${PLAN_FORMAT}\nExample: {"case": "abby-sitgraves", "description": "Sort intake", "operations": [{"type": "create_dir", "destination": "Medical Records"}, {"type": "move", "source": "intake/records_001.pdf", "destination": "Medical Records/records_001.pdf"}]}`,
    input: planInputSchema,
    output: planViewSchema,
    annotations: { title: 'Propose a plan', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(backend, args) {
      const view = await backend.propose(args);
      return { structured: view, text: describePlan(view, backend) };
    },
  },
  {
    name: 'plan_from_commands',
    description: `Propose a plan written as shell lines, one command per line: mkdir [-p], mv, cp [-r], rm [-r] [-f], touch, with POSIX quoting and globs (*, ?, [...]) matched against the case as it will be after the lines before. Nothing is executed; pipes, redirection, ;, &&, variables and other commands are refused with line and column. Read with list_files / read_file instead of ls or cat. Like propose_plan, the result awaits a person's approval.\nExample: {"case": "abby-sitgraves", "description": "Sort intake", "commands": "mkdir -p \\"Medical Records/Provider1\\"\\nmv intake/records_*.pdf \\"Medical Records/Provider1/\\""}`,
    input: fromCommandsInputSchema,
    output: planFromCommandsViewSchema,
    annotations: { title: 'Propose a plan from shell commands', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(backend, args) {
      const view = await backend.proposeFromCommands(args);
      const lines = view.translation.map(
        (line) =>
          `line ${line.line}: ${line.text} → ${line.operations.length === 0 ? 'nothing to do' : `operation ${line.operations.map((index) => index + 1).join(', ')}`}`,
      );
      return { structured: view, text: `${lines.join('\n')}\n\n${describePlan(view, backend)}` };
    },
  },
  {
    name: 'get_plan',
    description: 'Read a plan: its status, dry-run report, approval and execution progress. Read-only.\nExample: {"planId": "pln_0mx3i8lr9716efbf802c2cccb"}',
    input: planIdInput,
    output: planViewSchema,
    annotations: { title: 'Read a plan', ...READ },
    async run(backend, args) {
      const view = await backend.getPlan((args as z.output<typeof planIdInput>).planId);
      return { structured: view, text: describePlan(view, backend) };
    },
  },
  {
    name: 'wait_for_plan',
    description: `Wait until a person decides on a plan ("decided") or its execution ends ("finished"), for at most timeoutSeconds (≤ ${MAX_WAIT_SECONDS}; over HTTP at most 45 s a call); returns the plan either way, with timedOut. Read-only.\nExample: {"planId": "pln_0mx3i8lr9716efbf802c2cccb", "until": "decided", "timeoutSeconds": 120}`,
    input: waitInput,
    output: waitedViewSchema,
    annotations: { title: 'Wait for a plan', ...READ },
    async run(backend, args, context) {
      const input = args as z.output<typeof waitInput>;
      const seconds = Math.min(input.timeoutSeconds, backend.maxWaitSeconds);
      const done = (seen: PlanViewBody) => waitIsOver(input.until, seen.decisions) || whyOver(seen) !== undefined;
      const { view, timedOut } = await backend.waitForPlan(input.planId, { done, timeoutMs: seconds * 1000, ...context });
      return { structured: { ...view, timedOut }, text: `${timedOut ? stillWaiting(view, seconds, input.until) : ''}${describePlan(view, backend)}` };
    },
  },
  {
    name: 'apply_plan',
    description: `Run an approved plan against the real case files (destructive: it moves, overwrites and deletes as approved; every overwritten or deleted object is backed up). A plan nobody approved is refused. With wait (default), returns when the execution ends or after timeoutSeconds.\nExample: {"planId": "pln_0mx3i8lr9716efbf802c2cccb", "wait": true, "timeoutSeconds": 120}`,
    input: applyInput,
    output: waitedViewSchema,
    annotations: { title: 'Apply an approved plan', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    async run(backend, args, context) {
      const input = args as z.output<typeof applyInput>;
      const current = await backend.getPlan(input.planId);
      // Idempotent as annotated: applying a plan that already ran to success answers with its result.
      if (current.decisions.finished && whyOver(current) === undefined)
        return { structured: { ...current, timedOut: false }, text: `Already applied.\n${describePlan(current, backend)}` };
      const over = whyOver(current);
      if (over) throw planIsOver(current, over);
      // Handed to the executor already (another call applied it): wait for it rather than ask the API to start it again.
      const queued = current.decisions.inFlight ? current : await backend.apply(input.planId);
      if (!input.wait) return { structured: { ...queued, timedOut: false }, text: describePlan(queued, backend) };
      const seconds = Math.min(input.timeoutSeconds, backend.maxWaitSeconds);
      const { view, timedOut } = await backend.waitForPlan(input.planId, {
        done: (seen) => waitIsOver('finished', seen.decisions),
        timeoutMs: seconds * 1000,
        ...context,
      });
      return { structured: { ...view, timedOut }, text: `${timedOut ? stillWaiting(view, seconds, 'finished') : ''}${describePlan(view, backend)}` };
    },
  },
  {
    name: 'propose_rollback',
    description:
      'Propose the plan that undoes an executed plan (derived from its journal). Nothing changes yet: the rollback is a new plan that a person approves and apply_plan runs.\nExample: {"planId": "pln_0mx3i8lr9716efbf802c2cccb"}',
    input: planIdInput,
    output: planViewSchema,
    annotations: { title: 'Propose a rollback', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(backend, args) {
      const view = await backend.rollback((args as z.output<typeof planIdInput>).planId);
      return { structured: view, text: describePlan(view, backend) };
    },
  },
];

/**
 * Why no call an agent can make will bring this plan to execution any more, or undefined while
 * one still can (or it ran to success). Every "call again" hint is guarded by it: an agent must
 * never be told to keep waiting on a plan that is over. Whether it is over is read from the view's
 * decisions (domain/lifecycle.ts); only the words for how a finished plan ended come from its record.
 */
export function whyOver(view: PlanViewBody): string | undefined {
  const { plan, decisions } = view;
  if (decisions.awaitingApproval || decisions.inFlight) return undefined;
  if (decisions.approvalExpired) return `its approval expired${view.approval?.expiresAt ? ` at ${view.approval.expiresAt}` : ''} before it was applied`;
  if (decisions.apply.offered) return decisions.apply.allowed ? undefined : decisions.apply.reason;
  // Still offered for approval but not awaiting it: its dry run found errors.
  if (decisions.approve.offered) return 'its dry run found errors, so no one can approve it';
  if (!decisions.finished) return undefined;
  // How a finished plan ended is its outcome, which its status records.
  switch (plan.status) {
    case 'succeeded':
      return undefined;
    case 'rejected':
      return plan.rejection ? `${plan.rejection.by} rejected it at ${plan.rejection.at}: "${plan.rejection.reason}"` : 'a person rejected it';
    case 'failed':
      return `its execution failed${view.execution?.lastError ? `: ${view.execution.lastError}` : ''}`;
    case 'rolled_back':
      return `it was rolled back${plan.rolledBackBy ? ` by plan ${plan.rolledBackBy}` : ''}`;
    default:
      return decisions.nextStep;
  }
}

/** The line before a plan that is not there yet after a bounded wait: what to call next. */
function stillWaiting(view: PlanViewBody, seconds: number, until: 'decided' | 'finished'): string {
  if (view.decisions.apply.allowed && until === 'finished') return `Still approved after ${seconds}s: it runs only once apply_plan is called.\n`;
  return `Still ${statusInWords(view.plan.status)} after ${seconds}s; call wait_for_plan${until === 'finished' ? ' with until "finished"' : ''} again to keep waiting.\n`;
}

/** A plan that is over, as the tool error apply_plan answers with: its status and why, and no "try again". */
function planIsOver(view: PlanViewBody, why: string): Error & { code: 'conflict'; details: ErrorDetail[]; planOver: true } {
  return Object.assign(new Error(`plan ${view.plan.id} is ${view.plan.status.replace('_', ' ')} and can no longer be applied: ${why}`), {
    code: 'conflict' as const,
    planOver: true as const,
    details: [{ message: 'current status', status: view.plan.status }],
  });
}

/** The plan in a few lines: status, validity, effects, errors, warnings, and what happens next. */
export function describePlan(view: PlanViewBody, backend: Pick<McpBackend, 'consoleUrl'>): string {
  const { plan, report } = view;
  const link = backend.consoleUrl(plan.id);
  const totals = report.totals;
  const lines = [
    `Plan ${plan.id} for case ${plan.case}: ${plan.status}. "${plan.description}"`,
    `Dry run: ${report.valid ? 'valid' : 'NOT valid'}; ${plural(totals.operations, 'operation')} → ${plural(totals.actions, 'object action')} (${totals.objectsCreated.toLocaleString('en-US')} created, ${totals.objectsOverwritten.toLocaleString('en-US')} overwritten, ${totals.objectsDeleted.toLocaleString('en-US')} deleted).`,
    'Effects:',
    ...report.operations.slice(0, 50).map((operation) => `  ${operation.index + 1}. ${operation.effect}`),
  ];
  if (totals.operations > 50) lines.push(`  … ${(totals.operations - 50).toLocaleString('en-US')} more`);
  const errors = [...report.errors, ...(report.policy?.violations ?? [])];
  if (errors.length > 0)
    lines.push(
      'Errors:',
      ...errors.slice(0, 20).map((issue) => `  - ${issue.operation === undefined ? '' : `operation ${issue.operation + 1}: `}${issue.message}`),
    );
  if (report.warnings.length > 0)
    lines.push(
      'Warnings:',
      ...report.warnings.slice(0, 20).map((issue) => `  - ${issue.operation === undefined ? '' : `operation ${issue.operation + 1}: `}${issue.message}`),
    );
  if (view.execution) {
    const execution = view.execution;
    lines.push(
      `Execution: ${execution.done.toLocaleString('en-US')} of ${plural(execution.actionCount, 'action')} done, ${execution.failed} failed, ${execution.skipped} skipped${execution.lastError ? `; ${execution.lastError}` : ''}.`,
    );
  }
  lines.push(nextStep(view, link));
  return lines.join('\n');
}

/** What the agent does next, from the view's decisions: the offered actions name the tool that takes them. */
function nextStep(view: PlanViewBody, link: string): string {
  const { decisions } = view;
  if (decisions.awaitingApproval) {
    return `Next: a person must review and approve it at ${link} (${decisions.nextStep}; no tool approves). Then call apply_plan; wait_for_plan waits for the decision.`;
  }
  if (decisions.apply.allowed) return `Approved. Next: call apply_plan. Console: ${link}`;
  if (decisions.inFlight) return `Executing (${decisions.nextStep}). wait_for_plan with until "finished" waits for the end. Console: ${link}`;
  const over = whyOver(view);
  if (over === undefined)
    return `Done: the case now looks as planned.${decisions.rollback.allowed ? ' propose_rollback undoes it if needed.' : ''} Console: ${link}`;
  if (decisions.approve.offered) return `Next: fix the errors and propose a corrected plan; this one cannot be approved. Review: ${link}`;
  if (decisions.rollback.allowed) return `It is over: ${over}. Nothing more runs; propose_rollback undoes what it did, or propose a new plan. Console: ${link}`;
  if (decisions.approvalExpired)
    return `It is over: ${over}. Propose a new plan (or ask a person to check and approve this one again in the console). Console: ${link}`;
  return `It is over: ${over}. Nothing more happens to this plan; propose a new one if the change is still wanted. Console: ${link}`;
}

/** A failure as a tool error: the API's code, message and each field's problem, then the same as JSON. */
export function toolErrorText(error: unknown, context: { tool: string; planId?: string; backend?: Pick<McpBackend, 'consoleUrl'> }): string[] {
  if (!isApiErrorLike(error)) return [`${context.tool} failed: ${error instanceof Error ? error.message : String(error)}`];
  const details = error.details.map((detail) => {
    const where = typeof detail.line === 'number' ? `line ${detail.line}, column ${String(detail.column ?? 1)}: ` : detail.path ? `${detail.path}: ` : '';
    return `  - ${where}${detail.message}`;
  });
  const lines = [`Error ${error.code}: ${error.message}`, ...details];
  const status = error.details.find((detail) => typeof detail.status === 'string')?.status;
  const over = (error as { planOver?: boolean }).planOver === true;
  if (context.planId && context.backend && error.code === 'conflict' && status === 'proposed' && !over) {
    lines.push(`The plan awaits a person's approval: ${context.backend.consoleUrl(context.planId)}. Call wait_for_plan, then apply_plan again.`);
  }
  return [lines.join('\n'), JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } })];
}

/** Argument problems in the API's error shape, with the same field paths the API would name. */
export function invalidArguments(tool: string, error: z.ZodError): { code: 'invalid_input'; message: string; details: ErrorDetail[] } & Error {
  return Object.assign(new Error(`invalid arguments for ${tool}`), { code: 'invalid_input' as const, details: zodIssueDetails(error) });
}
