/**
 * No Cloud KMS emulator exists, so the KMS adapter is tested against a local P-256 key through
 * node:crypto with the algorithm KMS uses (EC_SIGN_P256_SHA256: ECDSA over the SHA-256 digest,
 * DER-encoded): the requests it makes, and how it verifies what comes back. That KMS itself
 * answers these requests as documented is not tested here.
 */
import { createHash, generateKeyPairSync, sign as signMessage } from 'node:crypto';
import { auditHeadMessage } from '../../ports/audit-head-signer.ts';
import { describe, expect, it } from 'vitest';
import { isBailiffError } from '../../errors.ts';
import { KmsAuditHeadSigner, KMS_AUDIT_ALGORITHM, type KmsSigningClient } from './kms-audit-head-signer.ts';

const KEY_VERSION = 'projects/p/locations/europe-west1/keyRings/bailiff/cryptoKeys/audit-heads/cryptoKeyVersions/1';
const HEAD = { chain: 'smith-v-jones', seq: 12, hash: 'sha256:abc' };
const KNOWN_MESSAGES = new Map([HEAD].map((head) => [createHash('sha256').update(auditHeadMessage(head)).digest('hex'), auditHeadMessage(head)]));

/** A stand-in for KMS holding a local P-256 key; it records the requests it received. */
function localKms(options: { corrupt?: boolean; algorithm?: string } = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const requests: unknown[] = [];
  const client: KmsSigningClient = {
    async asymmetricSign(request) {
      requests.push(request);
      // KMS signs the digest it is given. node:crypto cannot sign a bare digest with ECDSA, so the
      // stand-in finds the head message with that SHA-256 and signs it with ECDSA-SHA256 — the same
      // signature math over the same digest. An unknown digest means the request was wrong.
      const message = KNOWN_MESSAGES.get(request.digest.sha256.toString('hex'));
      if (!message) throw new Error('asked to sign a digest that is not the SHA-256 of a head message');
      const signature = signMessage('sha256', message, privateKey);
      if (options.corrupt) signature[signature.length - 1]! ^= 1;
      return [{ name: request.name, signature }];
    },
    async getPublicKey(request) {
      requests.push(request);
      return [{ name: request.name, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), algorithm: options.algorithm ?? KMS_AUDIT_ALGORITHM }];
    },
  };
  return { client, requests };
}

describe('KmsAuditHeadSigner', () => {
  it('asks KMS to sign the SHA-256 digest of the head message, and verifies the result with the public key', async () => {
    const kms = localKms();
    const signer = new KmsAuditHeadSigner(kms.client, KEY_VERSION);
    const signature = await signer.sign(HEAD);
    expect(signature).toMatchObject({ seq: 12, hash: 'sha256:abc', keyId: KEY_VERSION });
    expect(kms.requests[0]).toMatchObject({ name: KEY_VERSION, digest: { sha256: expect.any(Buffer) } });
    expect(await signer.verify(HEAD, signature)).toBe(true);
    // The public key is fetched once, then reused.
    expect(await signer.verify(HEAD, signature)).toBe(true);
    expect(kms.requests.filter((request) => !(request as { digest?: unknown }).digest)).toHaveLength(1);
  });

  it('rejects a signature for another head, another key, or altered bytes', async () => {
    const signer = new KmsAuditHeadSigner(localKms().client, KEY_VERSION);
    const signature = await signer.sign(HEAD);
    expect(await signer.verify({ ...HEAD, seq: 13 }, { ...signature, seq: 13 })).toBe(false);
    expect(await signer.verify({ ...HEAD, hash: 'sha256:abd' }, { ...signature, hash: 'sha256:abd' })).toBe(false);
    expect(await signer.verify(HEAD, { ...signature, keyId: `${KEY_VERSION.slice(0, -1)}2` })).toBe(false);
    const bytes = Buffer.from(signature.value, 'base64');
    bytes[10]! ^= 1;
    expect(await signer.verify(HEAD, { ...signature, value: bytes.toString('base64') })).toBe(false);
    // A signature from another key pair, as someone without KMS access would make.
    const other = await new KmsAuditHeadSigner(localKms().client, KEY_VERSION).sign(HEAD);
    expect(await signer.verify(HEAD, other)).toBe(false);
  });

  it('refuses a corrupted KMS response, and a key of another algorithm', async () => {
    const corrupt = await new KmsAuditHeadSigner(localKms({ corrupt: true }).client, KEY_VERSION).sign(HEAD).catch((error: unknown) => error);
    expect(isBailiffError(corrupt, 'unavailable')).toBe(true);
    const rsa = await new KmsAuditHeadSigner(localKms({ algorithm: 'RSA_SIGN_PSS_2048_SHA256' }).client, KEY_VERSION)
      .sign(HEAD)
      .catch((error: unknown) => error);
    expect(isBailiffError(rsa, 'unavailable')).toBe(true);
  });
});
