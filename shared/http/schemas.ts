/**
 * The wire format of the HTTP API as zod schemas: path and query parameters, the bodies
 * validated here, and the responses. The route table uses them to parse requests and the
 * OpenAPI generator to describe them; plan and audit shapes come from the domain unchanged.
 */
import { z } from 'zod';
import { auditRecordSchema } from '../domain/audit.ts';
import { CASE_PATH_JSON_SCHEMA } from '../domain/paths.ts';
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
  prefix: z.string().max(CASE_PATH_JSON_SCHEMA.maxLength).meta({ ...CASE_PATH_JSON_SCHEMA }).optional(),
  recursive: booleanQuery.optional(),
});

/** Actions without parameters accept no body or `{}`, so a future option cannot be silently ignored. */
export const emptyBodySchema = z.strictObject({});

export const planViewSchema = z.object({
  plan: planRecordSchema,
  report: reportSchema,
  approval: approvalSchema.optional(),
  execution: executionSummarySchema.optional(),
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
  firstBreak: z.object({ chain: z.string(), seq: z.number().int(), reason: z.string(), file: z.string().optional() }).optional(),
});

export const leaseReleaseSchema = z.object({
  released: z
    .object({ case: z.string(), planId: z.string(), owner: z.string(), token: z.number().int(), expiresAt: z.string() })
    .optional(),
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
