/**
 * Plans and operations: the schemas agents send, the records Bailiff keeps, and the dry-run
 * report an approver reads. Everything that crosses a boundary is a zod schema here, so the
 * HTTP layer, the stores and the OpenAPI document agree by construction.
 */
import { z } from 'zod';
import { BACKUPS_PREFIX, CASE_NAME_JSON_SCHEMA, CASE_PATH_JSON_SCHEMA, checkCaseName, FILE_PATH_JSON_SCHEMA, checkCasePath, parseBlobRef } from './paths.ts';

/** Hard limits that no configuration can raise: they keep one plan inside one function's memory. */
export const PLAN_LIMITS = {
  maxOperations: 100_000,
  maxDescriptionLength: 4_000,
  maxContentBytes: 8 * 1024 * 1024,
  maxCommentLength: 4_000,
} as const;

// The path rules are judged by paths.ts alone; `.meta` only publishes their JSON Schema form
// (lengths, patterns) in the OpenAPI document, derived there from the same expressions.
export const caseNameSchema = z
  .string()
  .transform((raw, ctx) => {
    const checked = checkCaseName(raw);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: `invalid case name: ${checked.reason}` });
      return z.NEVER;
    }
    return checked.value;
  })
  .meta({ ...CASE_NAME_JSON_SCHEMA });

/** A path inside the case; the output keeps a trailing `/` when the caller wrote one (a folder). */
export const casePathSchema = z
  .string()
  .max(CASE_PATH_JSON_SCHEMA.maxLength)
  .transform((raw, ctx) => {
    const checked = checkCasePath(raw);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: `unsafe path: ${checked.reason}` });
      return z.NEVER;
    }
    return checked.value.folderHint ? `${checked.value.path}/` : checked.value.path;
  })
  .meta({ ...CASE_PATH_JSON_SCHEMA });

/** Free text that must say something: not empty once trimmed. */
const NOT_BLANK = { pattern: '\\S' } as const;

const overwrite = z.boolean().default(false);

export const createDirSchema = z.strictObject({ type: z.literal('create_dir'), destination: casePathSchema });
export const writeFileSchema = z
  .strictObject({
    type: z.literal('write_file'),
    // A file name: the same path schema, published without the folder form (checked below).
    destination: casePathSchema.meta({ ...FILE_PATH_JSON_SCHEMA }),
    /** Inline content (up to 8 MiB, through the api)... Characters, not bytes: the byte limit is checked below; base64 is 4 characters per 3 bytes. */
    content: z
      .string()
      .max(Math.ceil(PLAN_LIMITS.maxContentBytes / 3) * 4)
      .optional(),
    /** ...or a blob uploaded beforehand (`POST /cases/{case}/blobs`), copied server-side: `<case>/<blob id>`. */
    blob: z.string().max(300).optional(),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    overwrite,
  })
  .superRefine((op, ctx) => {
    if ((op.content === undefined) === (op.blob === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'give either `content` or `blob`, not both and not neither' });
      return;
    }
    if (op.blob !== undefined) {
      const parsed = parseBlobRef(op.blob);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['blob'], message: `invalid blob reference: ${parsed.reason}` });
      if (op.destination.endsWith('/')) ctx.addIssue({ code: 'custom', path: ['destination'], message: 'write_file needs a file name, not a folder' });
      return;
    }
    if (op.encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(op.content!)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'content is not valid base64' });
    }
    if (contentBytes(op) > PLAN_LIMITS.maxContentBytes) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `content larger than ${PLAN_LIMITS.maxContentBytes} bytes` });
    }
    if (op.destination.endsWith('/')) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'write_file needs a file name, not a folder' });
    }
  })
  // The same rule, stated in the published document: exactly one of `content` and `blob`.
  .meta({ oneOf: [{ required: ['content'] }, { required: ['blob'] }] });
export const copySchema = z.strictObject({ type: z.literal('copy'), source: casePathSchema, destination: casePathSchema, overwrite });
export const moveSchema = z.strictObject({ type: z.literal('move'), source: casePathSchema, destination: casePathSchema, overwrite });
export const deleteSchema = z.strictObject({ type: z.literal('delete'), source: casePathSchema });
/**
 * Only rollback plans contain this: Bailiff derives it from a journal to put a backup back.
 * `backup` is an object name in the system area, which agents can never write into a plan.
 */
export const restoreSchema = z.strictObject({
  type: z.literal('restore'),
  backup: z.string().startsWith(BACKUPS_PREFIX),
  destination: casePathSchema,
  overwrite,
});

/**
 * Only rollback plans contain this: removes the folder marker a plan created and nothing else
 * (a plain `delete` of a folder would take everything in it).
 */
export const removeFolderSchema = z.strictObject({ type: z.literal('remove_folder'), destination: casePathSchema });

/** The operations an agent may send. */
export const operationSchema = z.discriminatedUnion('type', [createDirSchema, writeFileSchema, copySchema, moveSchema, deleteSchema]);
/** Every operation a stored plan may hold (agents' plus Bailiff-derived restores). */
export const storedOperationSchema = z.discriminatedUnion('type', [
  createDirSchema,
  writeFileSchema,
  copySchema,
  moveSchema,
  deleteSchema,
  restoreSchema,
  removeFolderSchema,
]);
export type Operation = z.output<typeof storedOperationSchema>;
export type OperationType = Operation['type'];

export const onErrorSchema = z.enum(['stop', 'rollback']);
export type OnError = z.infer<typeof onErrorSchema>;

export const planInputSchema = z.strictObject({
  case: caseNameSchema,
  description: z.string().trim().min(1).max(PLAN_LIMITS.maxDescriptionLength).meta(NOT_BLANK),
  operations: z.array(operationSchema).min(1).max(PLAN_LIMITS.maxOperations),
  onError: onErrorSchema.default('stop'),
});
export type PlanInput = z.output<typeof planInputSchema>;

/** Plan ids as PlanService mints them: `pln_`, base36 time, random hex. */
export const planIdSchema = z
  .string()
  .regex(/^pln_[0-9a-z]{8,40}$/, 'not a plan id')
  .meta({ description: 'Plan id' });

export const approveBodySchema = z.strictObject({
  planHash: z.string().min(1).max(200).meta({ description: 'The `planHash` of the plan the approver reviewed' }),
  /**
   * The `report.snapshotHash` of the dry-run report the approver read. The plan text alone is
   * not what a person consents to: the same `delete scratch/` means more once files arrive.
   */
  snapshotHash: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: 'The `report.snapshotHash` of the dry-run report the approver reviewed; another current report is a 409 `report_changed`' }),
  comment: z.string().max(PLAN_LIMITS.maxCommentLength).optional(),
});

export const rejectBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(PLAN_LIMITS.maxCommentLength).meta(NOT_BLANK),
});

export const planStatusSchema = z.enum(['proposed', 'approved', 'rejected', 'expired', 'queued', 'running', 'succeeded', 'failed', 'rolled_back']);
export type PlanStatus = z.infer<typeof planStatusSchema>;

export const approvalSchema = z.object({
  /** Who consented: people, or `policy:<rule>` for an auto-approval. */
  approvers: z.array(z.object({ principal: z.string(), at: z.string(), comment: z.string().optional() })),
  planHash: z.string(),
  snapshotHash: z.string(),
  /** Set when a policy rule, not a person, approved. */
  rule: z.string().optional(),
  approvalsRequired: z.number().int().min(1),
  approvedAt: z.string(),
  expiresAt: z.string().optional(),
});
export type Approval = z.infer<typeof approvalSchema>;

export const executionSummarySchema = z.object({
  attempt: z.number().int(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Every action below this index has a journaled outcome. */
  cursor: z.number().int(),
  actionCount: z.number().int(),
  done: z.number().int(),
  stale: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  /** With `onError: rollback`: whether everything the plan did was undone. */
  compensated: z.boolean().optional(),
  /** The compensation plan that undoes this one's work, once it has been derived. */
  compensation: z.string().optional(),
  /**
   * Objects the plan touched that were left as a person made them, or could not be restored:
   * a person decides. Capped in length; `needsAttentionCount` is exact.
   */
  needsAttention: z.array(z.object({ path: z.string(), message: z.string(), action: z.number().int().optional() })).optional(),
  needsAttentionCount: z.number().int().optional(),
  /** When the pre-mutation check of the approved snapshot passed; it is never repeated after that. */
  preflightPassedAt: z.string().optional(),
  lastError: z.string().optional(),
});
export type ExecutionSummary = z.infer<typeof executionSummarySchema>;

export const issueSchema = z.object({
  operation: z.number().int().optional(),
  code: z.string(),
  message: z.string(),
  path: z.string().optional(),
  /**
   * For `object_held`: each hold in force on the object (`temporary`, `event_based`,
   * `retention_policy`, `object_retention`), with `until` for a retention.
   */
  holds: z.array(z.object({ kind: z.enum(['temporary', 'event_based', 'retention_policy', 'object_retention']), until: z.string().optional() })).optional(),
});
export type ReportIssue = z.infer<typeof issueSchema>;

export const reportSchema = z.object({
  valid: z.boolean(),
  checkedAt: z.string(),
  /** Hash of every precondition the dry run relied on: the snapshot an approval is bound to. */
  snapshotHash: z.string(),
  listing: z.object({ objects: z.number().int(), pages: z.number().int() }),
  /** Exact counts over every operation of the plan, however long the lists below are. */
  totals: z.object({
    operations: z.number().int(),
    actions: z.number().int(),
    /** Objects that land where nothing was (writes, copies, moves, folder markers). */
    objectsCreated: z.number().int(),
    objectsOverwritten: z.number().int(),
    objectsDeleted: z.number().int(),
    /** Objects carried by `move` operations. */
    objectsMoved: z.number().int(),
    /** Objects carried by `copy` operations and by a rollback's `restore`s from backups. */
    objectsCopied: z.number().int(),
    /** Files written by `write_file` operations. */
    objectsWritten: z.number().int(),
    /** Folder markers made by `create_dir` operations. */
    foldersCreated: z.number().int(),
    bytesWritten: z.number().int(),
    bytesDeleted: z.number().int(),
    bytesMoved: z.number().int(),
    bytesCopied: z.number().int(),
  }),
  errors: z.array(issueSchema),
  warnings: z.array(issueSchema),
  /** The first operations' lines only; page through all of them with `GET /plans/{id}/operations?offset=&limit=`. */
  operations: z.array(z.object({ index: z.number().int(), type: z.string(), effect: z.string(), objects: z.number().int(), bytes: z.number().int() })),
  /** True when `operations` is shorter than `totals.operations` (it stops at 1,000 lines). */
  operationsTruncated: z.boolean(),
  diff: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    /** The lists stop at a fixed length on huge plans; the totals stay exact. */
    truncated: z.boolean(),
  }),
  policy: z
    .object({
      version: z.string(),
      autoApproveRule: z.string().optional(),
      approvalsRequired: z.number().int(),
      violations: z.array(issueSchema),
    })
    .optional(),
});
export type DryRunReport = z.infer<typeof reportSchema>;

export const planRecordSchema = z.object({
  id: z.string(),
  case: z.string(),
  description: z.string(),
  onError: onErrorSchema,
  /**
   * `change`: an agent's plan. `rollback`: the undo of an executed plan, approved by a person.
   * `compensation`: the undo a failing `onError: rollback` plan runs inside its own execution.
   */
  kind: z.enum(['change', 'rollback', 'compensation']),
  /** For rollback and compensation plans: the plan they undo. */
  rollbackOf: z.string().optional(),
  /** For rollback plans: what each undone object must still be, re-checked by every dry run. */
  guards: z.array(z.object({ path: z.string(), generation: z.string() })).optional(),
  /**
   * For target-state plans: objects that changed in the workspace since the client's snapshot.
   * Every dry run reports them as errors, so the plan can never be approved; the client pulls
   * and pushes again.
   */
  conflicts: z.array(issueSchema).optional(),
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  planHash: z.string(),
  status: planStatusSchema,
  /** Bumped by every stored change: the compare-and-set token. */
  revision: z.number().int(),
  operationCount: z.number().int(),
  report: reportSchema,
  approval: approvalSchema.optional(),
  rejection: z.object({ by: z.string(), at: z.string(), reason: z.string() }).optional(),
  execution: executionSummarySchema.optional(),
  rolledBackBy: z.string().optional(),
});
export type PlanRecord = z.infer<typeof planRecordSchema>;

/** The bytes a write_file writes: its inline content's, or the size its blob reference declares. */
export function contentBytes(op: { content?: string; blob?: string; encoding: 'utf8' | 'base64' }): number {
  if (op.blob !== undefined) {
    const parsed = parseBlobRef(op.blob);
    return parsed.ok ? parsed.value.size : 0;
  }
  const content = op.content ?? '';
  return op.encoding === 'base64' ? Buffer.from(content, 'base64').length : Buffer.byteLength(content, 'utf8');
}

/** Inline content only: a blob is copied by the executor, never read into memory. */
export function contentBuffer(op: { content?: string; blob?: string; encoding: 'utf8' | 'base64' }): Buffer {
  if (op.content === undefined) throw new Error('a write_file from a blob has no inline content');
  return Buffer.from(op.content, op.encoding === 'base64' ? 'base64' : 'utf8');
}

/** The id of the compensation plan of `planId`: fixed, so a resumed execution finds the one it started. */
export function compensationPlanId(planId: string): string {
  return `${planId}u`;
}

/**
 * The actions a plan's store keeps for this dry run: none while it is invalid. Nothing can run
 * an invalid plan (approving it is refused, and validating it again stores the actions of a
 * valid dry run), and its report and operations are all the console and the API show of it, so
 * a hundred invalid 100,000-operation proposals do not each keep 100,000 actions.
 */
export function actionsToKeep<T>(report: Pick<DryRunReport, 'valid'>, actions: readonly T[]): readonly T[] {
  return report.valid ? actions : [];
}

/** How many actions `actionsToKeep` kept for this report: what `/plans/{id}/results` pages through. */
export function keptActionCount(report: Pick<DryRunReport, 'valid' | 'totals'>): number {
  return report.valid ? report.totals.actions : 0;
}
