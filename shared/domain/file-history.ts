/**
 * A document's chain of custody: every change Bailiff made to it, drawn from what the executor
 * journaled and audited. Two pure parts:
 * - `changesOfPlan` turns one finished plan (its actions, journal and audit records) into
 *   index rows, one per case path a done action touched (a move gives one row under its source
 *   and one under its destination);
 * - `traceDocument` follows one document through those rows across moves, backwards to where
 *   it was created and forwards to where it went, given a reader of the rows of one path.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Action } from './actions.ts';
import type { AuditRecord } from './audit.ts';
import type { JournalEntry } from './journal.ts';
import { casePathOf } from './paths.ts';
import type { Operation, PlanRecord } from './plan.ts';

/** What happened to the document in one action. */
export const FILE_CHANGE_KINDS = ['created', 'overwritten', 'copied_in', 'copied_out', 'moved', 'deleted', 'restored'] as const;

export const fileChangeSchema = z.object({
  planId: z.string(),
  planKind: z.enum(['change', 'rollback']),
  /** For a rollback: the plan it undid. */
  rollbackOf: z.string().optional(),
  description: z.string(),
  change: z.enum(FILE_CHANGE_KINDS),
  /** The plan operation and the action (one object's step) it came from. */
  operation: z.string(),
  action: z.number().int(),
  /** Case paths: where the document was before and after the action (absent when it did not exist there). */
  pathBefore: z.string().optional(),
  pathAfter: z.string().optional(),
  /** The object generation the action produced (or, for a delete, the one it removed). */
  generation: z.string().optional(),
  md5: z.string().optional(),
  crc32c: z.string().optional(),
  size: z.number().int(),
  proposer: z.string(),
  approvers: z.array(z.object({ principal: z.string(), at: z.string(), comment: z.string().optional() })),
  /** When the executor journaled the action. */
  ranAt: z.string(),
  /** Undone by the plan's own compensation after a failure. */
  compensated: z.boolean().optional(),
  /** The audit record that attests the action: check it with `GET /audit/verify`. */
  audit: z.object({ seq: z.number().int(), hash: z.string(), type: z.string() }),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

/** One index row: a change filed under one case path, ordered within the case by `order`. */
export interface FileHistoryRow {
  path: string;
  /** Sorts rows of a case by when they happened: the plan's closing audit seq, then the action. */
  order: string;
  change: FileChange;
}

export function historyOrder(closingSeq: number, action: number): string {
  return `${String(closingSeq).padStart(12, '0')}.${String(action).padStart(9, '0')}`;
}

/** The audit records that close a plan's execution: the index is built when one is appended. */
export const CLOSING_EVENTS: ReadonlySet<string> = new Set(['plan.succeeded', 'plan.failed']);

function md5Of(operation: Operation | undefined): string | undefined {
  if (operation?.type !== 'write_file' || operation.content === undefined) return undefined;
  return createHash('md5')
    .update(Buffer.from(operation.content, operation.encoding === 'base64' ? 'base64' : 'utf8'))
    .digest('hex');
}

/**
 * The rows of one finished plan. `closing` is the record that ended its execution; `planAudit`
 * its other records, whose `execution.actions` ranges say which record attests which action.
 */
export function changesOfPlan(input: {
  plan: PlanRecord;
  actions: readonly Action[];
  journal: readonly JournalEntry[];
  operations: ReadonlyMap<number, Operation>;
  planAudit: readonly AuditRecord[];
  closing: AuditRecord;
}): FileHistoryRow[] {
  const { plan, closing } = input;
  const latest = new Map<number, JournalEntry>();
  const done = new Map<number, JournalEntry>();
  for (const entry of input.journal) {
    latest.set(entry.action, entry);
    if (entry.outcome === 'done') done.set(entry.action, entry);
  }
  const batches = input.planAudit.filter((record) => record.type === 'execution.actions');
  const attestedBy = (index: number): AuditRecord => {
    for (let i = batches.length - 1; i >= 0; i -= 1) {
      const { from, to } = batches[i]!.data as { from?: number; to?: number };
      if (typeof from === 'number' && typeof to === 'number' && from <= index && index <= to) return batches[i]!;
    }
    return closing;
  };
  const inCase = (name: string) => casePathOf(plan.case, name);
  const rows: FileHistoryRow[] = [];
  for (const action of input.actions) {
    const entry = done.get(action.index);
    if (!entry) continue;
    const operation = input.operations.get(action.operation);
    const record = attestedBy(action.index);
    const base: ChangeBase = {
      planId: plan.id,
      planKind: plan.kind === 'rollback' ? ('rollback' as const) : ('change' as const),
      ...(plan.rollbackOf ? { rollbackOf: plan.rollbackOf } : {}),
      description: plan.description,
      operation: operation?.type ?? 'unknown',
      action: action.index,
      size: action.size,
      proposer: plan.author,
      approvers: plan.approval?.approvers ?? [],
      ranAt: entry.at,
      ...(latest.get(action.index)?.outcome === 'compensated' ? { compensated: true } : {}),
      audit: { seq: record.seq, hash: record.hash, type: record.type },
    };
    const order = historyOrder(closing.seq, action.index);
    for (const { path, change } of actionChanges(action, entry, operation, inCase)) {
      // Folder markers are not documents.
      if (path !== undefined && !path.endsWith('/')) rows.push({ path, order, change: { ...base, ...change } });
    }
  }
  return rows;
}

/** What every row of one action shares: the plan, the action and its attestation. */
type ChangeBase = Omit<FileChange, 'change' | 'pathBefore' | 'pathAfter' | 'generation' | 'md5' | 'crc32c'>;

/** What one done action did to a document at one case path (undefined: outside the case). */
interface ActionChange {
  path: string | undefined;
  change: Omit<FileChange, keyof ChangeBase>;
}

/** The documents one done action touched, by the action's kind: a move and a copy touch two. */
function actionChanges(action: Action, entry: JournalEntry, operation: Operation | undefined, inCase: (name: string) => string | undefined): ActionChange[] {
  switch (action.kind) {
    case 'put': {
      const path = inCase(action.destination);
      const md5 = md5Of(operation);
      return [
        {
          path,
          change: {
            change: action.expect.state === 'absent' ? 'created' : 'overwritten',
            pathAfter: path,
            ...(entry.generation ? { generation: entry.generation } : {}),
            ...(md5 ? { md5 } : {}),
          },
        },
      ];
    }
    case 'copy':
    case 'move': {
      const from = inCase(action.source);
      const to = inCase(action.destination);
      const facts = action.sourceFacts ?? {};
      const shared = {
        ...(from !== undefined ? { pathBefore: from } : {}),
        pathAfter: to,
        ...(entry.generation ? { generation: entry.generation } : {}),
        ...(facts.md5 ? { md5: facts.md5 } : {}),
        ...(facts.crc32c ? { crc32c: facts.crc32c } : {}),
      };
      if (action.kind === 'move') {
        return [
          { path: from, change: { change: 'moved', ...shared } },
          { path: to, change: { change: 'moved', ...shared } },
        ];
      }
      if (from === undefined) {
        // From outside the case: a backup put back by a rollback, or an uploaded blob.
        return [
          {
            path: to,
            change: { change: operation?.type === 'restore' ? 'restored' : action.expect.state === 'absent' ? 'created' : 'overwritten', ...shared },
          },
        ];
      }
      return [
        { path: from, change: { change: 'copied_out', ...shared } },
        { path: to, change: { change: 'copied_in', ...shared } },
      ];
    }
    case 'delete': {
      const path = inCase(action.target);
      const facts = action.replacedFacts ?? {};
      return [
        {
          path,
          change: {
            change: 'deleted',
            pathBefore: path,
            ...(action.expect.state === 'generation' ? { generation: action.expect.generation } : {}),
            ...(facts.md5 ? { md5: facts.md5 } : {}),
            ...(facts.crc32c ? { crc32c: facts.crc32c } : {}),
          },
        },
      ];
    }
  }
}

/**
 * Reads at most `limit` rows of one path: newest first, below `before` when given; or, with
 * `after`, oldest first from just after it.
 */
export type PathRowsReader = (path: string, page: { before?: string; after?: string; limit: number }) => Promise<FileHistoryRow[]>;

export interface TraceLimits {
  /** Most changes gathered for one document. */
  maxChanges: number;
  /** Most paths followed (moves) in either direction. */
  maxPaths: number;
}

/**
 * Every change of the document at `path`, newest first. Backwards: the rows at a path until
 * the document arrived there (created, copied in, or moved in — then on at the move's source).
 * Forwards, when the newest row moved it away: on at the destination after the move.
 */
export async function traceDocument(path: string, read: PathRowsReader, limits: TraceLimits): Promise<{ changes: Array<FileHistoryRow>; truncated: boolean }> {
  const found = new Map<string, FileHistoryRow>();
  let paths = 0;
  let truncated = false;
  const keep = (row: FileHistoryRow) => {
    if (found.size >= limits.maxChanges) truncated = true;
    else found.set(`${row.change.planId}/${row.change.action}`, row);
  };
  const rowsAt = async (at: string, window: { before?: string; after?: string }): Promise<FileHistoryRow[]> => {
    paths += 1;
    if (paths > limits.maxPaths) {
      truncated = true;
      return [];
    }
    return read(at, { ...window, limit: limits.maxChanges + 1 });
  };

  // Backwards from `at`, for the document that was there just before `before`.
  const backwards = async (at: string, before: string | undefined, first: boolean): Promise<void> => {
    const rows = await rowsAt(at, before === undefined ? {} : { before });
    for (const [i, row] of rows.entries()) {
      const { change } = row;
      const leftHere = change.pathBefore === at && change.pathAfter !== at;
      if (leftHere && change.change === 'moved') {
        // Moved away: the newest row of the path asked about, followed forwards; further down,
        // another document's departure, which ends this one's tenure here.
        if (!(first && i === 0)) return;
        keep(row);
        await forwards(change.pathAfter!, row.order);
        continue;
      }
      if (change.change === 'deleted') {
        if (!(first && i === 0)) return;
        keep(row);
        continue;
      }
      keep(row);
      if (change.change === 'created' || change.change === 'copied_in') return;
      if (change.change === 'moved' && change.pathAfter === at && change.pathBefore !== undefined) {
        await backwards(change.pathBefore, row.order, false);
        return;
      }
    }
  };

  // Forwards from `at`, for the document that arrived there at `after`.
  const forwards = async (at: string, after: string): Promise<void> => {
    const rows = await rowsAt(at, { after });
    for (const row of rows) {
      const { change } = row;
      keep(row);
      if (change.change === 'moved' && change.pathBefore === at) {
        await forwards(change.pathAfter!, row.order);
        return;
      }
      if (change.change === 'deleted' || ((change.change === 'moved' || change.change === 'copied_in') && change.pathAfter === at)) return;
    }
  };

  await backwards(path, undefined, true);
  const changes = [...found.values()].sort((a, b) => (a.order < b.order ? 1 : a.order > b.order ? -1 : 0));
  return { changes, truncated };
}

/** One change in words, for the CLI and the MCP tool: "moved a.pdf → b/a.pdf". */
export function describeChange(change: FileChange): string {
  const before = change.pathBefore ?? '';
  const after = change.pathAfter ?? '';
  switch (change.change) {
    case 'created':
      return `created ${after}`;
    case 'overwritten':
      return `overwrote ${after}`;
    case 'restored':
      return `restored ${after} from its backup`;
    case 'moved':
      return `moved ${before} → ${after}`;
    case 'copied_in':
      return `copied ${before} → ${after} (created here)`;
    case 'copied_out':
      return `copied ${before} → ${after}`;
    case 'deleted':
      return `deleted ${before}`;
  }
}

/** Who approved, with their comments, in words. */
export function describeApprovers(change: FileChange): string {
  if (change.approvers.length === 0) return 'no approver recorded';
  return change.approvers.map((approver) => (approver.comment ? `${approver.principal} ("${approver.comment}")` : approver.principal)).join(', ');
}
