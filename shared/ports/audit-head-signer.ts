/**
 * Signs the head of each audit chain with a key that is not stored beside the chain, so that a
 * consistent rewrite of the records, the head and the JSON Lines copies — which the unkeyed hash
 * chain alone cannot reveal — fails verification: nobody with write access to the state alone
 * can sign the rewritten head.
 *
 * Adapters: an HMAC key (embedded mode, `hmac-audit-head-signer.ts`) and a Cloud KMS asymmetric
 * key (Google Cloud, `kms-audit-head-signer.ts`). The message signed is `auditHeadMessage`.
 */

/** The head of one chain: its last record's place and hash. */
export interface AuditHead {
  chain: string;
  seq: number;
  hash: string;
}

/** A signature over one head, as the store keeps it beside the head. */
export interface AuditHeadSignature {
  /** The head signed (it lags the chain's head only between an append and its signing). */
  seq: number;
  hash: string;
  /** Which key signed: an HMAC key's fingerprint, or a KMS key version's resource name. */
  keyId: string;
  /** Base64. */
  value: string;
}

export interface AuditHeadSigner {
  sign(head: AuditHead): Promise<AuditHeadSignature>;
  /** Whether `signature` is this signer's, over exactly `head`. Never throws for a bad signature. */
  verify(head: AuditHead, signature: AuditHeadSignature): Promise<boolean>;
}

/** The bytes signed: versioned, with every field of the head, so no field can be swapped. */
export function auditHeadMessage(head: AuditHead): Buffer {
  return Buffer.from(JSON.stringify(['bailiff-audit-head/v1', head.chain, head.seq, head.hash]), 'utf8');
}
