/**
 * FileHistoryService: one document's chain of custody (`GET /cases/{case}/files/history`).
 *
 * The history is built from the journal and the audit chain, and kept in an index
 * (ports/file-history-index.ts) so a query reads a few rows rather than the case's whole chain.
 * The index catches up on each query: it reads the case's audit records after its mark, and
 * for each plan whose execution ended there (`plan.succeeded`, `plan.failed`) files a row per
 * path each done action touched. A query then follows the document through moves over those
 * rows (domain/file-history.ts) and answers a page, newest first.
 */
import { z } from 'zod';
import { CASE_PATH_JSON_SCHEMA } from '../domain/paths.ts';
import { CLOSING_EVENTS, changesOfPlan, fileChangeSchema, traceDocument, type FileHistoryRow } from '../domain/file-history.ts';
import type { AuditRecord } from '../domain/audit.ts';
import { caseNameSchema, casePathSchema, type Operation } from '../domain/plan.ts';
import { invalidInput, zodIssueDetails } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import type { FileHistoryIndex } from '../ports/file-history-index.ts';
import { readPages, type JournalEntry, type PlanStore } from '../ports/plan-store.ts';
import type { Action } from '../domain/actions.ts';
import { requireRole, type CaseAccess } from './authorization.ts';

/** Most changes one document's history gathers; a page is at most `MAX_HISTORY_PAGE` of them. */
export const MAX_HISTORY_CHANGES = 5000;
export const MAX_HISTORY_PAGE = 200;
const DEFAULT_HISTORY_PAGE = 50;
/** Most paths followed through moves for one document. */
const MAX_HISTORY_PATHS = 200;
const AUDIT_PAGE = 1000;

export const fileHistoryQuerySchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(2048)
    .meta({ ...CASE_PATH_JSON_SCHEMA, description: 'The document, relative to the case folder: where it is now, or any path it had' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_HISTORY_PAGE)
    .optional()
    .meta({ description: `Most changes per page (default ${DEFAULT_HISTORY_PAGE})` }),
  pageToken: z.string().max(200).optional().meta({ description: "The previous page's `nextPageToken`" }),
});

export const fileHistorySchema = z.object({
  case: z.string(),
  path: z.string(),
  changes: z.array(fileChangeSchema),
  /** The document had more changes (or moves) than one history follows; the oldest are left out. */
  truncated: z.boolean(),
  nextPageToken: z.string().optional(),
});
export type FileHistoryPage = z.infer<typeof fileHistorySchema>;

export interface FileHistoryApi {
  history(principal: Principal, caseName: string, query: unknown): Promise<FileHistoryPage>;
}

export interface FileHistoryDeps {
  plans: PlanStore;
  index: FileHistoryIndex;
  access: CaseAccess;
}

export class FileHistoryService implements FileHistoryApi {
  readonly #plans: PlanStore;
  readonly #index: FileHistoryIndex;
  readonly #access: CaseAccess;

  constructor(deps: FileHistoryDeps) {
    this.#plans = deps.plans;
    this.#index = deps.index;
    this.#access = deps.access;
  }

  async history(principal: Principal, caseRaw: string, query: unknown): Promise<FileHistoryPage> {
    requireRole(principal, 'reading a document history', 'agent', 'approver');
    const caseName = parse(caseNameSchema, caseRaw, 'case name');
    await this.#access.requireCase(principal, caseName, 'read a document history');
    const { path: rawPath, limit = DEFAULT_HISTORY_PAGE, pageToken } = parse(fileHistoryQuerySchema, query ?? {}, 'query');
    const path = parse(casePathSchema, rawPath, 'path');
    const before = pageToken === undefined ? undefined : decodeToken(pageToken);
    await this.catchUp(caseName);
    const traced = await traceDocument(path, (at, page) => this.#index.read(caseName, at, page), {
      maxChanges: MAX_HISTORY_CHANGES,
      maxPaths: MAX_HISTORY_PATHS,
    });
    const rest = before === undefined ? traced.changes : traced.changes.filter((row) => row.order < before);
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    return {
      case: caseName,
      path,
      changes: page.map((row) => row.change),
      truncated: traced.truncated,
      ...(rest.length > limit && last ? { nextPageToken: Buffer.from(last.order, 'utf8').toString('base64url') } : {}),
    };
  }

  /** Brings the case's index up to the head of its audit chain. */
  async catchUp(caseName: string): Promise<void> {
    let seq = await this.#index.indexedThrough(caseName);
    // Most queries find nothing new: one read of the chain's head says so, without a query.
    const head = await this.#plans.readAuditHead(caseName);
    if (!head || head.seq <= seq) return;
    for (;;) {
      const records = await this.#plans.readAuditChain(caseName, seq, AUDIT_PAGE);
      if (records.length === 0) return;
      const rows: FileHistoryRow[] = [];
      for (const record of records) if (CLOSING_EVENTS.has(record.type) && record.planId) rows.push(...(await this.#rowsOf(record)));
      seq = records.at(-1)!.seq;
      await this.#index.add(caseName, rows, seq);
      if (records.length < AUDIT_PAGE) return;
    }
  }

  async #rowsOf(closing: AuditRecord): Promise<FileHistoryRow[]> {
    const plan = await this.#plans.getPlan(closing.planId!);
    if (!plan) return [];
    const actions: Action[] = [];
    for await (const page of readPages((offset, limit) => this.#plans.readActions(plan.id, offset, limit))) actions.push(...page);
    const journal: JournalEntry[] = [];
    for await (const page of readPages((offset, limit) => this.#plans.readJournal(plan.id, offset, limit))) journal.push(...page);
    // Operations are read only for what they add: the checksum of inline content written.
    const operations = new Map<number, Operation>();
    for await (const page of readPages((offset, limit) => this.#plans.readOperations(plan.id, offset, limit))) {
      for (const operation of page) operations.set(operations.size, operation);
    }
    return changesOfPlan({ plan, actions, journal, operations, planAudit: await this.#plans.readPlanAudit(plan.id), closing });
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${what}`, zodIssueDetails(result.error));
  return result.data;
}

function decodeToken(token: string): string {
  const order = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{12}\.\d{9}$/.test(order)) throw invalidInput('pageToken is not one this server issued', [{ path: 'pageToken', message: 'malformed page token' }]);
  return order;
}
