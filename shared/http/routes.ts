/**
 * The route table: every endpoint of the HTTP contract (API.md) once, with who may call it,
 * the zod schemas of its path, query, body and response, and the PlanApi call behind it.
 * The dispatcher, the role gate and the OpenAPI document are all derived from this table, so
 * a route cannot exist without being documented and gated.
 *
 * Request bodies that PlanApi takes as `unknown` are validated by the service (one validator,
 * the same field paths for every front end); their schemas here describe them in OpenAPI.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { blobDeclarationSchema } from '../domain/blobs.ts';
import { holdBodySchema } from '../domain/holds.ts';
import { planInputSchema } from '../domain/plan.ts';
import { isTargetStateBody, targetPlanInputSchema } from '../domain/target-state.ts';
import { unavailable } from '../errors.ts';
import type { CaseContentService } from '../services/case-content.ts';
import type { Principal, Role } from '../ports/identity.ts';
import { answerHealth } from './health.ts';
import { buildOpenApiDocument } from './openapi.ts';
import {
  approveBodySchema,
  auditVerificationSchema,
  blobBodySchema,
  blobDeclarationAnswerSchema,
  blobParamsSchema,
  blobUploadAnswerSchema,
  contentQuerySchema,
  fileContentSchema,
  snapshotPageSchema,
  snapshotQuerySchema,
  caseParamsSchema,
  emptyBodySchema,
  fileTextQuerySchema,
  fileTextSchema,
  fileListSchema,
  fromCommandsBodySchema,
  planFromCommandsViewSchema,
  healthSchema,
  holdAnswerSchema,
  leaseReleaseSchema,
  listFilesQuerySchema,
  listPlansQuerySchema,
  openApiDocumentSchema,
  planAuditSchema,
  planListSchema,
  planParamsSchema,
  planViewSchema,
  proposedPlanSchema,
  rejectBodySchema,
  actionResultPageSchema,
  inboxQuerySchema,
  inboxSchema,
  operationPageSchema,
  planDecisionsSchema,
  reviewPageQuerySchema,
  whoAmISchema,
} from './schemas.ts';
import type { HttpDependencies, RouteContext, RouteDefinition, RouteResult, TypedRoute } from './types.ts';
import type { PlanReviewApi } from '../services/plan-review.ts';
import type { HoldService } from '../services/holds.ts';
import { fileHistoryQuerySchema, fileHistorySchema, type FileHistoryApi } from '../services/file-history.ts';

/**
 * Keeps each route's handler typed by its own schemas while the table holds them all, and keeps
 * its operationId and schemas in the table's type, so the client derives a typed call per route.
 */
function route<
  const Id extends string,
  R extends z.ZodType,
  B extends z.ZodType = z.ZodNever,
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
>(definition: RouteDefinition<P, Q> & { operationId: Id; response: R; body?: { schema: B } }): RouteDefinition & TypedRoute<Id, P, Q, B, R> {
  return definition as unknown as RouteDefinition & TypedRoute<Id, P, Q, B, R>;
}

const READERS: readonly Role[] = ['agent', 'approver'];

/** A principal is always present on non-public routes; the dispatcher guarantees it. */
function caller(context: { principal: Principal | undefined }): Principal {
  if (!context.principal) throw new Error('route reached without a principal');
  return context.principal;
}

function contentService(context: { deps: HttpDependencies }): CaseContentService {
  if (!context.deps.content) throw unavailable('this server does not serve file content');
  return context.deps.content;
}

function header(headers: RouteContext<unknown, unknown>['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `attachment; filename*=UTF-8''...`: case files are downloads, never pages of this origin. */
function attachment(filename: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** The hold service; every composition root wires it, so its absence is a wiring fault. */
function holds(context: { deps: HttpDependencies }): HoldService {
  if (!context.deps.holds) throw unavailable('legal holds are not configured on this server');
  return context.deps.holds;
}

/** The review service; every composition root wires it, so its absence is a wiring fault. */
function review(context: { deps: HttpDependencies }): PlanReviewApi {
  if (!context.deps.review) throw unavailable('the review endpoints are not configured on this server');
  return context.deps.review;
}

function history(context: { deps: HttpDependencies }): FileHistoryApi {
  if (!context.deps.history) throw unavailable('this server keeps no document history');
  return context.deps.history;
}

let cachedDocument: Record<string, unknown> | undefined;

/** The OpenAPI document of this table, built on first request (the table never changes). */
export function openApiDocument(): Record<string, unknown> {
  cachedDocument ??= buildOpenApiDocument(ROUTES);
  return cachedDocument;
}

export const ROUTES = [
  route({
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Whether Bailiff and each of its dependencies answer',
    access: 'public',
    status: 200,
    response: healthSchema,
    errors: ['unavailable'],
    handle: async (context) => answerHealth(context.deps),
  }),
  route({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API as an OpenAPI 3.1 document, generated from the zod schemas',
    access: 'public',
    status: 200,
    response: openApiDocumentSchema,
    errors: [],
    handle: async () => ({ body: openApiDocument() }),
  }),
  route({
    method: 'GET',
    path: '/cases/{case}/files',
    operationId: 'listCaseFiles',
    summary: "The case's files: path, size, updated, generation",
    access: READERS,
    params: caseParamsSchema,
    query: listFilesQuerySchema,
    status: 200,
    response: fileListSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => {
      const files = await context.deps.api.listFiles(caller(context), context.params.case, context.query);
      return { body: { case: context.params.case, files } };
    },
  }),
  route({
    method: 'GET',
    path: '/cases/{case}/files/content',
    operationId: 'readFileContent',
    summary: "One file's bytes, its generation as ETag; `Range` and `If-None-Match` honoured. On Google Cloud, a 307 to a short-lived signed URL",
    access: READERS,
    params: caseParamsSchema,
    query: contentQuerySchema,
    status: 200,
    produces: 'application/octet-stream',
    response: fileContentSchema,
    errors: ['not_found', 'precondition_failed', 'range_not_satisfiable', 'unavailable'],
    handle: async (context): Promise<RouteResult> => {
      const answer = await contentService(context).readContent(caller(context), context.params.case, context.query, {
        range: header(context.headers, 'range'),
        ifNoneMatch: header(context.headers, 'if-none-match'),
      });
      switch (answer.kind) {
        case 'redirect':
          return { status: 307, body: undefined, headers: { location: answer.location, etag: answer.etag } };
        case 'not_modified':
          return { status: 304, body: undefined, headers: { etag: answer.etag } };
        case 'bytes':
          return {
            status: answer.range ? 206 : 200,
            body: undefined,
            stream: answer.stream,
            headers: {
              'content-type': answer.contentType,
              'content-length': String(answer.length),
              'content-disposition': attachment(answer.filename),
              'content-security-policy': "sandbox; default-src 'none'",
              'accept-ranges': 'bytes',
              etag: answer.etag,
              ...(answer.range ? { 'content-range': `bytes ${answer.range.start}-${answer.range.end}/${answer.range.size}` } : {}),
            },
          };
      }
    },
  }),
  route({
    method: 'GET',
    path: '/cases/{case}/files/history',
    operationId: 'getFileHistory',
    summary:
      "One document's chain of custody, newest first: every change Bailiff made to it across renames and moves (plan, change, path before and after, generation, checksum, proposer, approvers, when, and the audit record's seq and hash), paged",
    access: READERS,
    params: caseParamsSchema,
    query: fileHistoryQuerySchema,
    status: 200,
    response: fileHistorySchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await history(context).history(caller(context), context.params.case, context.query) }),
  }),
  route({
    method: 'GET',
    path: '/cases/{case}/snapshot',
    operationId: 'snapshotCase',
    summary: 'Every object of the case with size, md5, crc32c, generation and content type, in pages: what `bailiff pull` writes beside the tree',
    access: READERS,
    params: caseParamsSchema,
    query: snapshotQuerySchema,
    status: 200,
    response: snapshotPageSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await contentService(context).snapshot(caller(context), context.params.case, context.query) }),
  }),
  route({
    method: 'POST',
    path: '/cases/{case}/blobs',
    operationId: 'declareBlob',
    summary: 'Declare new content by md5 (or sha256) and size: its blob reference and, unless it is already uploaded, where to upload it',
    access: ['agent'],
    params: caseParamsSchema,
    body: { schema: blobDeclarationSchema, required: true, check: 'service' },
    status: 200,
    response: blobDeclarationAnswerSchema,
    errors: ['unavailable'],
    handle: async (context) => ({ body: await contentService(context).declareBlob(caller(context), context.params.case, context.body) }),
  }),
  route({
    method: 'PUT',
    path: '/cases/{case}/blobs/{blob}',
    operationId: 'uploadBlob',
    summary: "The embedded server's upload endpoint: the bytes of a declared blob, streamed to disk, published only if size and hash match",
    access: ['agent'],
    params: blobParamsSchema,
    body: { schema: blobBodySchema, required: true, check: 'stream' },
    status: 201,
    response: blobUploadAnswerSchema,
    errors: ['payload_too_large', 'precondition_failed', 'unavailable'],
    handle: async (context) => ({
      body: await contentService(context).receiveBlob(
        caller(context),
        context.params.case,
        context.params.blob,
        context.bodyStream!,
        header(context.headers, 'content-type'),
      ),
    }),
  }),
  route({
    method: 'GET',
    path: '/cases/{case}/files/text',
    operationId: 'readCaseFileText',
    summary: 'One page of a text file of the case (UTF-8, by byte offset; binary files are refused)',
    access: READERS,
    params: caseParamsSchema,
    query: fileTextQuerySchema,
    status: 200,
    response: fileTextSchema,
    errors: ['not_found', 'payload_too_large', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.readFileText(caller(context), context.params.case, context.query) }),
  }),
  route({
    method: 'POST',
    path: '/plans',
    operationId: 'proposePlan',
    summary:
      'Propose a plan: it is stored as `proposed` with its dry-run report (which may say `valid: false`). Either `operations`, or a target state: `base` (the snapshot pulled) and `target` (the whole desired listing), from which Bailiff computes the operations and names conflicts',
    access: ['agent'],
    body: { schema: z.union([planInputSchema, targetPlanInputSchema]), required: true, check: 'service' },
    status: 201,
    response: proposedPlanSchema,
    errors: ['payload_too_large', 'plan_invalid', 'conflict', 'unavailable'],
    handle: async (context) => {
      if (!isTargetStateBody(context.body)) return { body: await context.deps.api.propose(caller(context), context.body) };
      if (!context.deps.targets) throw unavailable('this server does not take target-state plans');
      return { body: await context.deps.targets.propose(caller(context), context.body) };
    },
  }),
  route({
    method: 'POST',
    path: '/plans/from-commands',
    operationId: 'proposePlanFromCommands',
    summary:
      'Propose a plan written as shell lines (mkdir, mv, cp, rm, touch); nothing is executed. A refused line is a 400 whose details give line, column and message',
    access: ['agent'],
    body: { schema: fromCommandsBodySchema, required: true, check: 'service' },
    status: 201,
    response: planFromCommandsViewSchema,
    errors: ['payload_too_large', 'plan_invalid', 'conflict', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.proposeFromCommands(caller(context), context.body) }),
  }),
  route({
    method: 'GET',
    path: '/plans',
    operationId: 'listPlans',
    summary: 'Plans, newest first, paged',
    access: READERS,
    query: listPlansQuerySchema,
    status: 200,
    response: planListSchema,
    errors: ['unavailable'],
    handle: async (context) => ({ body: await context.deps.api.list(caller(context), context.query) }),
  }),
  route({
    method: 'GET',
    path: '/plans/{id}',
    operationId: 'getPlan',
    summary: 'A plan with its dry-run report, approval and execution',
    access: READERS,
    params: planParamsSchema,
    status: 200,
    response: planViewSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => {
      // A page that follows a plan asks every second; the ETag lets an unchanged plan answer 304.
      const view = await context.deps.api.get(caller(context), context.params.id);
      const etag = `"${createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 27)}"`;
      if (header(context.headers, 'if-none-match') === etag) return { status: 304, body: undefined, headers: { etag } };
      return { body: view, headers: { etag } };
    },
  }),
  route({
    method: 'POST',
    path: '/plans/{id}/validate',
    operationId: 'validatePlan',
    summary:
      'A fresh dry run against the workspace now; approvals given on another snapshot (or a report that is no longer valid) are withdrawn, audited, and the plan awaits approval again',
    access: READERS,
    params: planParamsSchema,
    body: { schema: emptyBodySchema, required: false, check: 'here' },
    status: 200,
    response: planViewSchema,
    errors: ['not_found', 'conflict', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.validate(caller(context), context.params.id) }),
  }),
  route({
    method: 'POST',
    path: '/plans/{id}/approve',
    operationId: 'approvePlan',
    summary:
      "Approve the plan and the dry-run report the approver reviewed: `planHash` and the report's `snapshotHash`; another plan is a 409 `hash_mismatch`, another current report a 409 `report_changed`",
    access: ['approver'],
    params: planParamsSchema,
    body: { schema: approveBodySchema, required: true, check: 'service' },
    status: 200,
    response: planViewSchema,
    errors: ['not_found', 'conflict', 'hash_mismatch', 'report_changed', 'plan_invalid', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.approve(caller(context), context.params.id, context.body) }),
  }),
  route({
    method: 'POST',
    path: '/plans/{id}/reject',
    operationId: 'rejectPlan',
    summary: 'Reject a proposed plan, with a reason',
    access: ['approver'],
    params: planParamsSchema,
    body: { schema: rejectBodySchema, required: true, check: 'service' },
    status: 200,
    response: planViewSchema,
    errors: ['not_found', 'conflict', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.reject(caller(context), context.params.id, context.body) }),
  }),
  route({
    method: 'POST',
    path: '/plans/{id}/apply',
    operationId: 'applyPlan',
    summary: 'Queue an approved plan for execution (status `queued`); not approved is a 409',
    access: READERS,
    params: planParamsSchema,
    body: { schema: emptyBodySchema, required: false, check: 'here' },
    status: 202,
    response: planViewSchema,
    errors: ['not_found', 'conflict', 'plan_invalid', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.apply(caller(context), context.params.id) }),
  }),
  route({
    method: 'POST',
    path: '/plans/{id}/rollback',
    operationId: 'rollbackPlan',
    summary: 'Propose a new plan that undoes an executed one',
    access: READERS,
    params: planParamsSchema,
    body: { schema: emptyBodySchema, required: false, check: 'here' },
    status: 201,
    response: planViewSchema,
    errors: ['not_found', 'conflict', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.rollback(caller(context), context.params.id) }),
  }),
  route({
    method: 'GET',
    path: '/plans/{id}/audit',
    operationId: 'getPlanAudit',
    summary: "The plan's audit records, in order",
    access: READERS,
    params: planParamsSchema,
    status: 200,
    response: planAuditSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => {
      const records = await context.deps.api.auditTrail(caller(context), context.params.id);
      return { body: { planId: context.params.id, records } };
    },
  }),
  route({
    method: 'GET',
    path: '/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Recompute every audit chain and report the first broken link',
    access: ['admin'],
    status: 200,
    response: auditVerificationSchema,
    errors: ['unavailable'],
    handle: async (context) => ({ body: await context.deps.api.verifyAudit(caller(context)) }),
  }),
  route({
    method: 'DELETE',
    path: '/cases/{case}/lease',
    operationId: 'releaseCaseLease',
    summary: "Release a case's execution lease left behind by a dead execution",
    access: ['admin'],
    params: caseParamsSchema,
    status: 200,
    response: leaseReleaseSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await context.deps.api.releaseLease(caller(context), context.params.case) }),
  }),
  route({
    method: 'POST',
    path: '/cases/{case}/holds',
    operationId: 'setCaseFileHold',
    summary: 'Place or release a legal hold on a file: a plan that would delete, overwrite or move it away is invalid (object_held)',
    access: ['admin'],
    params: caseParamsSchema,
    body: { schema: holdBodySchema, required: true, check: 'service' },
    status: 200,
    response: holdAnswerSchema,
    errors: ['invalid_input', 'not_found', 'unavailable'],
    handle: async (context) => ({ body: await holds(context).setHold(caller(context), context.params.case, context.body) }),
  }),
  route({
    method: 'GET',
    path: '/me',
    operationId: 'whoAmI',
    summary: 'Who the token belongs to: principal, roles and case scope',
    access: ['agent', 'approver'],
    status: 200,
    response: whoAmISchema,
    errors: [],
    handle: async (context) => ({ body: await review(context).whoAmI(caller(context)) }),
  }),
  route({
    method: 'GET',
    path: '/inbox',
    operationId: 'getInbox',
    summary: "Plans awaiting the caller's decision, then the rest, newest first; filters by case, status and author",
    access: READERS,
    query: inboxQuerySchema,
    status: 200,
    response: inboxSchema,
    errors: ['unavailable'],
    handle: async (context) => ({ body: await review(context).inbox(caller(context), context.query) }),
  }),
  route({
    method: 'GET',
    path: '/plans/{id}/decisions',
    operationId: 'getPlanDecisions',
    summary: 'What the caller may decide about the plan now and why not, four-eyes progress, and the policy verdict in words',
    access: READERS,
    params: planParamsSchema,
    status: 200,
    response: planDecisionsSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await review(context).decisions(caller(context), context.params.id) }),
  }),
  route({
    method: 'GET',
    path: '/plans/{id}/operations',
    operationId: 'getPlanOperations',
    summary:
      'Every operation of the plan in order, paged (`offset`, `limit` up to 5,000; `total` is exact): the way through a list `report.operations` truncates; a write_file shows its size, type and the start of its text',
    access: READERS,
    params: planParamsSchema,
    query: reviewPageQuerySchema,
    status: 200,
    response: operationPageSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await review(context).operations(caller(context), context.params.id, context.query) }),
  }),
  route({
    method: 'GET',
    path: '/plans/{id}/results',
    operationId: 'getPlanResults',
    summary: 'Each action of the plan with its latest journaled outcome (done, stale, failed, skipped, compensated), paged',
    access: READERS,
    params: planParamsSchema,
    query: reviewPageQuerySchema,
    status: 200,
    response: actionResultPageSchema,
    errors: ['not_found', 'unavailable'],
    handle: async (context) => ({ body: await review(context).results(caller(context), context.params.id, context.query) }),
  }),
] as const satisfies readonly RouteDefinition[];
