/**
 * Audit head signatures with an HMAC-SHA256 key (embedded mode). The key comes from the
 * environment (BAILIFF_AUDIT_HMAC_KEY) or from a key file; on the first start without either,
 * a key is generated into the key file and a warning says to keep it elsewhere: a key beside
 * the chain protects nothing against whoever can read both.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalidInput } from '../../errors.ts';
import type { Logger } from '../../logging.ts';
import { auditHeadMessage, type AuditHead, type AuditHeadSignature, type AuditHeadSigner } from '../../ports/audit-head-signer.ts';

/** 256 bits, as HMAC-SHA256 wants at least. */
export const AUDIT_HMAC_KEY_BYTES = 32;

export class HmacAuditHeadSigner implements AuditHeadSigner {
  readonly #key: Buffer;
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length < AUDIT_HMAC_KEY_BYTES) throw invalidInput(`the audit HMAC key must be at least ${AUDIT_HMAC_KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    // Names the key without revealing it, so a verifier can say which key signed.
    this.keyId = `hmac-sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  }

  async sign(head: AuditHead): Promise<AuditHeadSignature> {
    return { seq: head.seq, hash: head.hash, keyId: this.keyId, value: this.#mac(head).toString('base64') };
  }

  async verify(head: AuditHead, signature: AuditHeadSignature): Promise<boolean> {
    if (signature.keyId !== this.keyId || signature.seq !== head.seq || signature.hash !== head.hash) return false;
    const given = Buffer.from(signature.value, 'base64');
    const expected = this.#mac(head);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(head: AuditHead): Buffer {
    return createHmac('sha256', this.#key).update(auditHeadMessage(head)).digest();
  }
}

/** Decodes BAILIFF_AUDIT_HMAC_KEY (base64) or a key file's content (base64, one line). */
export function decodeAuditKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length < AUDIT_HMAC_KEY_BYTES) throw invalidInput(`${source} must hold at least ${AUDIT_HMAC_KEY_BYTES} bytes, base64-encoded`);
  return key;
}

/**
 * The embedded signer: the key from the environment if set, else from `keyFile`, which is
 * created with a fresh key (and a warning) when absent.
 */
export function loadHmacAuditHeadSigner(options: { key?: string; keyFile: string; logger: Logger }): HmacAuditHeadSigner {
  if (options.key) return new HmacAuditHeadSigner(decodeAuditKey(options.key, 'BAILIFF_AUDIT_HMAC_KEY'));
  let text: string | undefined;
  try {
    text = readFileSync(options.keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) return new HmacAuditHeadSigner(decodeAuditKey(text, options.keyFile));
  const key = randomBytes(AUDIT_HMAC_KEY_BYTES);
  mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
  // `wx`: two first starts never write two different keys.
  writeFileSync(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  options.logger.warn(
    'generated a new key that signs the audit chain heads; keep a copy away from the state directory (set BAILIFF_AUDIT_HMAC_KEY to it, or BAILIFF_AUDIT_KEY_FILE to a file elsewhere): anyone who can read it and write the state can rewrite the audit trail unseen',
    { keyFile: options.keyFile },
  );
  return new HmacAuditHeadSigner(key);
}
