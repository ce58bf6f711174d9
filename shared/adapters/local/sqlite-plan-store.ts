/**
 * PlanStore on a single SQLite file (Node's built-in `node:sqlite`), for the embedded mode.
 *
 * Why it is shaped like this:
 * - Every change that decides something (plan compare-and-set, audit append, lease moves) runs
 *   in `BEGIN IMMEDIATE`, which takes the write lock before the first read. Two processes on
 *   the same file therefore serialise on the lock instead of both reading the old state, and
 *   a waiting writer is held by the busy timeout rather than failing at once.
 * - WAL mode lets readers (the HTTP layer listing plans) carry on while the executor writes.
 * - Operations, actions and journal entries are rows keyed by (plan, index), so a 100,000
 *   operation plan is read in pages with an index range scan, never loaded whole.
 * - A lease row outlives its release: it keeps the case's fencing counter, so a token is
 *   never handed out twice even after release and re-acquisition.
 * - `node:sqlite` is synchronous. Each method does all its SQL without awaiting in between,
 *   so transactions on one connection can never interleave with each other.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Action } from '../../domain/actions.ts';
import type { AuditEventInput, AuditRecord } from '../../domain/audit.ts';
import type { AuditHeadSignature, AuditHeadSigner } from '../../ports/audit-head-signer.ts';
import type { DryRunReport, Operation, PlanRecord, PlanStatus } from '../../domain/plan.ts';
import { type BailiffError, conflict, internal, isBailiffError, notFound, unavailable } from '../../errors.ts';
import type { AuditChainHead, ExecutionProgress, JournalEntry, Lease, LeaseAcquisition, PlanPage, PlanQuery, PlanStore } from '../../ports/plan-store.ts';
import {
  checkLimit,
  collectPlanPage,
  decideLease,
  decideRenewal,
  isStillHeld,
  nextRecord,
  sealAuditBatch,
  signAppendedHeads,
  staleRevision,
  withProgress,
  type LeaseRequest,
} from '../plan-store-rules.ts';

export interface SqlitePlanStoreOptions {
  /** How long a writer waits for another connection's write lock before giving up with `unavailable`. */
  busyTimeoutMs?: number;
  /** Signs each chain's head after every append; without it, heads are not signed. */
  auditHeadSigner?: AuditHeadSigner;
}

const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plans (
  id TEXT PRIMARY KEY,
  case_name TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revision INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plans_newest ON plans (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS plans_case_newest ON plans (case_name, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS plans_status_newest ON plans (status, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS plan_operations (
  plan_id TEXT NOT NULL REFERENCES plans (id),
  idx INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (plan_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS plan_actions (
  plan_id TEXT NOT NULL REFERENCES plans (id),
  idx INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (plan_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal_entries (
  plan_id TEXT NOT NULL REFERENCES plans (id),
  seq INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_heads (
  chain TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT
);
CREATE TABLE IF NOT EXISTS audit_records (
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL,
  plan_id TEXT,
  json TEXT NOT NULL,
  PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_records_plan ON audit_records (plan_id);
CREATE TABLE IF NOT EXISTS leases (
  case_name TEXT PRIMARY KEY,
  token INTEGER NOT NULL,
  plan_id TEXT,
  owner TEXT,
  expires_at TEXT,
  expires_ms INTEGER
);
`;

// SQLite primary result codes (the low byte of the extended code node:sqlite reports).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_CONSTRAINT = 19;

interface PlanRow {
  revision: number;
  status: string;
  record: string;
}

interface HeadRow {
  chain: string;
  seq: number;
  hash: string;
  signature: string | null;
}

function headOf(row: HeadRow): AuditChainHead {
  return { chain: row.chain, seq: row.seq, hash: row.hash, ...(row.signature ? { signature: JSON.parse(row.signature) as AuditHeadSignature } : {}) };
}

interface LeaseRow {
  case_name: string;
  token: number;
  plan_id: string | null;
  owner: string | null;
  expires_at: string | null;
  expires_ms: number | null;
}

/**
 * PlanStore backed by one SQLite file (or `':memory:'`). State survives closing and reopening
 * the file. Safe to share one file between processes; each instance holds one connection.
 *
 * Throws BailiffErrors only: `not_found`, `conflict` (stale revision, existing id, lost lease,
 * constraint violation), `invalid_input` (bad paging arguments or page token), `unavailable`
 * (lock wait exhausted, disk full, I/O error).
 */
export class SqlitePlanStore implements PlanStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly auditHeadSigner: AuditHeadSigner | undefined;
  /** A local write costs microseconds: progress shows as good as at once. */
  readonly progressIntervalMs = 100;

  /**
   * Opens (creating if needed) the database at `path`. Throws `unavailable` if the file
   * cannot be opened.
   */
  constructor(path: string, options: SqlitePlanStoreOptions = {}) {
    this.auditHeadSigner = options.auditHeadSigner;
    try {
      this.#db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5_000, enableForeignKeyConstraints: true });
      // WAL: readers do not block the writer; NORMAL sync is durable across process crashes in WAL mode.
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.#migrate();
    } catch (error) {
      throw translateSqliteError(error, `cannot open the plan store at ${path}`);
    }
  }

  /** Closes the connection; later calls throw `unavailable`. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  async createPlan(plan: PlanRecord, operations: readonly Operation[], actions: readonly Action[]): Promise<void> {
    this.#write(`create plan ${plan.id}`, () => {
      if (this.#get('SELECT 1 AS found FROM plans WHERE id = ?', plan.id)) {
        throw conflict(`plan ${plan.id} already exists`, [{ message: 'a plan with this id exists', planId: plan.id }]);
      }
      this.#insertPlanRow(plan);
      this.#insertRows('plan_operations', plan.id, operations);
      this.#insertRows('plan_actions', plan.id, actions);
    });
  }

  async getPlan(id: string): Promise<PlanRecord | undefined> {
    return this.#read(`read plan ${id}`, () => {
      const row = this.#get('SELECT record FROM plans WHERE id = ?', id) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as PlanRecord) : undefined;
    });
  }

  async listPlans(query: PlanQuery): Promise<PlanPage> {
    const page = await collectPlanPage(query, async (after, limit) =>
      this.#read('list plans', () => {
        const where: string[] = [];
        const params: SQLInputValue[] = [];
        if (query.case !== undefined) {
          where.push('case_name = ?');
          params.push(query.case);
        }
        if (query.status !== undefined) {
          where.push('status = ?');
          params.push(query.status);
        }
        if (after) {
          where.push('(created_at < ? OR (created_at = ? AND id < ?))');
          params.push(after.createdAt, after.createdAt, after.id);
        }
        const sql = `SELECT id, created_at AS createdAt, case_name AS "case", record FROM plans ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY created_at DESC, id DESC LIMIT ?`;
        return this.#all(sql, ...params, limit) as Array<{ id: string; createdAt: string; case: string; record: string }>;
      }),
    );
    return { plans: page.rows.map((row) => JSON.parse(row.record) as PlanRecord), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  }

  async countPlansByAuthor(author: string, statuses: readonly PlanStatus[]): Promise<number> {
    if (statuses.length === 0) return 0;
    return this.#read('count plans', () => {
      // The status index narrows it to the open plans; the author is read from each record.
      const sql = `SELECT COUNT(*) AS n FROM plans WHERE status IN (${statuses.map(() => '?').join(', ')}) AND json_extract(record, '$.author') = ?`;
      return (this.#get(sql, ...statuses, author) as { n: number }).n;
    });
  }

  async updatePlan(id: string, expectedRevision: number, patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>): Promise<PlanRecord> {
    return this.#write(`update plan ${id}`, () => {
      const current = this.#currentPlan(id, expectedRevision);
      const next = nextRecord(current, expectedRevision, patch);
      this.#updatePlanRow(next);
      return next;
    });
  }

  async writeProgress(id: string, progress: ExecutionProgress): Promise<void> {
    this.#write(`show the progress of plan ${id}`, () => {
      const row = this.#get('SELECT record FROM plans WHERE id = ?', id) as { record: string } | undefined;
      if (!row) throw notFound(`plan ${id} does not exist`);
      const current = JSON.parse(row.record) as PlanRecord;
      const shown = withProgress(current, progress);
      // Written into the record as it is, revision kept: a compare-and-set is not disturbed by it.
      if (shown !== current) this.#run('UPDATE plans SET record = ? WHERE id = ?', JSON.stringify(shown), id);
    });
  }

  async replaceDryRun(
    id: string,
    expectedRevision: number,
    report: DryRunReport,
    actions: readonly Action[],
    patch: Partial<PlanRecord>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = this.#write(`replace dry run of plan ${id}`, () => {
      const current = this.#currentPlan(id, expectedRevision);
      const plan = nextRecord(current, expectedRevision, { ...patch, report });
      this.#updatePlanRow(plan);
      this.#run('DELETE FROM plan_actions WHERE plan_id = ?', id);
      this.#insertRows('plan_actions', id, actions);
      return { plan, records: this.#insertAudit(events) };
    });
    await this.#signHeads(result.records);
    return result;
  }

  async readOperations(id: string, offset: number, limit: number): Promise<Operation[]> {
    return this.#readRows('plan_operations', id, offset, limit) as Operation[];
  }

  async readActions(id: string, offset: number, limit: number): Promise<Action[]> {
    return this.#readRows('plan_actions', id, offset, limit) as Action[];
  }

  async appendJournal(id: string, entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#write(`append to the journal of plan ${id}`, () => {
      if (!this.#get('SELECT 1 AS found FROM plans WHERE id = ?', id)) throw notFound(`plan ${id} does not exist`);
      const { next } = this.#get('SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM journal_entries WHERE plan_id = ?', id) as { next: number };
      const insert = this.#statement('INSERT INTO journal_entries (plan_id, seq, json) VALUES (?, ?, ?)');
      for (const [i, entry] of entries.entries()) insert.run(id, next + i, JSON.stringify(entry));
    });
  }

  async readJournal(id: string, offset: number, limit: number): Promise<JournalEntry[]> {
    checkLimit(offset, 'offset', 0);
    checkLimit(limit, 'limit', 0);
    return this.#read(`read the journal of plan ${id}`, () =>
      (this.#all('SELECT json FROM journal_entries WHERE plan_id = ? ORDER BY seq LIMIT ? OFFSET ?', id, limit, offset) as Array<{ json: string }>).map(
        (row) => JSON.parse(row.json) as JournalEntry,
      ),
    );
  }

  async transition(
    id: string,
    expectedRevision: number,
    patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = this.#write(`update plan ${id}`, () => {
      const current = this.#currentPlan(id, expectedRevision);
      const plan = nextRecord(current, expectedRevision, patch);
      this.#updatePlanRow(plan);
      // The status change and the audit record attesting it: one SQLite transaction.
      return { plan, records: this.#insertAudit(events) };
    });
    await this.#signHeads(result.records);
    return result;
  }

  async appendAudit(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    const records = this.#write('append audit records', () => this.#insertAudit(events));
    await this.#signHeads(records);
    return records;
  }

  /** Seals `events` onto their chains and inserts them; runs inside a `#write` transaction. */
  #insertAudit(events: readonly AuditEventInput[]): AuditRecord[] {
    if (events.length === 0) return [];
    const heads = new Map<string, { seq: number; hash: string } | undefined>();
    for (const chain of new Set(events.map((event) => event.chain))) {
      heads.set(chain, this.#get('SELECT seq, hash FROM audit_heads WHERE chain = ?', chain) as { seq: number; hash: string } | undefined);
    }
    const sealed = sealAuditBatch(events, heads);
    const insert = this.#statement('INSERT INTO audit_records (chain, seq, plan_id, json) VALUES (?, ?, ?, ?)');
    for (const record of sealed.records) insert.run(record.chain, record.seq, record.planId ?? null, JSON.stringify(record));
    const upsert = this.#statement(
      'INSERT INTO audit_heads (chain, seq, hash) VALUES (?, ?, ?) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
    );
    for (const [chain, head] of sealed.heads) upsert.run(chain, head.seq, head.hash);
    return sealed.records;
  }

  /** Signs each touched chain's new head (see `signAppendedHeads`); the records are stored either way. */
  async #signHeads(records: readonly AuditRecord[]): Promise<void> {
    await signAppendedHeads(this.auditHeadSigner, records, {
      head: async (chain) =>
        this.#read(`read the head of audit chain ${chain}`, () => {
          const row = this.#get('SELECT seq, hash, signature FROM audit_heads WHERE chain = ?', chain) as HeadRow | undefined;
          return row ? headOf(row) : undefined;
        }),
      readAuditChain: (chain, afterSeq, limit) => this.readAuditChain(chain, afterSeq, limit),
      storeSignature: async (chain, signature, previous) =>
        this.#write(`sign the head of audit chain ${chain}`, () => {
          const result = this.#statement('UPDATE audit_heads SET signature = ? WHERE chain = ? AND seq = ? AND hash = ? AND signature IS ?').run(
            JSON.stringify(signature),
            chain,
            signature.seq,
            signature.hash,
            previous ? JSON.stringify(previous) : null,
          );
          return Number(result.changes) === 1;
        }),
    });
  }

  async readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    checkLimit(afterSeq, 'afterSeq', 0);
    checkLimit(limit, 'limit', 0);
    return this.#read(`read audit chain ${chain}`, () =>
      (this.#all('SELECT json FROM audit_records WHERE chain = ? AND seq > ? ORDER BY seq LIMIT ?', chain, afterSeq, limit) as Array<{ json: string }>).map(
        (row) => JSON.parse(row.json) as AuditRecord,
      ),
    );
  }

  async readPlanAudit(planId: string): Promise<AuditRecord[]> {
    return this.#read(`read the audit records of plan ${planId}`, () =>
      (this.#all('SELECT json FROM audit_records WHERE plan_id = ? ORDER BY chain, seq', planId) as Array<{ json: string }>).map(
        (row) => JSON.parse(row.json) as AuditRecord,
      ),
    );
  }

  async listAuditChains(): Promise<AuditChainHead[]> {
    return this.#read('list audit chains', () => (this.#all('SELECT chain, seq, hash, signature FROM audit_heads ORDER BY chain') as HeadRow[]).map(headOf));
  }

  async readAuditHead(chain: string): Promise<AuditChainHead | undefined> {
    return this.#read(`read the head of audit chain ${chain}`, () => {
      const row = this.#get('SELECT chain, seq, hash, signature FROM audit_heads WHERE chain = ?', chain) as HeadRow | undefined;
      return row ? headOf(row) : undefined;
    });
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAcquisition> {
    checkLimit(request.ttlMs, 'ttlMs', 1);
    return this.#write(`acquire the lease on case ${request.case}`, () => {
      const row = this.#leaseRow(request.case);
      const decision = decideLease(request, { held: row ? leaseOf(row) : undefined, lastToken: row?.token ?? 0 });
      if (!decision.acquired) return decision;
      const { lease } = decision;
      this.#run(
        `INSERT INTO leases (case_name, token, plan_id, owner, expires_at, expires_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (case_name) DO UPDATE SET token = excluded.token, plan_id = excluded.plan_id, owner = excluded.owner,
           expires_at = excluded.expires_at, expires_ms = excluded.expires_ms`,
        lease.case,
        lease.token,
        lease.planId,
        lease.owner,
        lease.expiresAt,
        Date.parse(lease.expiresAt),
      );
      return decision;
    });
  }

  async renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease> {
    checkLimit(ttlMs, 'ttlMs', 1);
    return this.#write(`renew the lease on case ${lease.case}`, () => {
      const row = this.#leaseRow(lease.case);
      const renewed = decideRenewal(lease, row ? leaseOf(row) : undefined, ttlMs, now);
      this.#run('UPDATE leases SET expires_at = ?, expires_ms = ? WHERE case_name = ?', renewed.expiresAt, Date.parse(renewed.expiresAt), lease.case);
      return renewed;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    this.#write(`release the lease on case ${lease.case}`, () => {
      const row = this.#leaseRow(lease.case);
      if (!isStillHeld(lease, row ? leaseOf(row) : undefined)) return;
      this.#run('UPDATE leases SET plan_id = NULL, owner = NULL, expires_at = NULL, expires_ms = NULL WHERE case_name = ?', lease.case);
    });
  }

  /** Every lease currently held. Only the embedded start-up needs it: a new owner of the state directory knows them all dead. */
  async heldLeases(): Promise<Lease[]> {
    return this.#read('list held leases', () =>
      (this.#all('SELECT * FROM leases WHERE owner IS NOT NULL ORDER BY case_name') as unknown as LeaseRow[]).map((row) => leaseOf(row)!),
    );
  }

  async getLease(caseName: string): Promise<Lease | undefined> {
    return this.#read(`read the lease on case ${caseName}`, () => {
      const row = this.#leaseRow(caseName);
      return row ? leaseOf(row) : undefined;
    });
  }

  async forceReleaseLease(caseName: string): Promise<Lease | undefined> {
    return this.#write(`force-release the lease on case ${caseName}`, () => {
      const row = this.#leaseRow(caseName);
      const held = row ? leaseOf(row) : undefined;
      if (held) this.#run('UPDATE leases SET plan_id = NULL, owner = NULL, expires_at = NULL, expires_ms = NULL WHERE case_name = ?', caseName);
      return held;
    });
  }

  async health(): Promise<void> {
    this.#read('check the plan store', () => this.#get('SELECT 1 AS ok'));
  }

  #migrate(): void {
    const { user_version: version } = this.#db.prepare('PRAGMA user_version').get() as { user_version: number };
    if (version > SCHEMA_VERSION) {
      throw unavailable(`the plan store was written by a newer Bailiff (schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }
    if (version === SCHEMA_VERSION) return;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      // Version 1 had no head signatures.
      if (version === 1) this.#db.exec('ALTER TABLE audit_heads ADD COLUMN signature TEXT');
      else this.#db.exec(SCHEMA);
      this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(sql: string, ...params: SQLInputValue[]): unknown {
    return this.#statement(sql).get(...params);
  }

  #all(sql: string, ...params: SQLInputValue[]): unknown[] {
    return this.#statement(sql).all(...params);
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#statement(sql).run(...params);
  }

  #read<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw translateSqliteError(error, `cannot ${what}`);
    }
  }

  /** Runs `body` in one write transaction; any throw rolls everything back. */
  #write<T>(what: string, body: () => T): T {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw translateSqliteError(error, `cannot ${what}`);
    }
    try {
      const result = body();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw translateSqliteError(error, `cannot ${what}`);
    }
  }

  #currentPlan(id: string, expectedRevision: number): PlanRecord {
    const row = this.#get('SELECT revision, status, record FROM plans WHERE id = ?', id) as PlanRow | undefined;
    if (!row) throw notFound(`plan ${id} does not exist`);
    if (row.revision !== expectedRevision) throw staleRevision(id, expectedRevision, row.revision, row.status);
    return JSON.parse(row.record) as PlanRecord;
  }

  #insertPlanRow(plan: PlanRecord): void {
    this.#run(
      'INSERT INTO plans (id, case_name, status, created_at, revision, record) VALUES (?, ?, ?, ?, ?, ?)',
      plan.id,
      plan.case,
      plan.status,
      plan.createdAt,
      plan.revision,
      JSON.stringify(plan),
    );
  }

  #updatePlanRow(plan: PlanRecord): void {
    this.#run(
      'UPDATE plans SET case_name = ?, status = ?, created_at = ?, revision = ?, record = ? WHERE id = ?',
      plan.case,
      plan.status,
      plan.createdAt,
      plan.revision,
      JSON.stringify(plan),
      plan.id,
    );
  }

  #insertRows(table: 'plan_operations' | 'plan_actions', planId: string, items: readonly unknown[]): void {
    const insert = this.#statement(`INSERT INTO ${table} (plan_id, idx, json) VALUES (?, ?, ?)`);
    for (const [idx, item] of items.entries()) insert.run(planId, idx, JSON.stringify(item));
  }

  #readRows(table: 'plan_operations' | 'plan_actions', planId: string, offset: number, limit: number): unknown[] {
    checkLimit(offset, 'offset', 0);
    checkLimit(limit, 'limit', 0);
    return this.#read(`read ${table === 'plan_operations' ? 'operations' : 'actions'} of plan ${planId}`, () =>
      (this.#all(`SELECT json FROM ${table} WHERE plan_id = ? AND idx >= ? ORDER BY idx LIMIT ?`, planId, offset, limit) as Array<{ json: string }>).map(
        (row) => JSON.parse(row.json) as unknown,
      ),
    );
  }

  #leaseRow(caseName: string): LeaseRow | undefined {
    return this.#get('SELECT case_name, token, plan_id, owner, expires_at, expires_ms FROM leases WHERE case_name = ?', caseName) as LeaseRow | undefined;
  }
}

function leaseOf(row: LeaseRow): Lease | undefined {
  if (row.owner === null || row.plan_id === null || row.expires_at === null) return undefined;
  return { case: row.case_name, planId: row.plan_id, owner: row.owner, token: row.token, expiresAt: row.expires_at };
}

function translateSqliteError(error: unknown, message: string): BailiffError {
  if (isBailiffError(error)) return error;
  const sqlite = error as { code?: unknown; errcode?: unknown; errstr?: unknown };
  if (sqlite?.code === 'ERR_SQLITE_ERROR' && typeof sqlite.errcode === 'number') {
    const primary = sqlite.errcode & 0xff;
    if (primary === SQLITE_CONSTRAINT) return conflict(`${message}: ${String(sqlite.errstr)}`, [], error);
    if ([SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN].includes(primary)) {
      return unavailable(`${message}: ${String(sqlite.errstr)}`, [], error);
    }
  }
  if ((error as { code?: unknown })?.code === 'ERR_INVALID_STATE') return unavailable(`${message}: the plan store is closed`, [], error);
  return internal(message, [], error);
}
