/**
 * Runs the IdentityVerifier contract against both adapters, each configured the way its
 * composition root configures it: through `parseConfig`. Google ID tokens are verified against
 * locally generated keys pinned as BAILIFF_ID_TOKEN_CERTS pins them, so no network is needed.
 */
import { randomBytes } from 'node:crypto';
import { GoogleIdTokenIdentity } from '../../shared/adapters/gcp/google-id-token-identity.ts';
import { StaticTokenIdentity } from '../../shared/adapters/local/static-token-identity.ts';
import { parseConfig } from '../../shared/config.ts';
import { createIdTokenSigner } from '../support/google-id-tokens.ts';
import { describeIdentityContract } from './identity.contract.ts';

describeIdentityContract(
  'StaticTokenIdentity (BAILIFF_TOKENS)',
  (principals) => {
    const tokens = new Map(principals.map((principal) => [principal.id, randomBytes(32).toString('base64url')]));
    const document = Object.fromEntries(principals.map(({ id, roles, cases }) => [tokens.get(id)!, { principal: id, roles, ...(cases ? { cases } : {}) }]));
    const config = parseConfig({ BAILIFF_TOKENS: JSON.stringify(document) });
    return {
      identity: StaticTokenIdentity.fromTokens(config.BAILIFF_TOKENS!),
      credentialOf: (id) => tokens.get(id)!,
      unknownCredentials: [
        ['a token never configured', randomBytes(32).toString('base64url')],
        ['a configured token in other letter case', tokens.get('agent@firm.example')!.toUpperCase()],
      ],
    };
  },
  { knowsUnlistedIdentities: false },
);

const AUDIENCE = 'https://api.bailiff.example';

describeIdentityContract(
  'GoogleIdTokenIdentity (Google ID tokens, pinned keys)',
  (principals) => {
    const signer = createIdTokenSigner(AUDIENCE);
    const config = parseConfig({
      BAILIFF_AUDIENCE: AUDIENCE,
      BAILIFF_PRINCIPALS: JSON.stringify(Object.fromEntries(principals.map(({ id, roles, cases }) => [id, { roles, ...(cases ? { cases } : {}) }]))),
      BAILIFF_ID_TOKEN_CERTS: JSON.stringify(signer.certs),
    });
    return {
      identity: GoogleIdTokenIdentity.fromConfig(config, { certs: config.BAILIFF_ID_TOKEN_CERTS }),
      credentialOf: (id) => signer.sign({ email: id }),
      unknownCredentials: [
        ['a token signed by another key', signer.sign({}, { key: signer.strangerKey })],
        ['a token naming an unknown key', signer.sign({}, { kid: 'other-key' })],
        ['an expired token', signer.sign({ iat: 1_000, exp: 4_600 })],
        ['a token for another audience', signer.sign({ aud: 'https://elsewhere.example' })],
        ['a token from another issuer', signer.sign({ iss: 'https://evil.example' })],
        ['a token whose e-mail is not verified', signer.sign({ email_verified: false })],
        ['a token without an e-mail', signer.sign({ email: undefined })],
      ],
      unlistedCredential: signer.sign({ email: 'mallory@firm.example' }),
    };
  },
  { knowsUnlistedIdentities: true },
);
