/**
 * PlanReviewService: the read-only questions a person reviewing plans asks that the lifecycle
 * API does not answer directly — who am I, what is waiting for me, what exactly does this plan
 * do (its operations, with a preview of written text), what may I decide about it and why not,
 * what did each action do. The console (shared/console) shows these answers and decides
 * nothing itself (STYLE.md habit 14).
 *
 * It never changes state: a plan whose approval window has passed is reported as needing a
 * fresh dry run, but only PlanService moves it to `expired`.
 */
import { contentBuffer, keptActionCount, planIdSchema, caseNameSchema, type Operation, type PlanRecord, type PlanStatus } from '../domain/plan.ts';
import type { Action } from '../domain/actions.ts';
import { casePathOf } from '../domain/paths.ts';
import { invalidInput } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Principal } from '../ports/identity.ts';
import type { JournalEntry, JournalOutcome, PlanStore } from '../ports/plan-store.ts';
import { decide, type PlanDecisions } from '../domain/lifecycle.ts';
import { hasRole, lifecycleCaller, requireRole, type CaseAccess } from './authorization.ts';

/** Characters of a written text shown in an operation listing; the size is always exact. */
export const PREVIEW_CHARS = 2048;
/** Most operations or actions returned by one page. */
export const MAX_REVIEW_PAGE = 5000;
/** Plans scanned to find those awaiting the caller (newest first). */
const INBOX_SCAN_LIMIT = 1000;
const JOURNAL_PAGE = 1000;

export type { Decision, PlanDecisions } from '../domain/lifecycle.ts';
export { describePolicyVerdict } from '../domain/lifecycle.ts';

export interface OperationSummary {
  index: number;
  type: Operation['type'];
  source?: string;
  destination?: string;
  overwrite?: boolean;
  /** write_file only: size and type of the new content, and the start of it when it is text. */
  content?: { bytes: number; encoding: 'utf8' | 'base64'; mediaType: string; preview?: string; previewTruncated?: boolean };
}

export interface ActionResult {
  index: number;
  operation: number;
  kind: Action['kind'];
  source?: string;
  destination: string;
  size: number;
  /** The latest journaled outcome; absent while the action has not run. */
  outcome?: JournalOutcome;
  message?: string;
  at?: string;
}

export interface InboxQuery {
  case?: string;
  status?: PlanStatus;
  author?: string;
  pageToken?: string;
  limit?: number;
}

export interface PlanReviewApi {
  whoAmI(principal: Principal): Promise<{ principal: string; roles: string[]; cases?: string[] }>;
  /** Plans awaiting the caller's decision, then every plan matching the filters, newest first. */
  inbox(principal: Principal, query: InboxQuery): Promise<{ awaitingYou: PlanRecord[]; plans: PlanRecord[]; nextPageToken?: string }>;
  decisions(principal: Principal, planId: string): Promise<PlanDecisions>;
  operations(
    principal: Principal,
    planId: string,
    page: { offset?: number; limit?: number },
  ): Promise<{ planId: string; offset: number; total: number; operations: OperationSummary[] }>;
  results(
    principal: Principal,
    planId: string,
    page: { offset?: number; limit?: number },
  ): Promise<{ planId: string; offset: number; total: number; actions: ActionResult[] }>;
}

/**
 * What `principal` may do with `plan` now, and why not, as the lifecycle decides it
 * (domain/lifecycle.ts); PlanService asks the same function before every transition.
 */
export function planDecisions(principal: Principal, plan: PlanRecord, now: Date): PlanDecisions {
  return decide(lifecycleCaller(principal), plan, now);
}

/** A media type from the file name, for showing what a written file is. */
export function mediaTypeOf(path: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  const known: Record<string, string> = {
    md: 'text/markdown',
    txt: 'text/plain',
    csv: 'text/csv',
    json: 'application/json',
    html: 'text/html',
    xml: 'application/xml',
    pdf: 'application/pdf',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    eml: 'message/rfc822',
  };
  return (extension && known[extension]) || 'application/octet-stream';
}

/** Whether bytes read as UTF-8 text a person can look at (no NULs, no replacement characters). */
function asText(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (text.includes('\u0000') || text.includes('\uFFFD')) return undefined;
  return text;
}

export function summariseOperation(operation: Operation, index: number): OperationSummary {
  switch (operation.type) {
    case 'create_dir':
    case 'remove_folder':
      return { index, type: operation.type, destination: operation.destination };
    case 'delete':
      return { index, type: operation.type, source: operation.source };
    case 'copy':
    case 'move':
      return { index, type: operation.type, source: operation.source, destination: operation.destination, overwrite: operation.overwrite };
    case 'restore':
      return { index, type: operation.type, source: operation.backup, destination: operation.destination, overwrite: operation.overwrite };
    case 'write_file': {
      const bytes = contentBuffer(operation);
      const text = asText(bytes.subarray(0, PREVIEW_CHARS * 4));
      const content: NonNullable<OperationSummary['content']> = {
        bytes: bytes.length,
        encoding: operation.encoding,
        mediaType: mediaTypeOf(operation.destination),
      };
      if (text !== undefined) {
        content.preview = text.slice(0, PREVIEW_CHARS);
        content.previewTruncated = bytes.length > Buffer.byteLength(content.preview);
      }
      return { index, type: operation.type, destination: operation.destination, overwrite: operation.overwrite, content };
    }
  }
}

export interface PlanReviewDeps {
  plans: PlanStore;
  clock: Clock;
  /** Case scope and ethical walls. */
  access: CaseAccess;
}

function pageBounds(page: { offset?: number; limit?: number }): { offset: number; limit: number } {
  const offset = page.offset ?? 0;
  const limit = Math.min(page.limit ?? 1000, MAX_REVIEW_PAGE);
  if (offset < 0 || limit < 1) throw invalidInput('offset must be 0 or more and limit 1 or more');
  return { offset, limit };
}

export class PlanReviewService implements PlanReviewApi {
  private readonly plans: PlanStore;
  private readonly clock: Clock;
  private readonly access: CaseAccess;

  constructor(deps: PlanReviewDeps) {
    this.plans = deps.plans;
    this.clock = deps.clock;
    this.access = deps.access;
  }

  async whoAmI(principal: Principal) {
    return { principal: principal.id, roles: [...principal.roles], ...(principal.cases ? { cases: [...principal.cases] } : {}) };
  }

  async inbox(principal: Principal, query: InboxQuery) {
    requireRole(principal, 'reading plans', 'agent', 'approver');
    const caseName = query.case === undefined ? undefined : parseCase(query.case);
    if (caseName !== undefined) await this.access.requireCase(principal, caseName, 'list plans');
    const limit = Math.min(query.limit ?? 25, 200);
    const now = this.clock.now();
    const awaitingYou: PlanRecord[] = [];
    // Only the first page carries the plans awaiting the caller; later pages are "the rest".
    if (!query.pageToken && hasRole(principal, 'approver') && (query.status === undefined || query.status === 'proposed')) {
      let token: string | undefined;
      let scanned = 0;
      do {
        const page = await this.plans.listPlans({ case: caseName, status: 'proposed', ...this.access.listingScope(principal), limit: 200, pageToken: token });
        scanned += page.plans.length;
        for (const plan of page.plans) {
          if (!this.access.mayTouchCase(principal, plan.case) || (query.author && plan.author !== query.author)) continue;
          if (planDecisions(principal, plan, now).approve.allowed) awaitingYou.push(plan);
        }
        token = page.nextPageToken;
      } while (token && scanned < INBOX_SCAN_LIMIT);
    }
    const awaitingIds = new Set(awaitingYou.map((plan) => plan.id));
    const plans: PlanRecord[] = [];
    let pageToken = query.pageToken;
    let scanned = 0;
    // Filtering by author happens here, so a page may need several store pages to fill.
    do {
      const page = await this.plans.listPlans({ case: caseName, status: query.status, ...this.access.listingScope(principal), limit, pageToken });
      scanned += page.plans.length;
      for (const plan of page.plans) {
        if (!this.access.mayTouchCase(principal, plan.case) || awaitingIds.has(plan.id) || (query.author && plan.author !== query.author)) continue;
        plans.push(plan);
      }
      pageToken = page.nextPageToken;
    } while (pageToken && plans.length < limit && scanned < INBOX_SCAN_LIMIT);
    return { awaitingYou, plans, ...(pageToken ? { nextPageToken: pageToken } : {}) };
  }

  async decisions(principal: Principal, planId: string): Promise<PlanDecisions> {
    requireRole(principal, 'reading plans', 'agent', 'approver');
    return planDecisions(principal, await this.loadPlan(principal, planId, 'read'), this.clock.now());
  }

  async operations(principal: Principal, planId: string, page: { offset?: number; limit?: number }) {
    requireRole(principal, 'reading plans', 'agent', 'approver');
    const plan = await this.loadPlan(principal, planId, 'read');
    const { offset, limit } = pageBounds(page);
    const operations = offset >= plan.operationCount ? [] : await this.plans.readOperations(plan.id, offset, limit);
    return { planId: plan.id, offset, total: plan.operationCount, operations: operations.map((operation, i) => summariseOperation(operation, offset + i)) };
  }

  async results(principal: Principal, planId: string, page: { offset?: number; limit?: number }) {
    requireRole(principal, 'reading plans', 'agent', 'approver');
    const plan = await this.loadPlan(principal, planId, 'read');
    const { offset, limit } = pageBounds(page);
    const latest = new Map<number, JournalEntry>();
    for (let journalOffset = 0; ; journalOffset += JOURNAL_PAGE) {
      const entries = await this.plans.readJournal(plan.id, journalOffset, JOURNAL_PAGE);
      for (const entry of entries) latest.set(entry.action, entry);
      if (entries.length < JOURNAL_PAGE) break;
    }
    const actions = await this.plans.readActions(plan.id, offset, limit);
    const inCase = (name: string) => casePathOf(plan.case, name) ?? name;
    return {
      planId: plan.id,
      offset,
      total: keptActionCount(plan.report),
      actions: actions.map((action): ActionResult => {
        const entry = latest.get(action.index);
        const target = action.kind === 'delete' ? { destination: inCase(action.target) } : { destination: inCase(action.destination) };
        return {
          index: action.index,
          operation: action.operation,
          kind: action.kind,
          ...(action.kind === 'copy' || action.kind === 'move' ? { source: inCase(action.source) } : {}),
          ...target,
          size: action.size,
          ...(entry ? { outcome: entry.outcome, at: entry.at, ...(entry.message ? { message: entry.message } : {}) } : {}),
        };
      }),
    };
  }

  private async loadPlan(principal: Principal, planId: string, action: string): Promise<PlanRecord> {
    const parsed = planIdSchema.safeParse(planId);
    if (!parsed.success) throw invalidInput('invalid plan id', [{ path: 'id', message: 'not a plan id' }]);
    return this.access.requirePlan(principal, await this.plans.getPlan(parsed.data), parsed.data, action);
  }
}

function parseCase(raw: string): string {
  const parsed = caseNameSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput('invalid case name', [{ path: 'case', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}
