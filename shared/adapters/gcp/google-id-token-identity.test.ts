import { OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.ts';
import { BailiffError } from '../../errors.ts';
import type { VerificationCerts } from '../../identity-settings.ts';
import { createIdTokenSigner } from '../../../test/support/google-id-tokens.ts';
import { GoogleIdTokenIdentity } from './google-id-token-identity.ts';

const AUDIENCE = 'https://api.bailiff.example';
// Locally generated keys stand in for Google's: every test runs without a network.
const signer = createIdTokenSigner(AUDIENCE);
const certs: VerificationCerts = signer.certs;

const principals = parseConfig({
  BAILIFF_PRINCIPALS: JSON.stringify({
    'Agent@Firm.Example': { roles: ['agent'], cases: ['smith-*'] },
    'alice@firm.example': { roles: ['approver'] },
  }),
}).BAILIFF_PRINCIPALS!;

const idToken = (claims?: Record<string, unknown>, options?: Parameters<typeof signer.sign>[1]) => signer.sign(claims, options);

const identity = new GoogleIdTokenIdentity({ audience: AUDIENCE, principals, certs });

async function failure(promise: Promise<unknown>): Promise<BailiffError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BailiffError) return error;
    throw error;
  }
  throw new Error('expected a BailiffError');
}

describe('GoogleIdTokenIdentity', () => {
  it('maps a verified e-mail to its roles and cases, ignoring letter case', async () => {
    await expect(identity.verify(idToken({ email: 'AGENT@firm.example' }))).resolves.toEqual({
      id: 'agent@firm.example',
      roles: ['agent'],
      cases: ['smith-*'],
    });
    await expect(identity.verify(idToken({ email: 'alice@firm.example' }))).resolves.toEqual({ id: 'alice@firm.example', roles: ['approver'] });
  });

  it.each([
    ['garbage', () => 'not-a-jwt', 'not a JWT'],
    ['a token signed by another key', () => idToken({}, { key: signer.strangerKey }), 'bad signature'],
    ['a token naming an unknown key', () => idToken({}, { kid: 'other' }), 'signed with an unknown key'],
    ['an expired token', () => idToken({ iat: 1_000, exp: 4_600 }), 'expired'],
    ['a token for another audience', () => idToken({ aud: 'https://elsewhere.example' }), 'issued for another audience'],
    ['a token from another issuer', () => idToken({ iss: 'https://evil.example' }), 'not issued by Google'],
  ])('refuses %s as unauthenticated, with a reason that does not quote it', async (_name, token, reason) => {
    const presented = token();
    const error = await failure(identity.verify(presented));
    expect(error.code).toBe('unauthenticated');
    expect(error.details[0]?.reason).toBe(reason);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(presented.split('.')[1] ?? presented);
  });

  it.each([
    ['unverified', { email_verified: false }],
    ['missing', { email: undefined, email_verified: undefined }],
  ])('refuses a token whose e-mail is %s as unauthenticated', async (_name, claims) => {
    const error = await failure(identity.verify(idToken(claims)));
    expect(error.code).toBe('unauthenticated');
  });

  it("accepts the console's OAuth client ID as an additional audience, and only with the setting", async () => {
    const clientId = '123-console.apps.googleusercontent.com';
    const withConsole = GoogleIdTokenIdentity.fromConfig(
      parseConfig({
        BAILIFF_AUDIENCE: AUDIENCE,
        BAILIFF_OAUTH_CLIENT_ID: clientId,
        BAILIFF_PRINCIPALS: JSON.stringify({ 'alice@firm.example': { roles: ['approver'] } }),
      }),
      { certs },
    );
    const consoleToken = idToken({ aud: clientId, email: 'alice@firm.example' });
    await expect(withConsole.verify(consoleToken)).resolves.toEqual({ id: 'alice@firm.example', roles: ['approver'] });
    await expect(withConsole.verify(idToken({ email: 'alice@firm.example' }))).resolves.toMatchObject({ id: 'alice@firm.example' });
    expect((await failure(identity.verify(consoleToken))).details[0]?.reason).toBe('issued for another audience');
    expect((await failure(withConsole.verify(idToken({ aud: 'https://elsewhere.example', email: 'alice@firm.example' })))).code).toBe('unauthenticated');
  });

  it("uses the client's own certificate fetch when no certificates are pinned", async () => {
    class OfflineClient extends OAuth2Client {
      override async getFederatedSignonCertsAsync() {
        return { certs, format: 'PEM' as never };
      }
    }
    const viaClient = new GoogleIdTokenIdentity({ audience: AUDIENCE, principals, client: new OfflineClient() });
    await expect(viaClient.verify(idToken())).resolves.toMatchObject({ id: 'agent@firm.example' });
  });

  it("answers unavailable, not unauthenticated, when Google's keys cannot be fetched", async () => {
    class UnreachableClient extends OAuth2Client {
      override async getFederatedSignonCertsAsync(): Promise<never> {
        throw new Error('Failed to retrieve verification certificates: connect ETIMEDOUT');
      }
    }
    const unreachable = new GoogleIdTokenIdentity({ audience: AUDIENCE, principals, client: new UnreachableClient() });
    const error = await failure(unreachable.verify(idToken()));
    expect(error.code).toBe('unavailable');
  });
});

describe('GoogleIdTokenIdentity.fromConfig', () => {
  const principalsJson = JSON.stringify({ 'alice@firm.example': { roles: ['approver'] } });

  it.each([
    ['no audience', { BAILIFF_PRINCIPALS: principalsJson }, 'BAILIFF_AUDIENCE'],
    ['no principals', { BAILIFF_AUDIENCE: AUDIENCE }, 'BAILIFF_PRINCIPALS'],
    ['principals that are not JSON', { BAILIFF_AUDIENCE: AUDIENCE, BAILIFF_PRINCIPALS: '{' }, 'BAILIFF_PRINCIPALS'],
    ['a key that is not an e-mail', { BAILIFF_AUDIENCE: AUDIENCE, BAILIFF_PRINCIPALS: '{"alice": {"roles": ["approver"]}}' }, 'BAILIFF_PRINCIPALS.alice'],
    ['an unknown role', { BAILIFF_AUDIENCE: AUDIENCE, BAILIFF_PRINCIPALS: '{"a@x.example": {"roles": ["owner"]}}' }, 'BAILIFF_PRINCIPALS.a@x.example.roles.0'],
    [
      'a duplicate address',
      { BAILIFF_AUDIENCE: AUDIENCE, BAILIFF_PRINCIPALS: '{"a@x.example": {"roles": ["agent"]}, "A@x.example": {"roles": ["admin"]}}' },
      'BAILIFF_PRINCIPALS.A@x.example',
    ],
  ])('refuses %s at start-up, naming the variable', (_name, config, path) => {
    let caught: unknown;
    try {
      GoogleIdTokenIdentity.fromConfig(parseConfig(config), { certs });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BailiffError);
    expect((caught as BailiffError).details.map((detail) => detail.path)).toContain(path);
  });

  it('builds a verifier from a complete configuration', async () => {
    const fromConfig = GoogleIdTokenIdentity.fromConfig(parseConfig({ BAILIFF_AUDIENCE: AUDIENCE, BAILIFF_PRINCIPALS: principalsJson }), { certs });
    await expect(fromConfig.verify(idToken({ email: 'alice@firm.example' }))).resolves.toMatchObject({ roles: ['approver'] });
  });
});
