/**
 * PlanStore on Firestore (native mode), for the deployed functions.
 *
 * Data model. `<p>` is the collection prefix (`bailiff` by default). Document ids made from
 * names (plan id, case, chain) are `k_<name>` with `%` and `/` escaped, so every name is a
 * legal id (never `.`, `..`, `__x__` or a path). `{gen}` is a random 16-hex-digit generation.
 *
 *   <p>_plans/{plan}                   case, status, createdAt, revision (queryable fields);
 *                                      core: the PlanRecord without its report, as JSON;
 *                                      report: the report as JSON if at most 256 KiB, else null
 *                                      reportChunks: { generation, parts } when it is not inline;
 *                                      operations, actions: { generation, count }
 *                                      progress: how far the running attempt has got, as JSON
 *                                      (written alone, at most once a second; any
 *                                      compare-and-set drops it, carrying its own counts)
 *     /operations_{gen}/{first}.{part}  chunk documents (below); written once at creation
 *     /actions_{gen}/{first}.{part}     chunk documents; a fresh dry run writes a new generation
 *     /report_{gen}/000000000.{part}    the report's JSON split into parts, when large
 *     /journal/{first}.{part}           chunk documents, one or more per appendJournal call; the
 *                                      last chunk's `end` is the journal's length (plans stored
 *                                      before this kept it in /meta/journal too, now unused)
 *   <p>_audit_chains/{chain}           the chain head { chain, seq, hash }: one per case
 *     /<p>_audit_records/{seq}         { chain, seq, planId, record (the sealed record as JSON) }
 *   <p>_leases/{case}                  { case, token, planId, owner, expiresAt }; kept when the
 *                                      lease is released (holder fields null), so the fencing
 *                                      token of a case never goes back
 *
 * A chunk document is { first, count, end = first + count, part, parts, data } where data is
 * UTF-8 JSON (an array of `count` items numbered from `first`) as a bytes field. Readers find
 * the chunk holding an offset with `where('end', '>', offset).orderBy('end')`, which the
 * automatic single-field index serves.
 *
 * How it respects Firestore's limits:
 * - 1 MiB per document: a chunk carries at most 768 KiB of data plus five integers and a name
 *   under 300 bytes. Items are packed into a chunk until the next would overflow it; an item
 *   larger than a chunk (a write_file of up to 8 MiB is about 11 MiB of base64 JSON) is split
 *   byte-wise into parts 0..n-1 of the same `first`, so no value nears the 1,048,487-byte
 *   field limit. The plan document holds the record without its report (descriptions and
 *   comments are capped at 4,000 characters; refused above 512 KiB) and the report only when
 *   it is at most 256 KiB, so it stays small enough to list plans by the page.
 * - 10 MiB per commit: bulk chunk writes go in batches of at most 3 MiB and 400 writes (the
 *   emulator's gRPC server stalls on requests over 4 MiB, so the bound is lower than
 *   production needs). Transactions write only small documents: journal batches and audit
 *   appends above 3 MiB are refused with `payload_too_large`.
 * - Atomic visibility without giant transactions: operations, actions and large reports are
 *   written first, under a fresh generation that nothing references; then one small commit
 *   (the plan document's create, or a compare-and-set transaction) points the plan at them.
 *   Superseded generations are deleted afterwards. A crash or a lost race leaves only
 *   unreferenced chunks, which no reader ever sees and which cost storage only.
 * - Hot documents and key ranges: every case has its own audit head and lease document, so
 *   cases never contend; every plan has its own journal; chunk documents live under
 *   their own plan, not in one shared collection with sequential ids.
 * - Writes are what an execution pays for: appending to the journal writes its chunk
 *   documents only. Their ids are the entry offsets, so two appends racing for the same
 *   offset cannot both commit (`create` refuses the second).
 * - Consistent reads: reads that combine the plan document with its chunks run in read-only
 *   transactions (one snapshot), so a reader never mixes a report or actions of two dry runs.
 *
 * Indexes beyond the automatic single-field ones: `listPlans` with a case and/or status filter
 * needs composite indexes on <p>_plans (case ASC, createdAt DESC, __name__ DESC), (status ASC,
 * createdAt DESC, __name__ DESC) and (case ASC, status ASC, createdAt DESC, __name__ DESC);
 * `readPlanAudit` needs the collection-group scope of the single-field index on
 * <p>_audit_records.planId enabled.
 *
 * The rooms: this module (plans and journals), firestore-chunks.ts (chunk documents),
 * firestore-audit-chains.ts, firestore-leases.ts, and firestore-access.ts (transactions,
 * document ids and the translation of Firestore's errors).
 */
import { FieldPath, type CollectionReference, type DocumentReference, type DocumentSnapshot, type Firestore, type Query } from '@google-cloud/firestore';
import type { Action } from '../../domain/actions.ts';
import type { AuditEventInput, AuditRecord } from '../../domain/audit.ts';
import type { AuditHeadSigner } from '../../ports/audit-head-signer.ts';
import type { DryRunReport, Operation, PlanRecord, PlanStatus } from '../../domain/plan.ts';
import { conflict, internal, invalidInput, isBailiffError, notFound, payloadTooLarge, unavailable, type BailiffError } from '../../errors.ts';
import type { AuditChainHead, ExecutionProgress, JournalEntry, Lease, LeaseAcquisition, PlanPage, PlanQuery, PlanStore } from '../../ports/plan-store.ts';
import { checkLimit, collectPlanPage, nextRecord, staleRevision, withProgress, type LeaseRequest } from '../plan-store-rules.ts';
import { docKey, FirestoreAccess, GRPC, grpcCode, nameOfKey, newGeneration, translateFirestoreError, type Reader } from './firestore-access.ts';
import { FirestoreAuditChains } from './firestore-audit-chains.ts';
import { chunkId, chunkWrites, deleteCollection, encodeChunks, MAX_COMMIT_BYTES, readChunks, writeChunks, type ChunkDocument } from './firestore-chunks.ts';
import { FirestoreLeases } from './firestore-leases.ts';

export interface FirestorePlanStoreOptions {
  /** A client built by the composition root (project, database, credentials or emulator). */
  firestore: Firestore;
  /** Prefix of every top-level collection, so several deployments or test runs can share a database. */
  collectionPrefix?: string;
  /** Attempts per transaction under contention before giving up with `conflict`. */
  maxTransactionAttempts?: number;
  /** Signs each chain's head after every append; without it, heads are not signed. */
  auditHeadSigner?: AuditHeadSigner;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const INLINE_REPORT_BYTES = 256 * KiB;
const MAX_CORE_BYTES = 512 * KiB;
const MAX_REPORT_BYTES = 32 * MiB;

interface ChunkRef {
  generation: string;
  count: number;
}

interface PlanDocument {
  schema: 1;
  case: string;
  status: string;
  /** Who proposed it: queried by the open-plan quota (older documents lack it and are not counted). */
  author?: string;
  createdAt: string;
  revision: number;
  core: string;
  report: string | null;
  reportChunks: { generation: string; parts: number } | null;
  operations: ChunkRef;
  actions: ChunkRef;
  /** Set only by writeProgress; absent after any compare-and-set. */
  progress?: string;
}

type StoredReport = Pick<PlanDocument, 'report' | 'reportChunks'>;

/**
 * PlanStore backed by Firestore. See the module header for the data model.
 *
 * Throws BailiffErrors only: `not_found`, `conflict` (stale revision, existing id, lost lease,
 * transaction contention that outlasted every retry), `invalid_input` (bad paging arguments or
 * page token), `payload_too_large` (a record or report beyond the sizes above),
 * `rate_limited`, `unavailable` (Firestore unreachable or timing out), `internal`.
 */
export class FirestorePlanStore implements PlanStore {
  readonly #db: Firestore;
  readonly #access: FirestoreAccess;
  readonly #plans: CollectionReference;
  readonly #audit: FirestoreAuditChains;
  readonly #leases: FirestoreLeases;
  readonly auditHeadSigner: AuditHeadSigner | undefined;
  /** Each progress write is a billed document write: at most one a second per running plan. */
  readonly progressIntervalMs = 1_000;

  constructor(options: FirestorePlanStoreOptions) {
    this.auditHeadSigner = options.auditHeadSigner;
    const prefix = options.collectionPrefix ?? 'bailiff';
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(prefix)) throw invalidInput('collectionPrefix must be 1-100 letters, digits, `_` or `-`');
    this.#db = options.firestore;
    this.#access = new FirestoreAccess(this.#db, options.maxTransactionAttempts ?? 30);
    this.#plans = this.#db.collection(`${prefix}_plans`);
    this.#audit = new FirestoreAuditChains(this.#access, prefix, options.auditHeadSigner);
    this.#leases = new FirestoreLeases(this.#access, prefix);
  }

  async createPlan(plan: PlanRecord, operations: readonly Operation[], actions: readonly Action[]): Promise<void> {
    const what = `create plan ${plan.id}`;
    const ref = this.#plans.doc(docKey(plan.id));
    const written: CollectionReference[] = [];
    try {
      // Fail fast before writing chunks; the create() below is what actually decides.
      if ((await ref.get()).exists) throw planExists(plan.id);
      const operationsRef = { generation: newGeneration(), count: operations.length };
      const actionsRef = { generation: newGeneration(), count: actions.length };
      const report = encodeReport(plan.report);
      const operationsCollection = ref.collection(`operations_${operationsRef.generation}`);
      const actionsCollection = ref.collection(`actions_${actionsRef.generation}`);
      written.push(operationsCollection, actionsCollection);
      if (report.stored.reportChunks) written.push(ref.collection(`report_${report.stored.reportChunks.generation}`));
      await writeChunks(this.#db, [
        ...chunkWrites(operationsCollection, encodeChunks(0, operations)),
        ...chunkWrites(actionsCollection, encodeChunks(0, actions)),
        ...(report.stored.reportChunks ? chunkWrites(ref.collection(`report_${report.stored.reportChunks.generation}`), report.chunks) : []),
      ]);
      await ref.create(planDocument(plan, report.stored, operationsRef, actionsRef));
    } catch (error) {
      await Promise.allSettled(written.map((collection) => deleteCollection(this.#db, collection)));
      const code = grpcCode(error);
      if (code === GRPC.ALREADY_EXISTS) throw planExists(plan.id);
      throw translateFirestoreError(error, `cannot ${what}`);
    }
  }

  async getPlan(id: string): Promise<PlanRecord | undefined> {
    return this.#access.readOnly(`read plan ${id}`, async (reader) => {
      const snapshot = await reader.get(this.#plans.doc(docKey(id)));
      return snapshot.exists ? this.#assemble(reader, snapshot.ref, snapshot.data() as PlanDocument) : undefined;
    });
  }

  async listPlans(query: PlanQuery): Promise<PlanPage> {
    return this.#access.readOnly('list plans', async (reader) => {
      const page = await collectPlanPage(query, async (after, limit) => {
        let q: Query = this.#plans;
        if (query.case !== undefined) q = q.where('case', '==', query.case);
        if (query.status !== undefined) q = q.where('status', '==', query.status);
        q = q.orderBy('createdAt', 'desc').orderBy(FieldPath.documentId(), 'desc');
        if (after) q = q.startAfter(after.createdAt, docKey(after.id));
        const snapshot = await reader.query(q.limit(limit));
        return snapshot.docs.map((doc) => {
          const data = doc.data() as PlanDocument;
          return { id: nameOfKey(doc.id), createdAt: data.createdAt, case: data.case, doc };
        });
      });
      const plans = await Promise.all(page.rows.map((row) => this.#assemble(reader, row.doc.ref, row.doc.data() as PlanDocument)));
      return { plans, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    });
  }

  async countPlansByAuthor(author: string, statuses: readonly PlanStatus[]): Promise<number> {
    if (statuses.length === 0) return 0;
    try {
      const counted = await this.#plans
        .where('author', '==', author)
        .where('status', 'in', [...statuses])
        .count()
        .get();
      return counted.data().count;
    } catch (error) {
      throw translateFirestoreError(error, 'cannot count plans');
    }
  }

  async updatePlan(id: string, expectedRevision: number, patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>): Promise<PlanRecord> {
    return (await this.#compareAndSet(`update plan ${id}`, id, expectedRevision, patch, undefined, [])).plan;
  }

  async transition(
    id: string,
    expectedRevision: number,
    patch: Partial<Omit<PlanRecord, 'id' | 'revision'>>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = await this.#compareAndSet(`update plan ${id}`, id, expectedRevision, patch, undefined, events);
    await this.#audit.signHeads(result.records);
    return result;
  }

  async writeProgress(id: string, progress: ExecutionProgress): Promise<void> {
    // One blind field write, no transaction: readers apply it to the record (withProgress).
    try {
      await this.#plans.doc(docKey(id)).update({ progress: JSON.stringify(progress) });
    } catch (error) {
      if (grpcCode(error) === GRPC.NOT_FOUND) throw notFound(`plan ${id} does not exist`);
      throw translateFirestoreError(error, `cannot show the progress of plan ${id}`);
    }
  }

  async replaceDryRun(
    id: string,
    expectedRevision: number,
    report: DryRunReport,
    actions: readonly Action[],
    patch: Partial<PlanRecord>,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const result = await this.#compareAndSet(`replace the dry run of plan ${id}`, id, expectedRevision, { ...patch, report }, actions, events);
    await this.#audit.signHeads(result.records);
    return result;
  }

  async readOperations(id: string, offset: number, limit: number): Promise<Operation[]> {
    return (await this.#readPlanItems(id, 'operations', offset, limit)) as Operation[];
  }

  async readActions(id: string, offset: number, limit: number): Promise<Action[]> {
    return (await this.#readPlanItems(id, 'actions', offset, limit)) as Action[];
  }

  async appendJournal(id: string, entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ref = this.#plans.doc(docKey(id));
    const journal = ref.collection('journal');
    const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry)), 0);
    if (bytes > MAX_COMMIT_BYTES) throw payloadTooLarge(`a journal batch of ${bytes} bytes is larger than ${MAX_COMMIT_BYTES}; append it in smaller batches`);
    await this.#access.transaction(`append to the journal of plan ${id}`, async (tx) => {
      // Reads one short field by lookup, not the plan document that may carry its report. The
      // journal's end is read outside the transaction: read inside it, ten plans journaling at
      // once on the emulator waited about 3 s per append for one another's transactions (48 ms
      // outside). Nothing is lost: chunk ids are entry offsets, so create() refuses a batch that
      // raced for the same slot, and the racer gets conflict.
      const [[plan], last] = await Promise.all([tx.getAll(ref, { fieldMask: ['case'] }), journal.orderBy('end', 'desc').limit(1).get()]);
      if (!plan?.exists) throw notFound(`plan ${id} does not exist`);
      const length = last.empty ? 0 : (last.docs[0]!.data() as Pick<ChunkDocument, 'end'>).end;
      // Chunk ids are the entry offsets, so create() also refuses a batch racing for the same slot.
      for (const chunk of encodeChunks(length, entries)) tx.create(journal.doc(chunk.id), chunk.doc);
    });
  }

  async readJournal(id: string, offset: number, limit: number): Promise<JournalEntry[]> {
    checkLimit(offset, 'offset', 0);
    checkLimit(limit, 'limit', 0);
    const collection = this.#plans.doc(docKey(id)).collection('journal');
    // Journal chunks are immutable once committed, so a plain (non-transactional) read is consistent.
    return this.#access.readOnly(`read the journal of plan ${id}`, (reader) => readChunks(reader, collection, offset, limit), false) as Promise<JournalEntry[]>;
  }

  appendAudit(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    return this.#audit.appendAudit(events);
  }

  readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.#audit.readAuditChain(chain, afterSeq, limit);
  }

  readPlanAudit(planId: string): Promise<AuditRecord[]> {
    return this.#audit.readPlanAudit(planId);
  }

  listAuditChains(): Promise<AuditChainHead[]> {
    return this.#audit.listAuditChains();
  }

  readAuditHead(chain: string): Promise<AuditChainHead | undefined> {
    return this.#audit.readAuditHead(chain);
  }

  acquireLease(request: LeaseRequest): Promise<LeaseAcquisition> {
    return this.#leases.acquireLease(request);
  }

  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease> {
    return this.#leases.renewLease(lease, ttlMs, now);
  }

  releaseLease(lease: Lease): Promise<void> {
    return this.#leases.releaseLease(lease);
  }

  getLease(caseName: string): Promise<Lease | undefined> {
    return this.#leases.getLease(caseName);
  }

  forceReleaseLease(caseName: string): Promise<Lease | undefined> {
    return this.#leases.forceReleaseLease(caseName);
  }

  async health(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#plans.doc('k_health-probe').get(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(unavailable('Firestore did not answer within 5 s')), 5_000);
        }),
      ]);
    } catch (error) {
      throw isBailiffError(error) ? error : unavailable('Firestore is not answering', [], error);
    } finally {
      clearTimeout(timer);
    }
  }

  async #readPlanItems(id: string, kind: 'operations' | 'actions', offset: number, limit: number): Promise<unknown[]> {
    checkLimit(offset, 'offset', 0);
    checkLimit(limit, 'limit', 0);
    return this.#access.readOnly(`read ${kind} of plan ${id}`, async (reader) => {
      // Only the chunk reference: the plan document may carry a report of up to 256 KiB.
      const meta = await reader.query(this.#plans.where(FieldPath.documentId(), '==', docKey(id)).select(kind));
      const chunks = (meta.docs[0]?.data() as Pick<PlanDocument, typeof kind> | undefined)?.[kind];
      if (!chunks || offset >= chunks.count || limit === 0) return [];
      return readChunks(reader, this.#plans.doc(docKey(id)).collection(`${kind}_${chunks.generation}`), offset, Math.min(limit, chunks.count - offset));
    });
  }

  /** The full record: the plan document's core with its report, inline or from its chunks. */
  async #assemble(reader: Reader, ref: DocumentReference, stored: PlanDocument): Promise<PlanRecord> {
    const core = JSON.parse(stored.core) as Omit<PlanRecord, 'report'>;
    let report: DryRunReport;
    if (stored.reportChunks) {
      const { generation, parts } = stored.reportChunks;
      const refs = Array.from({ length: parts }, (_, part) => ref.collection(`report_${generation}`).doc(chunkId(0, part)));
      const snapshots = await reader.getAll(refs);
      const missing = snapshots.findIndex((snapshot) => !snapshot.exists);
      if (missing >= 0) throw internal(`plan ${core.id}: report chunk ${missing} is missing`);
      report = JSON.parse(Buffer.concat(snapshots.map((snapshot) => (snapshot.data() as ChunkDocument).data)).toString('utf8'))[0] as DryRunReport;
    } else {
      report = JSON.parse(stored.report ?? 'null') as DryRunReport;
    }
    return withProgress({ ...core, report }, stored.progress ? (JSON.parse(stored.progress) as ExecutionProgress) : undefined);
  }

  /**
   * The compare-and-set behind updatePlan and replaceDryRun. A new report that does not fit
   * inline and new actions are written first, as unreferenced chunks under fresh generations
   * (too large for one commit); the transaction then checks the revision and repoints the
   * plan document at them. The chunks it replaced are deleted afterwards, or the new ones if
   * the compare-and-set failed. `events` are appended to their audit chains in the same commit.
   */
  async #compareAndSet(
    what: string,
    id: string,
    expectedRevision: number,
    patch: Partial<PlanRecord>,
    actions: readonly Action[] | undefined,
    events: readonly AuditEventInput[],
  ): Promise<{ plan: PlanRecord; records: AuditRecord[] }> {
    const ref = this.#plans.doc(docKey(id));
    const newReport = patch.report;
    const created: CollectionReference[] = [];
    let committed = false;
    try {
      let report: StoredReport | undefined;
      let actionsRef: ChunkRef | undefined;
      if (newReport !== undefined || actions !== undefined) {
        // Checked first so a stale caller does not upload thousands of actions for nothing.
        currentPlan(await ref.get(), id, expectedRevision);
        const writes: Array<[DocumentReference, ChunkDocument]> = [];
        if (newReport !== undefined) {
          const encoded = encodeReport(newReport);
          report = encoded.stored;
          if (encoded.stored.reportChunks) {
            const collection = ref.collection(`report_${encoded.stored.reportChunks.generation}`);
            created.push(collection);
            writes.push(...chunkWrites(collection, encoded.chunks));
          }
        }
        if (actions !== undefined) {
          actionsRef = { generation: newGeneration(), count: actions.length };
          const collection = ref.collection(`actions_${actionsRef.generation}`);
          created.push(collection);
          writes.push(...chunkWrites(collection, encodeChunks(0, actions)));
        }
        await writeChunks(this.#db, writes);
      }
      const { next, replaced, records } = await this.#access.transaction(what, async (tx, reader) => {
        const stored = currentPlan(await reader.get(ref), id, expectedRevision);
        // The old report is only read when it is kept: the caller gets the whole record back.
        const current =
          newReport !== undefined
            ? { ...(JSON.parse(stored.core) as Omit<PlanRecord, 'report'>), report: newReport }
            : await this.#assemble(reader, ref, stored);
        const heads = await this.#audit.readHeads(reader, events);
        const record = nextRecord(current, expectedRevision, patch);
        const storedReport = report ?? { report: stored.report, reportChunks: stored.reportChunks };
        tx.set(ref, planDocument(record, storedReport, stored.operations, actionsRef ?? stored.actions));
        // The status change and the audit record attesting it: one commit.
        const sealed = this.#audit.write(tx, events, heads);
        const superseded: CollectionReference[] = [];
        if (report && stored.reportChunks) superseded.push(ref.collection(`report_${stored.reportChunks.generation}`));
        if (actionsRef) superseded.push(ref.collection(`actions_${stored.actions.generation}`));
        return { next: record, replaced: superseded, records: sealed };
      });
      committed = true;
      // Unreferenced chunks are invisible to readers; failing to delete them costs storage only.
      await Promise.allSettled(replaced.map((collection) => deleteCollection(this.#db, collection)));
      return { plan: next, records };
    } catch (error) {
      if (!committed) await Promise.allSettled(created.map((collection) => deleteCollection(this.#db, collection)));
      throw translateFirestoreError(error, `cannot ${what}`);
    }
  }
}

function planDocument(plan: PlanRecord, report: StoredReport, operations: ChunkRef, actions: ChunkRef): PlanDocument {
  const { report: _report, ...rest } = plan;
  const core = JSON.stringify(rest);
  if (Buffer.byteLength(core) > MAX_CORE_BYTES) {
    throw payloadTooLarge(`plan ${plan.id}: the record without its report is larger than ${MAX_CORE_BYTES} bytes`);
  }
  return {
    schema: 1,
    case: plan.case,
    status: plan.status,
    author: plan.author,
    createdAt: plan.createdAt,
    revision: plan.revision,
    core,
    report: report.report,
    reportChunks: report.reportChunks,
    operations,
    actions,
  };
}

function encodeReport(report: DryRunReport): { stored: StoredReport; chunks: Array<{ id: string; doc: ChunkDocument }> } {
  const json = JSON.stringify(report);
  const bytes = Buffer.byteLength(json);
  if (bytes <= INLINE_REPORT_BYTES) return { stored: { report: json, reportChunks: null }, chunks: [] };
  if (bytes > MAX_REPORT_BYTES) throw payloadTooLarge(`dry-run report of ${bytes} bytes is larger than ${MAX_REPORT_BYTES}`);
  const generation = newGeneration();
  const chunks = encodeChunks(0, [report]);
  return { stored: { report: null, reportChunks: { generation, parts: chunks.length } }, chunks };
}

function currentPlan(snapshot: DocumentSnapshot, id: string, expectedRevision: number): PlanDocument {
  if (!snapshot.exists) throw notFound(`plan ${id} does not exist`);
  const stored = snapshot.data() as PlanDocument;
  if (stored.revision !== expectedRevision) throw staleRevision(id, expectedRevision, stored.revision, stored.status);
  return stored;
}

function planExists(id: string): BailiffError {
  return conflict(`plan ${id} already exists`, [{ message: 'a plan with this id exists', planId: id }]);
}
