/**
 * The rules every PlanStore adapter applies the same way, so SQLite and Firestore pass one
 * contract suite: how a compare-and-set builds the next record, what its conflicts say, how
 * paging positions are encoded, and which offsets and limits are acceptable.
 */
import { conflict, invalidInput, unavailable, type BailiffError } from '../errors.ts';
import { GENESIS_HASH, hashAuditRecord, sealAuditRecord, type AuditEventInput, type AuditRecord } from '../domain/audit.ts';
import type { AuditHead, AuditHeadSignature, AuditHeadSigner } from '../ports/audit-head-signer.ts';
import type { PlanRecord } from '../domain/plan.ts';
import { caseMatches, inCaseScope } from '../domain/case-scope.ts';
import type { ExecutionProgress, Lease, LeaseAcquisition, PlanQuery } from '../ports/plan-store.ts';

/** The record after a compare-and-set: the patch over the current record, id kept, revision bumped. */
export function nextRecord(current: PlanRecord, expectedRevision: number, patch: Partial<PlanRecord>): PlanRecord {
  // A patch member set to `undefined` removes the field (JSON drops it), e.g. withdrawing an approval.
  return { ...current, ...patch, id: current.id, revision: expectedRevision + 1 };
}

/**
 * The plan as a reader sees it with the progress its running attempt last wrote: the counts of
 * `progress` when the plan is still running that attempt and they are further along than the
 * record's last checkpoint; the record unchanged otherwise (a late write from an attempt that
 * has ended, or a checkpoint newer than the progress).
 */
export function withProgress(plan: PlanRecord, progress: ExecutionProgress | undefined): PlanRecord {
  const execution = plan.execution;
  if (!progress || plan.status !== 'running' || !execution || execution.attempt !== progress.attempt) return plan;
  const processed = (counts: ExecutionProgress) => counts.done + counts.stale + counts.failed;
  if (processed(progress) <= processed(execution)) return plan;
  return { ...plan, execution: { ...execution, done: progress.done, stale: progress.stale, failed: progress.failed } };
}

/** The `conflict` a stale compare-and-set throws: it names the current status so callers can explain the 409. */
export function staleRevision(id: string, expected: number, actual: number, status: string): BailiffError {
  return conflict(`plan ${id} changed since revision ${expected}`, [
    { message: `plan is now at revision ${actual} with status ${status}`, planId: id, status, revision: actual },
  ]);
}

/** The `conflict` a holder gets when its lease was taken over or released. */
export function leaseLost(lease: Lease, current: Lease | undefined): BailiffError {
  return conflict(`the lease on case ${lease.case} with token ${lease.token} is no longer held`, [
    current
      ? { message: `held by ${current.owner} with token ${current.token}`, case: lease.case, heldBy: current }
      : { message: 'the lease was released', case: lease.case },
  ]);
}

/** Rejects offsets and limits that are not integers of at least `min` with `invalid_input`. */
export function checkLimit(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw invalidInput(`${name} must be an integer of at least ${min}`, [{ path: name, message: `got ${value}` }]);
}

/** Page tokens are opaque to callers; inside they name the last plan of the previous page. */
export function encodePageToken(position: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

export function decodePageToken(token: string): { createdAt: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // Falls through to the same answer as a well-formed token of the wrong shape.
  }
  throw invalidInput('pageToken is not one this server issued', [{ path: 'pageToken', message: 'malformed page token' }]);
}

/** Where a plan stands in the newest-first index every listing walks. */
export interface PlanPosition {
  createdAt: string;
  id: string;
}

/**
 * One page of `listPlans`, newest first, read from the store's ordered index in batches. Only
 * plans inside the query's case scope count toward the page, so a scoped principal gets full
 * pages however many plans of other cases lie between. The adapter supplies the batch read (its
 * query, already filtered by case and status) and turns the kept rows into records.
 */
export async function collectPlanPage<Row extends PlanPosition & { case: string }>(
  query: PlanQuery,
  readBatch: (after: PlanPosition | undefined, limit: number) => Promise<Row[]>,
): Promise<{ rows: Row[]; nextPageToken?: string }> {
  checkLimit(query.limit, 'limit', 1);
  let after = query.pageToken === undefined ? undefined : decodePageToken(query.pageToken);
  // One extra match tells whether another page exists.
  const wanted = query.limit + 1;
  const filtered = query.caseScope !== undefined || (query.excludedCases?.length ?? 0) > 0;
  const batchSize = filtered ? Math.max(wanted, 200) : wanted;
  const visible = (caseName: string) =>
    inCaseScope(query.caseScope, caseName) && !(query.excludedCases ?? []).some((pattern) => caseMatches(pattern, caseName));
  const kept: Row[] = [];
  while (kept.length < wanted) {
    const batch = await readBatch(after, batchSize);
    for (const row of batch) if (kept.length < wanted && visible(row.case)) kept.push(row);
    if (batch.length < batchSize) break;
    after = batch.at(-1)!;
  }
  const rows = kept.slice(0, query.limit);
  const last = rows.at(-1);
  return { rows, ...(kept.length > query.limit && last ? { nextPageToken: encodePageToken({ createdAt: last.createdAt, id: last.id }) } : {}) };
}

/** What an acquisition asks for; `now` decides expiry. */
export interface LeaseRequest {
  case: string;
  planId: string;
  owner: string;
  ttlMs: number;
  now: Date;
}

/**
 * Whether a lease request wins, given what the store holds: the lease if it is held (free when
 * released), and the last token ever issued for the case (tokens never go backwards). A lease
 * held by someone else that has not expired refuses; the same owner asking again gets a fresh
 * token, so anything it started under the old one is fenced off. The adapter writes the result.
 */
export function decideLease(request: LeaseRequest, stored: { held?: Lease; lastToken: number }): LeaseAcquisition {
  const { held } = stored;
  if (held && Date.parse(held.expiresAt) > request.now.getTime() && held.owner !== request.owner) return { acquired: false, heldBy: held };
  const lease: Lease = {
    case: request.case,
    planId: request.planId,
    owner: request.owner,
    token: stored.lastToken + 1,
    expiresAt: new Date(request.now.getTime() + request.ttlMs).toISOString(),
  };
  return held && held.owner !== request.owner ? { acquired: true, lease, tookOverFrom: held } : { acquired: true, lease };
}

/** The renewed lease, or the `conflict` of a holder that lost it (released, or taken over: another token). */
export function decideRenewal(lease: Lease, held: Lease | undefined, ttlMs: number, now: Date): Lease {
  if (!held || held.token !== lease.token) throw leaseLost(lease, held);
  return { ...held, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
}

/** A release frees the lease only while it is still this holder's (same token). */
export function isStillHeld(lease: Lease, held: Lease | undefined): boolean {
  return held !== undefined && held.token === lease.token;
}

/**
 * Seals a batch of audit events onto their chains, given each chain's current head (read by
 * the adapter in the same transaction): the records to insert, in order, and the new heads.
 */
export function sealAuditBatch(
  events: readonly AuditEventInput[],
  heads: ReadonlyMap<string, { seq: number; hash: string } | undefined>,
): { records: AuditRecord[]; heads: Map<string, { seq: number; hash: string }> } {
  const current = new Map(heads);
  const records: AuditRecord[] = [];
  for (const event of events) {
    const record = sealAuditRecord(event, current.get(event.chain));
    current.set(event.chain, { seq: record.seq, hash: record.hash });
    records.push(record);
  }
  const newHeads = new Map<string, { seq: number; hash: string }>();
  for (const [chain, head] of current) if (head) newHeads.set(chain, head);
  return { records, heads: newHeads };
}

/** What signing audit heads needs of a store. */
export interface AuditHeadSigningAccess {
  /** The chain's current head and the signature stored beside it. */
  head(chain: string): Promise<(AuditHead & { signature?: AuditHeadSignature }) | undefined>;
  /** The chain's records after `afterSeq`, at most `limit`, in order (the store's `readAuditChain`). */
  readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /**
   * Stores `signature` if the head is still `signature.seq`/`signature.hash` and the stored
   * signature is still `previous`; false if either moved.
   */
  storeSignature(chain: string, signature: AuditHeadSignature, previous: AuditHeadSignature | undefined): Promise<boolean>;
}

/**
 * Signs the new head of every chain an append touched (see `signAuditHead`); without a signer,
 * heads are not signed. The records are stored either way: this runs after their commit.
 */
export async function signAppendedHeads(signer: AuditHeadSigner | undefined, appended: readonly AuditRecord[], access: AuditHeadSigningAccess): Promise<void> {
  if (!signer) return;
  for (const chain of new Set(appended.map((record) => record.chain))) {
    const startedChain = appended.some((record) => record.chain === chain && record.seq === 1);
    await signAuditHead(signer, chain, access, startedChain);
  }
}

/**
 * Signs a chain's current head after an append, extending the trust of the signature already
 * stored: the stored signature must verify, and the records from the head it signed to the
 * current head must link, or nothing is signed (a rewritten chain is never laundered by the
 * next append; `/audit/verify` reports its head). A chain never signed is signed only by the
 * append that started it (`startedChain`), so deleting a signature does not get a rewrite signed.
 * Concurrent appends each sign whatever head is current; the compare-and-set keeps the latest.
 */
async function signAuditHead(signer: AuditHeadSigner, chain: string, access: AuditHeadSigningAccess, startedChain: boolean): Promise<void> {
  const records = (fromSeq: number, toSeq: number) => access.readAuditChain(chain, fromSeq - 1, toSeq - fromSeq + 1);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const head = await access.head(chain);
    if (!head) return;
    const previous = head.signature;
    if (previous && previous.seq === head.seq && previous.hash === head.hash) return;
    if (previous) {
      if (previous.seq > head.seq || !(await signer.verify({ chain, seq: previous.seq, hash: previous.hash }, previous))) return;
      if (!linksUp(await records(previous.seq, head.seq), previous, head)) return;
    } else if (!startedChain || !linksUp(await records(1, head.seq), undefined, head)) {
      return;
    }
    if (await access.storeSignature(chain, await signer.sign({ chain, seq: head.seq, hash: head.hash }), previous)) return;
  }
  throw unavailable(`the head of audit chain ${chain} kept moving while it was being signed; the next append signs it`);
}

/** Whether `records` run from the signed head (or record 1) to `head`, each linked and intact. */
function linksUp(records: readonly AuditRecord[], from: AuditHeadSignature | undefined, head: AuditHead): boolean {
  let expectedSeq = from ? from.seq : 1;
  let previousHash: string | undefined;
  for (const record of records) {
    if (record.seq !== expectedSeq || hashAuditRecord(record) !== record.hash) return false;
    if (previousHash === undefined ? (from ? record.hash !== from.hash : record.prevHash !== GENESIS_HASH) : record.prevHash !== previousHash) return false;
    previousHash = record.hash;
    expectedSeq += 1;
  }
  return previousHash === head.hash && expectedSeq === head.seq + 1;
}
