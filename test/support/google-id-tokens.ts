/**
 * Google-style ID tokens signed with locally generated keys, so identity tests run without a
 * network: the verifier is given the public key pinned under `kid`, as BAILIFF_ID_TOKEN_CERTS
 * does, and every other check (issuer, audience, expiry, e-mail) runs as in production.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { VerificationCerts } from '../../shared/identity-settings.ts';

export interface IdTokenSigner {
  /** The public keys to pin: `{ [kid]: PEM }`. */
  certs: VerificationCerts;
  /** A key the verifier does not know, for forged tokens. */
  strangerKey: KeyObject;
  /** A token for `audience`, from Google's issuer, for a verified agent@firm.example unless `claims` say otherwise. */
  sign(claims?: Record<string, unknown>, options?: { key?: KeyObject; kid?: string }): string;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createIdTokenSigner(audience: string, kid = 'test-key-1'): IdTokenSigner {
  const googleKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    certs: { [kid]: googleKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    strangerKey: stranger.privateKey,
    sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid: options.kid ?? kid };
      const payload = {
        iss: 'https://accounts.google.com',
        aud: audience,
        sub: '1234567890',
        email: 'agent@firm.example',
        email_verified: true,
        iat: now - 10,
        exp: now + 3600,
        ...claims,
      };
      const signed = `${base64url(header)}.${base64url(payload)}`;
      const signature = createSign('RSA-SHA256')
        .update(signed)
        .sign(options.key ?? googleKey.privateKey)
        .toString('base64url');
      return `${signed}.${signature}`;
    },
  };
}
