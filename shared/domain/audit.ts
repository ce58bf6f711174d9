/**
 * The audit chain: append-only records, each holding the hash of the one before it in the
 * same chain (one chain per case, so cases do not contend for one hot record). Editing,
 * deleting or reordering any record breaks every hash after it, which `verifyAuditChain` finds.
 */
import { z } from 'zod';
import { hashOf } from './hash.ts';

/** Event names, reused verbatim in logs and audit records. */
export const AUDIT_EVENTS = [
  'plan.proposed',
  'plan.validated',
  'plan.approved',
  'plan.approval_withdrawn',
  'plan.rejected',
  'plan.expired',
  'plan.queued',
  /** The current policy forbids an approved plan: it is not queued, or not started. */
  'plan.policy_refused',
  'plan.running',
  'plan.resumed',
  /** The sweep found the plan with no live execution and no progress for a lease's lifetime, and queued it again. */
  'plan.requeued',
  'plan.succeeded',
  'plan.failed',
  'plan.rolled_back',
  'plan.compensated',
  'execution.actions',
  'execution.stale',
  'lease.acquired',
  'lease.released',
  'lease.expired',
  'lease.taken_over',
  'lease.force_released',
  /** An administrator placed or released a legal hold on a file (and its backups). */
  'hold.placed',
  'hold.released',
  /** An ethical wall refused a principal something in the case (services/authorization.ts). */
  'access.walled',
] as const;
export type AuditEventType = (typeof AUDIT_EVENTS)[number];

export const GENESIS_HASH = 'sha256:genesis';

export const auditRecordSchema = z.object({
  /** The chain this record belongs to: the case name. */
  chain: z.string(),
  /** 1-based position in the chain. */
  seq: z.number().int().min(1),
  type: z.enum(AUDIT_EVENTS),
  planId: z.string().optional(),
  actor: z.string(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type AuditEventInput = Omit<AuditRecord, 'seq' | 'prevHash' | 'hash'>;

export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { chain, seq, type, planId, actor, at, data, prevHash } = record;
  return hashOf({ chain, seq, type, planId, actor, at, data, prevHash });
}

/** Links a new event to the head of its chain. Stores call this inside their append transaction. */
export function sealAuditRecord(event: AuditEventInput, head: Pick<AuditRecord, 'seq' | 'hash'> | undefined): AuditRecord {
  const unsealed = { ...event, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...unsealed, hash: hashAuditRecord(unsealed) };
}

export interface ChainBreak {
  chain: string;
  seq: number;
  reason: string;
}

/** Recomputes one chain (records in stored order) and reports the first broken link, if any. */
export function verifyAuditChain(records: readonly AuditRecord[]): ChainBreak | undefined {
  let previous: AuditRecord | undefined;
  for (const record of records) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (record.seq !== expectedSeq) {
      return { chain: record.chain, seq: record.seq, reason: `expected record ${expectedSeq}, found ${record.seq} (missing or reordered)` };
    }
    if (record.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
      return { chain: record.chain, seq: record.seq, reason: 'does not link to the record before it' };
    }
    if (hashAuditRecord(record) !== record.hash) {
      return { chain: record.chain, seq: record.seq, reason: 'content does not match its hash (edited)' };
    }
    previous = record;
  }
  return undefined;
}
