/**
 * PlanStore: durable state — plans, their operations and actions, execution journals, the
 * audit chain and case leases — with compare-and-set on everything that changes.
 *
 * Large plans do not fit one record (Firestore caps a document at 1 MiB), so operations,
 * actions and journal entries are written and read in pages; adapters chunk them as their
 * backend needs. Errors are BailiffErrors: `not_found`, `conflict`, `unavailable`.
 */
import type { Action } from '../domain/actions.ts';
import type { AuditEventInput, AuditRecord } from '../domain/audit.ts';
import type { AuditHead, AuditHeadSignature, AuditHeadSigner } from './audit-head-signer.ts';

export interface AuditChainHead extends AuditHead {
  signature?: AuditHeadSignature;
}
import type { DryRunReport, ExecutionSummary, Operation, PlanRecord, PlanStatus } from '../domain/plan.ts';

import type { JournalEntry, JournalOutcome } from '../domain/journal.ts';

export type { JournalEntry, JournalOutcome };

export interface Lease {
  case: string;
  /** The plan executing under this lease. */
  planId: string;
  /** The execution attempt (one invocation chain) that holds it. */
  owner: string;
  /** Strictly increasing per case: a holder whose token is no longer current must stop writing. */
  token: number;
  expiresAt: string;
}

/** How far a running attempt has got: what a person watching the plan sees move. */
export type ExecutionProgress = Pick<ExecutionSummary, 'attempt' | 'done' | 'stale' | 'failed'>;

export type LeaseAcquisition = { acquired: true; lease: Lease; tookOverFrom?: Lease } | { acquired: false; heldBy: Lease };

export interface PlanQuery {
  case?: string;
  status?: PlanStatus;
  /**
   * Only plans whose case matches one of these patterns (a principal's case scope; see
   * `caseMatches`). Pages are filled from the matching plans only.
   */
  caseScope?: readonly string[];
  /** Never plans whose case matches one of these patterns (the ethical walls around a principal). */
  excludedCases?: readonly string[];
  limit: number;
  pageToken?: string;
}

export interface PlanPage {
  plans: PlanRecord[];
  nextPageToken?: string;
}

export interface PlanStore {
  /** Stores a new plan with its operations and the actions of its dry run. Throws `conflict` if the id exists. */
  createPlan(plan: PlanRecord, operations: readonly Operation[], actions: readonly Action[]): Promise<void>;
  getPlan(id: string): Promise<PlanRecord | undefined>;
  /** Newest first. */
  listPlans(query: PlanQuery): Promise<PlanPage>;
  /** How many plans `author` proposed that are now in one of `statuses` (the open-plan quota). */
  countPlansByAuthor(author: string, statuses: readonly PlanStatus[]): Promise<number>;
  /**
   * Compare-and-set: applies `patch` and bumps `revision` only if the stored revision is
   * `expectedRevision`; otherwise throws `conflict` carrying the current status. Returns the new record.
   */
  updatePlan(id: string, expectedRevision: number, patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>): Promise<PlanRecord>;
  /**
   * `updatePlan` and `appendAudit` in one write: a status change and the audit record that
   * attests it are stored together or not at all, so no instant at which a process dies leaves a
   * plan in a status its audit trail does not show. Every lifecycle transition goes through it.
   */
  transition(
    id: string,
    expectedRevision: number,
    patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }>;
  /**
   * Shows how far a running plan has got, without a compare-and-set and without changing its
   * revision: the executor holding the plan's lease is the only writer, and the journal, not
   * this, is what a resumed attempt trusts. Reads of a `running` plan whose execution is at
   * `progress.attempt` show these counts when they are further along than its last checkpoint;
   * otherwise the write is ignored. Best effort: callers log a failure and carry on.
   */
  writeProgress(id: string, progress: ExecutionProgress): Promise<void>;
  /**
   * The shortest time between two progress writes of one plan that this backend affords: a
   * local write costs microseconds, a Firestore document write is billed.
   */
  readonly progressIntervalMs: number;
  /** Replaces the actions and report after a fresh dry run, under the same compare-and-set, with its audit records in the same write (as `transition`). */
  replaceDryRun(
    id: string,
    expectedRevision: number,
    report: DryRunReport,
    actions: readonly Action[],
    patch: Partial<PlanRecord>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }>;
  readOperations(id: string, offset: number, limit: number): Promise<Operation[]>;
  readActions(id: string, offset: number, limit: number): Promise<Action[]>;
  /** Appends one batch of journal entries (one write per batch, not per entry). */
  appendJournal(id: string, entries: readonly JournalEntry[]): Promise<void>;
  /** Journal entries in append order; a later entry for the same action supersedes an earlier one. */
  readJournal(id: string, offset: number, limit: number): Promise<JournalEntry[]>;
  /** Appends events to their case's chain atomically (sealed with `sealAuditRecord`), in order. */
  appendAudit(events: readonly AuditEventInput[]): Promise<AuditRecord[]>;
  /** Records of one chain from `afterSeq` on, in chain order. */
  readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /** The plan's records, in chain order. */
  readPlanAudit(planId: string): Promise<AuditRecord[]>;
  /**
   * Every chain with its head (last seq and hash), so truncation is detectable, and the head's
   * signature when the store signs heads.
   */
  listAuditChains(): Promise<AuditChainHead[]>;
  /** One chain's head (one read, whatever the chain's length); undefined before its first record. */
  readAuditHead(chain: string): Promise<AuditChainHead | undefined>;
  /** The key this store signs its chain heads with (after each append); unset: heads are not signed. */
  readonly auditHeadSigner: AuditHeadSigner | undefined;
  /** Takes the case's lease if it is free or expired (`now` decides expiry). */
  acquireLease(request: { case: string; planId: string; owner: string; ttlMs: number; now: Date }): Promise<LeaseAcquisition>;
  /** Extends a lease still held with the same token; throws `conflict` if it was lost. */
  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease>;
  /** Releases the lease if still held with the same token; otherwise does nothing. */
  releaseLease(lease: Lease): Promise<void>;
  getLease(caseName: string): Promise<Lease | undefined>;
  /** Removes whatever lease the case has (an admin's recovery tool). Returns what was removed. */
  forceReleaseLease(caseName: string): Promise<Lease | undefined>;
  /** Resolves when the backend answers; throws `unavailable` otherwise. */
  health(): Promise<void>;
}

/** The page size services read stored plan items with. */
export const PLAN_ITEMS_PAGE = 1000;

/**
 * Every item of a paged PlanStore read (operations, actions, journal entries), page by page:
 * `for await (const page of readPages((offset, limit) => plans.readActions(id, offset, limit)))`.
 * The only way services walk a plan's stored items.
 */
export async function* readPages<T>(read: (offset: number, limit: number) => Promise<T[]>, pageSize = PLAN_ITEMS_PAGE): AsyncGenerator<T[]> {
  for (let offset = 0; ; ) {
    const page = await read(offset, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    offset += page.length;
  }
}
