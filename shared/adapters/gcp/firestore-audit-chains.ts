/**
 * The audit chains of the Firestore plan store: one head document per chain (a case), its
 * records in a subcollection, appended in one transaction per batch and signed afterwards.
 * The data model is described in firestore-plan-store.ts.
 */
import { FieldPath, type CollectionReference, type Transaction } from '@google-cloud/firestore';
import type { AuditEventInput, AuditRecord } from '../../domain/audit.ts';
import { payloadTooLarge } from '../../errors.ts';
import type { AuditHeadSignature, AuditHeadSigner } from '../../ports/audit-head-signer.ts';
import type { AuditChainHead } from '../../ports/plan-store.ts';
import { checkLimit, sealAuditBatch, signAppendedHeads } from '../plan-store-rules.ts';
import { docKey, pad, type FirestoreAccess, type Reader } from './firestore-access.ts';
import { MAX_COMMIT_BYTES } from './firestore-chunks.ts';

const MAX_AUDIT_RECORD_BYTES = 900 * 1024;

/** A chain's head document: the head and (when signed) its signature. */
interface ChainDocument {
  chain: string;
  seq: number;
  hash: string;
  signature?: AuditHeadSignature;
}

function chainHeadOf(doc: ChainDocument): AuditChainHead {
  const { chain, seq, hash, signature } = doc;
  return {
    chain,
    seq,
    hash,
    ...(signature ? { signature: { seq: signature.seq, hash: signature.hash, keyId: signature.keyId, value: signature.value } } : {}),
  };
}

function seqKey(seq: number): string {
  return pad(seq, 12);
}

/** The audit half of FirestorePlanStore; its methods are the PlanStore's audit methods. */
export class FirestoreAuditChains {
  readonly #access: FirestoreAccess;
  readonly #chains: CollectionReference;
  readonly #auditRecordsGroup: string;
  readonly #signer: AuditHeadSigner | undefined;

  constructor(access: FirestoreAccess, prefix: string, signer: AuditHeadSigner | undefined) {
    this.#access = access;
    this.#chains = access.db.collection(`${prefix}_audit_chains`);
    this.#auditRecordsGroup = `${prefix}_audit_records`;
    this.#signer = signer;
  }

  async appendAudit(events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    const records = await this.#access.transaction('append audit records', async (tx, reader) => this.write(tx, events, await this.readHeads(reader, events)));
    await this.signHeads(records);
    return records;
  }

  /**
   * The heads of the chains `events` go to, read in a transaction before any of its writes:
   * with `write`, the way a plan store's transition puts a status change and its audit record
   * into one commit.
   */
  async readHeads(reader: Reader, events: readonly AuditEventInput[]): Promise<Map<string, { seq: number; hash: string } | undefined>> {
    const heads = new Map<string, { seq: number; hash: string } | undefined>();
    if (events.length === 0) return heads;
    const chains = [...new Set(events.map((event) => event.chain))];
    const snapshots = await reader.getAll(chains.map((chain) => this.#chains.doc(docKey(chain))));
    for (const [i, chain] of chains.entries()) heads.set(chain, snapshots[i]?.exists ? (snapshots[i].data() as { seq: number; hash: string }) : undefined);
    return heads;
  }

  /** Seals `events` onto their chains and writes the records and the new heads in `tx`. */
  write(tx: Transaction, events: readonly AuditEventInput[], heads: Map<string, { seq: number; hash: string } | undefined>): AuditRecord[] {
    if (events.length === 0) return [];
    const sealed = sealAuditBatch(events, heads);
    let bytes = 0;
    for (const record of sealed.records) {
      const json = JSON.stringify(record);
      bytes += Buffer.byteLength(json);
      if (Buffer.byteLength(json) > MAX_AUDIT_RECORD_BYTES || bytes > MAX_COMMIT_BYTES) {
        throw payloadTooLarge(`audit record ${record.type} is larger than ${MAX_AUDIT_RECORD_BYTES} bytes, or the batch than ${MAX_COMMIT_BYTES}`);
      }
      const head = this.#chains.doc(docKey(record.chain));
      tx.create(head.collection(this.#auditRecordsGroup).doc(seqKey(record.seq)), {
        chain: record.chain,
        seq: record.seq,
        planId: record.planId ?? null,
        record: json,
      });
    }
    // Merged, so the signature of the head before stays until this head is signed.
    for (const [chain, head] of sealed.heads) tx.set(this.#chains.doc(docKey(chain)), { chain, seq: head.seq, hash: head.hash }, { merge: true });
    return sealed.records;
  }

  /** Signs each touched chain's new head, after the commit (see `signAppendedHeads`). */
  async signHeads(records: readonly AuditRecord[]): Promise<void> {
    await signAppendedHeads(this.#signer, records, {
      head: async (chain) => {
        const snapshot = await this.#access.readOnly(`read the head of audit chain ${chain}`, (reader) => reader.get(this.#chains.doc(docKey(chain))));
        return snapshot.exists ? chainHeadOf(snapshot.data() as ChainDocument) : undefined;
      },
      readAuditChain: (chain, afterSeq, limit) => this.readAuditChain(chain, afterSeq, limit),
      storeSignature: (chain, signature, previous) =>
        this.#access.transaction(`sign the head of audit chain ${chain}`, async (tx, reader) => {
          const ref = this.#chains.doc(docKey(chain));
          const snapshot = await reader.get(ref);
          if (!snapshot.exists) return false;
          const current = chainHeadOf(snapshot.data() as ChainDocument);
          if (current.seq !== signature.seq || current.hash !== signature.hash) return false;
          if (JSON.stringify(current.signature ?? null) !== JSON.stringify(previous ?? null)) return false;
          tx.update(ref, { signature: { ...signature } });
          return true;
        }),
    });
  }

  async readAuditChain(chain: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    checkLimit(afterSeq, 'afterSeq', 0);
    checkLimit(limit, 'limit', 0);
    if (limit === 0) return [];
    return this.#access.readOnly(
      `read audit chain ${chain}`,
      async (reader) => {
        const records = this.#chains.doc(docKey(chain)).collection(this.#auditRecordsGroup);
        const snapshot = await reader.query(records.where('seq', '>', afterSeq).orderBy('seq').limit(limit));
        return snapshot.docs.map((doc) => JSON.parse((doc.data() as { record: string }).record) as AuditRecord);
      },
      false,
    );
  }

  async readPlanAudit(planId: string): Promise<AuditRecord[]> {
    return this.#access.readOnly(
      `read the audit records of plan ${planId}`,
      async (reader) => {
        const snapshot = await reader.query(this.#access.db.collectionGroup(this.#auditRecordsGroup).where('planId', '==', planId));
        // Sorted here rather than by the query, which would need a composite collection-group index.
        return snapshot.docs
          .map((doc) => JSON.parse((doc.data() as { record: string }).record) as AuditRecord)
          .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq));
      },
      false,
    );
  }

  async listAuditChains(): Promise<AuditChainHead[]> {
    return this.#access.readOnly(
      'list audit chains',
      async (reader) => {
        const snapshot = await reader.query(this.#chains.orderBy(FieldPath.documentId()));
        return snapshot.docs.map((doc) => chainHeadOf(doc.data() as ChainDocument));
      },
      false,
    );
  }

  async readAuditHead(chain: string): Promise<AuditChainHead | undefined> {
    const snapshot = await this.#access.readOnly(`read the head of audit chain ${chain}`, (reader) => reader.get(this.#chains.doc(docKey(chain))));
    return snapshot.exists ? chainHeadOf(snapshot.data() as ChainDocument) : undefined;
  }
}
