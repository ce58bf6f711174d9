/**
 * The execution leases of the Firestore plan store: one document per case, decided in a
 * transaction by the rules every store shares (plan-store-rules.ts). A released lease keeps its
 * document with the holder fields null, so the fencing token of a case never goes back.
 */
import type { CollectionReference } from '@google-cloud/firestore';
import type { Lease, LeaseAcquisition } from '../../ports/plan-store.ts';
import { checkLimit, decideLease, decideRenewal, isStillHeld, type LeaseRequest } from '../plan-store-rules.ts';
import { docKey, type FirestoreAccess } from './firestore-access.ts';

interface LeaseDocument {
  case: string;
  token: number;
  planId: string | null;
  owner: string | null;
  expiresAt: string | null;
}

function leaseOf(stored: LeaseDocument): Lease | undefined {
  if (stored.owner === null || stored.planId === null || stored.expiresAt === null) return undefined;
  return { case: stored.case, planId: stored.planId, owner: stored.owner, token: stored.token, expiresAt: stored.expiresAt };
}

/** The lease half of FirestorePlanStore; its methods are the PlanStore's lease methods. */
export class FirestoreLeases {
  readonly #access: FirestoreAccess;
  readonly #leases: CollectionReference;

  constructor(access: FirestoreAccess, prefix: string) {
    this.#access = access;
    this.#leases = access.db.collection(`${prefix}_leases`);
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAcquisition> {
    checkLimit(request.ttlMs, 'ttlMs', 1);
    const ref = this.#leases.doc(docKey(request.case));
    return this.#access.transaction(`acquire the lease on case ${request.case}`, async (tx, reader) => {
      const snapshot = await reader.get(ref);
      const stored = snapshot.exists ? (snapshot.data() as LeaseDocument) : undefined;
      const decision = decideLease(request, { held: stored ? leaseOf(stored) : undefined, lastToken: stored?.token ?? 0 });
      if (decision.acquired) {
        const { lease } = decision;
        tx.set(ref, { case: lease.case, token: lease.token, planId: lease.planId, owner: lease.owner, expiresAt: lease.expiresAt } satisfies LeaseDocument);
      }
      return decision;
    });
  }

  async renewLease(lease: Lease, ttlMs: number, now: Date): Promise<Lease> {
    checkLimit(ttlMs, 'ttlMs', 1);
    const ref = this.#leases.doc(docKey(lease.case));
    return this.#access.transaction(`renew the lease on case ${lease.case}`, async (tx, reader) => {
      const snapshot = await reader.get(ref);
      const renewed = decideRenewal(lease, snapshot.exists ? leaseOf(snapshot.data() as LeaseDocument) : undefined, ttlMs, now);
      tx.update(ref, { expiresAt: renewed.expiresAt });
      return renewed;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    const ref = this.#leases.doc(docKey(lease.case));
    await this.#access.transaction(`release the lease on case ${lease.case}`, async (tx, reader) => {
      const snapshot = await reader.get(ref);
      if (isStillHeld(lease, snapshot.exists ? leaseOf(snapshot.data() as LeaseDocument) : undefined))
        tx.update(ref, { planId: null, owner: null, expiresAt: null });
    });
  }

  async getLease(caseName: string): Promise<Lease | undefined> {
    return this.#access.readOnly(
      `read the lease on case ${caseName}`,
      async (reader) => {
        const snapshot = await reader.get(this.#leases.doc(docKey(caseName)));
        return snapshot.exists ? leaseOf(snapshot.data() as LeaseDocument) : undefined;
      },
      false,
    );
  }

  async forceReleaseLease(caseName: string): Promise<Lease | undefined> {
    const ref = this.#leases.doc(docKey(caseName));
    return this.#access.transaction(`force-release the lease on case ${caseName}`, async (tx, reader) => {
      const snapshot = await reader.get(ref);
      const held = snapshot.exists ? leaseOf(snapshot.data() as LeaseDocument) : undefined;
      if (held) tx.update(ref, { planId: null, owner: null, expiresAt: null });
      return held;
    });
  }
}
