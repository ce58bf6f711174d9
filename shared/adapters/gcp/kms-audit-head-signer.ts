/**
 * Audit head signatures with a Cloud KMS asymmetric key (EC_SIGN_P256_SHA256): the private key
 * never leaves KMS, the executor and api may only sign with it (roles/cloudkms.signer), and a
 * verifier needs only the public key (roles/cloudkms.publicKeyViewer), fetched once and checked
 * locally. Each signature KMS returns is verified against that public key before it is stored,
 * so a corrupted response is never kept.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import { unavailable } from '../../errors.ts';
import { auditHeadMessage, type AuditHead, type AuditHeadSignature, type AuditHeadSigner } from '../../ports/audit-head-signer.ts';

/** The KMS calls this adapter makes: the subset of `KeyManagementServiceClient` it uses. */
export interface KmsSigningClient {
  asymmetricSign(request: {
    name: string;
    digest: { sha256: Buffer };
  }): Promise<[{ name?: string | null; signature?: Uint8Array | string | null }, ...unknown[]]>;
  getPublicKey(request: { name: string }): Promise<[{ name?: string | null; pem?: string | null; algorithm?: string | number | null }, ...unknown[]]>;
}

export const KMS_AUDIT_ALGORITHM = 'EC_SIGN_P256_SHA256';

export class KmsAuditHeadSigner implements AuditHeadSigner {
  readonly #client: KmsSigningClient;
  /** The key version's resource name; also the signatures' `keyId`. */
  readonly keyVersion: string;
  #publicKey: Promise<string> | undefined;

  constructor(client: KmsSigningClient, keyVersion: string) {
    this.#client = client;
    this.keyVersion = keyVersion;
  }

  async sign(head: AuditHead): Promise<AuditHeadSignature> {
    const digest = createHash('sha256').update(auditHeadMessage(head)).digest();
    const [response] = await this.#client.asymmetricSign({ name: this.keyVersion, digest: { sha256: digest } });
    if (response.name && response.name !== this.keyVersion) throw unavailable(`Cloud KMS signed with ${response.name}, not ${this.keyVersion}`);
    if (!response.signature) throw unavailable('Cloud KMS returned no signature');
    const value = Buffer.from(response.signature as Uint8Array).toString('base64');
    const signature: AuditHeadSignature = { seq: head.seq, hash: head.hash, keyId: this.keyVersion, value };
    if (!(await this.verify(head, signature))) throw unavailable("the signature Cloud KMS returned does not verify against the key version's public key");
    return signature;
  }

  async verify(head: AuditHead, signature: AuditHeadSignature): Promise<boolean> {
    if (signature.keyId !== this.keyVersion || signature.seq !== head.seq || signature.hash !== head.hash) return false;
    const publicKey = await this.#publicKeyPem();
    // ECDSA over SHA-256 of the message; KMS returns the DER encoding, which node:crypto verifies by default.
    return verifySignature('sha256', auditHeadMessage(head), publicKey, Buffer.from(signature.value, 'base64'));
  }

  #publicKeyPem(): Promise<string> {
    this.#publicKey ??= this.#client.getPublicKey({ name: this.keyVersion }).then(([key]) => {
      if (String(key.algorithm) !== KMS_AUDIT_ALGORITHM)
        throw unavailable(`the audit key ${this.keyVersion} is ${String(key.algorithm)}, not ${KMS_AUDIT_ALGORITHM}`);
      if (!key.pem) throw unavailable(`Cloud KMS returned no public key for ${this.keyVersion}`);
      return key.pem;
    });
    // A failed fetch is retried by the next call rather than remembered.
    this.#publicKey.catch(() => (this.#publicKey = undefined));
    return this.#publicKey;
  }
}
