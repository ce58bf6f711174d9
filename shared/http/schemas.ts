/**
 * The wire format of the HTTP API as zod schemas: path and query parameters, the bodies
 * validated here, and the responses. The route table uses them to parse requests and the
 * OpenAPI generator to describe them; plan and audit shapes come from the domain unchanged.
 */
import { z } from 'zod';
import { auditRecordSchema } from '../domain/audit.ts';
import { fromCommandsInputSchema, lineTranslationSchema } from '../domain/commands.ts';
import { HOLD_KINDS } from '../domain/holds.ts';
import { DEFAULT_READ_PAGE_BYTES, MAX_READ_PAGE_BYTES } from '../services/case-tools.ts';
import { BLOB_ID_JSON_SCHEMA, CASE_PATH_JSON_SCHEMA, FILE_PATH_JSON_SCHEMA } from '../domain/paths.ts';
import {
  approvalSchema,
  caseNameSchema,
  executionSummarySchema,
  planRecordSchema,
  planStatusSchema,
  reportSchema,
  planIdSchema,
  approveBodySchema,
  rejectBodySchema,
} from '../domain/plan.ts';

export { approveBodySchema, planIdSchema, rejectBodySchema };
import { ERROR_CODES, type ErrorCode } from '../errors.ts';

/** Query strings carry text; `recursive=true` is the only spelling of yes. */
const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

export const MAX_PAGE_SIZE = 500;

export const planParamsSchema = z.strictObject({ id: planIdSchema });
export const caseParamsSchema = z.strictObject({ case: caseNameSchema.meta({ description: 'Case name (a folder under `projects/`)' }) });

export const listPlansQuerySchema = z.strictObject({
  case: caseNameSchema.optional(),
  status: planStatusSchema.optional(),
  pageToken: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
});

export const listFilesQuerySchema = z.strictObject({
  // Checked as a case path by the service; published with the same JSON Schema.
  prefix: z
    .string()
    .max(CASE_PATH_JSON_SCHEMA.maxLength)
    .meta({ ...CASE_PATH_JSON_SCHEMA })
    .optional(),
  recursive: booleanQuery.optional(),
});

/** Actions without parameters accept no body or `{}`, so a future option cannot be silently ignored. */
export const emptyBodySchema = z.strictObject({});

/** What the caller may decide about a plan now, and why not; decided by shared/domain/lifecycle.ts. */
const decisionSchema = z.object({
  allowed: z.boolean(),
  offered: z
    .boolean()
    .meta({ description: "Whether the action belongs to the plan's state at all: offer it (enabled, or with its reason) when offered or allowed" }),
  reason: z.string().optional().meta({ description: 'Why not, in words a person can act on' }),
  code: z.enum(['forbidden', 'conflict', 'plan_invalid']).optional().meta({ description: 'The error code the action would be refused with' }),
});

export const planDecisionsSchema = z.object({
  planId: z.string(),
  status: planStatusSchema,
  approve: decisionSchema,
  reject: decisionSchema,
  apply: decisionSchema,
  validate: decisionSchema,
  rollback: decisionSchema,
  verifyAudit: decisionSchema,
  policyVerdict: z.string(),
  approvals: z.object({
    required: z.number().int(),
    given: z.array(z.object({ principal: z.string(), at: z.string(), comment: z.string().optional() })),
    remaining: z.number().int(),
  }),
  approvalExpired: z.boolean(),
  inFlight: z.boolean().meta({ description: 'Handed to the executor (queued or running): its progress is what changes next' }),
  awaitingApproval: z.boolean().meta({
    description: "A person's approval is what happens next (proposed, and the dry run found no errors); a caller waiting for a decision stops when it is false",
  }),
  finished: z.boolean().meta({
    description:
      'Nothing more happens to the plan unless a person acts (rejected, expired, succeeded, failed, rolled back); a caller waiting for the end stops here',
  }),
  nextStep: z.string().meta({ description: 'The next step in words: "Awaiting 1 more approval", "Queued to run", "Finished: 12 objects changed"' }),
});

/**
 * A plan as every plan route answers it. `report.operations` holds the first 1,000 lines only
 * (`report.operationsTruncated` says so); `report.totals` count the whole plan, and
 * `GET /plans/{id}/operations?offset=&limit=` pages through every operation.
 */
export const planViewSchema = z.object({
  plan: planRecordSchema,
  report: reportSchema,
  approval: approvalSchema.optional(),
  execution: executionSummarySchema.optional(),
  decisions: planDecisionsSchema,
});

/** `POST /plans`: the stored plan; a target-state proposal also says what the diff made of it. */
export const proposedPlanSchema = planViewSchema.extend({
  target: z
    .object({
      unchanged: z.number().int(),
      moved: z.number().int(),
      copied: z.number().int(),
      written: z.number().int(),
      deleted: z.number().int(),
      foldersCreated: z.number().int(),
      conflicts: z.number().int(),
    })
    .optional()
    .meta({ description: 'Target-state proposals only: what the computed plan does, and how many conflicts block it' }),
});

export const planListSchema = z.object({ plans: z.array(planRecordSchema), nextPageToken: z.string().optional() });

export const planAuditSchema = z.object({ planId: z.string(), records: z.array(auditRecordSchema) });

export const fileListSchema = z.object({
  case: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number().int(), updated: z.string(), generation: z.string() })),
});

export const auditVerificationSchema = z.object({
  ok: z.boolean(),
  chains: z.number().int(),
  records: z.number().int(),
  /** JSON Lines copies under `.bailiff/audit/` that were checked against the stored chains. */
  files: z.number().int(),
  /** Whether chain heads are signed with a key kept away from the state, and their signatures were checked. */
  headsSigned: z.boolean(),
  /** Copies that should exist (their plan has finished) but do not (deleted). */
  missingFiles: z.array(z.string()),
  firstBreak: z.object({ chain: z.string(), seq: z.number().int(), reason: z.string(), file: z.string().optional() }).optional(),
});

export const leaseReleaseSchema = z.object({
  released: z.object({ case: z.string(), planId: z.string(), owner: z.string(), token: z.number().int(), expiresAt: z.string() }).optional(),
});

export const holdAnswerSchema = z.object({
  case: z.string(),
  path: z.string(),
  kind: z.enum(HOLD_KINDS),
  held: z.boolean(),
  generation: z.string(),
  holds: z
    .object({
      temporary: z.boolean().optional(),
      eventBased: z.boolean().optional(),
      retentionExpires: z.string().optional(),
      retainUntil: z.string().optional(),
    })
    .meta({ description: 'Every hold and retention the file is under now' }),
  backups: z.number().int().meta({ description: 'Backups of the file under `.bailiff/backups/` that got the same change' }),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number().optional() })),
  error: z
    .object({ code: z.literal('unavailable'), message: z.string() })
    .optional()
    .meta({ description: 'On 503: names the failing dependencies' }),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as ErrorCode[]),
    message: z.string(),
    details: z.array(z.looseObject({ path: z.string().optional(), message: z.string() })).optional(),
    id: z.string().optional().meta({ description: 'Set on 500s: quote it to find the logged cause' }),
  }),
});

export const openApiDocumentSchema = z.record(z.string(), z.unknown());

// ---- the sandbox round trip: file content, snapshots, blobs ----

export const contentQuerySchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(2048)
    .meta({ ...FILE_PATH_JSON_SCHEMA, description: 'The file, relative to the case folder (`Medical Records/scan1.pdf`)' }),
});

export const fileContentSchema = z.string().meta({
  description:
    "The file's bytes (200, or 206 for a `Range: bytes=a-b` request), its generation as `ETag`. On Google Cloud a 307 to a short-lived signed URL of that generation instead: bytes never pass through the api.",
});

export const snapshotQuerySchema = z.strictObject({
  pageToken: z.string().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional().meta({ description: 'Objects per page (default 5,000)' }),
});

export const snapshotEntrySchema = z.object({
  path: z.string().meta({ description: 'Relative to the case folder; a folder marker (empty folder) ends in `/`' }),
  size: z.number().int(),
  md5: z.string().meta({ description: 'Lower-case hex' }),
  crc32c: z.string().optional().meta({ description: 'Base64, as Cloud Storage reports it (absent on the embedded server)' }),
  generation: z.string(),
  contentType: z.string(),
  updated: z.string(),
});

export const snapshotPageSchema = z.object({
  case: z.string(),
  objects: z.array(snapshotEntrySchema),
  nextPageToken: z.string().optional(),
});

export const blobParamsSchema = z.strictObject({
  case: caseNameSchema,
  blob: z
    .string()
    .max(200)
    .meta({ ...BLOB_ID_JSON_SCHEMA, description: 'Blob id: `md5-<32 hex>-<size>` or `sha256-<64 hex>-<size>`' }),
});

export const blobDeclarationAnswerSchema = z.object({
  blob: z.string().meta({ description: 'The reference a `write_file` names: `{"blob": "<case>/<blob id>"}`' }),
  exists: z.boolean(),
  upload: z
    .object({
      method: z.enum(['GET', 'PUT']),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      expiresAt: z.string(),
      authorization: z.enum(['bearer', 'signed']).meta({ description: '`bearer`: a path of this API, send your token; `signed`: send no credentials' }),
    })
    .optional(),
});

export const blobUploadAnswerSchema = z.object({
  blob: z.string(),
  size: z.number().int(),
  alreadyUploaded: z.boolean(),
  md5: z.string().optional(),
  sha256: z.string().optional(),
});

export const blobBodySchema = z.string().meta({ description: 'The bytes, exactly as declared (streamed to disk, hashed on the way)' });

// ---- The console's read-only questions (PlanReviewApi); see shared/services/plan-review.ts.

export const reviewPageQuerySchema = z.strictObject({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});

export const inboxQuerySchema = z.strictObject({
  case: caseNameSchema.optional(),
  status: planStatusSchema.optional(),
  author: z.string().min(1).max(320).optional(),
  pageToken: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const whoAmISchema = z.object({ principal: z.string(), roles: z.array(z.string()), cases: z.array(z.string()).optional() });

export const inboxSchema = z.object({
  awaitingYou: z.array(planRecordSchema).meta({ description: 'Proposed plans the caller may approve now (first page only)' }),
  plans: z.array(planRecordSchema),
  nextPageToken: z.string().optional(),
});

export const operationPageSchema = z.object({
  planId: z.string(),
  offset: z.number().int(),
  total: z.number().int(),
  operations: z.array(
    z.object({
      index: z.number().int(),
      type: z.string(),
      source: z.string().optional(),
      destination: z.string().optional(),
      overwrite: z.boolean().optional(),
      content: z
        .object({
          bytes: z.number().int(),
          encoding: z.enum(['utf8', 'base64']),
          mediaType: z.string(),
          preview: z.string().optional(),
          previewTruncated: z.boolean().optional(),
        })
        .optional()
        .meta({ description: 'write_file: size and type of the new content, and its first 2,048 characters when it is text' }),
    }),
  ),
});

export const actionResultPageSchema = z.object({
  planId: z.string(),
  offset: z.number().int(),
  total: z.number().int(),
  actions: z.array(
    z.object({
      index: z.number().int(),
      operation: z.number().int(),
      kind: z.enum(['put', 'copy', 'move', 'delete']),
      source: z.string().optional(),
      destination: z.string(),
      size: z.number().int(),
      outcome: z.enum(['done', 'stale', 'failed', 'compensated']).optional(),
      message: z.string().optional(),
      at: z.string().optional(),
    }),
  ),
});

/** `POST /plans/from-commands`: the body, and the answer (a PlanView plus which line made which operations). */
export const fromCommandsBodySchema = fromCommandsInputSchema;
export const planFromCommandsViewSchema = planViewSchema.extend({ translation: z.array(lineTranslationSchema) });

/** `GET /cases/{case}/files/text`: one page of a text file, by byte offset. */
export const fileTextQuerySchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(2048)
    .meta({ ...FILE_PATH_JSON_SCHEMA, description: 'The file, relative to the case folder' }),
  offset: z.coerce.number().int().min(0).optional().meta({ description: "Byte offset to start at (a previous page's `nextOffset`)" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_READ_PAGE_BYTES)
    .optional()
    .meta({ description: `Most bytes to return (default ${DEFAULT_READ_PAGE_BYTES})` }),
});

export const fileTextSchema = z.object({
  case: z.string(),
  path: z.string(),
  size: z.number().int(),
  generation: z.string(),
  updated: z.string(),
  offset: z.number().int(),
  text: z.string(),
  nextOffset: z.number().int().optional(),
});
