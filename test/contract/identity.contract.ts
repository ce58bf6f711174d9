/**
 * The IdentityVerifier contract: the one suite every identity adapter must pass, so the HTTP
 * layer and the services can rely on the same answers from static tokens and from Google ID
 * tokens.
 *
 * - A configured principal's credential yields exactly the id, roles and case scope configured.
 * - A credential that is malformed, forged or unknown is `unauthenticated` (401).
 * - Where the adapter can verify who someone is without them being a principal (a Google
 *   account not listed in BAILIFF_PRINCIPALS), that is `forbidden` (403). Static tokens cannot
 *   tell: an unlisted token is simply unknown. The adapter run declares which one applies.
 * - No error repeats the credential it refused.
 *
 * The header rules (a missing `Authorization` header, another scheme) are the HTTP layer's;
 * the suite checks them through `handleHttpRequest` with the adapter wired in, so a request
 * that is refused there never reaches the API behind it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isBailiffError, type ErrorCode } from '../../shared/errors.ts';
import { handleHttpRequest } from '../../shared/http/handler.ts';
import type { HttpDependencies } from '../../shared/http/types.ts';
import { createLogger } from '../../shared/logging.ts';
import type { IdentityVerifier, Principal, Role } from '../../shared/ports/identity.ts';
import type { PlanApi } from '../../shared/services/plan-api.ts';

/** A principal as the suite asks the adapter run to configure it. */
export interface ContractPrincipal {
  /** A lower-case e-mail address: valid as a static token's principal and as a Google account. */
  id: string;
  roles: Role[];
  cases?: string[];
}

export interface IdentityFixture {
  identity: IdentityVerifier;
  /** A credential the adapter accepts for the configured principal `id`. */
  credentialOf(id: string): string;
  /** Well-formed credentials the adapter never issued or must not trust (forged, unknown key, expired...). */
  unknownCredentials: ReadonlyArray<readonly [label: string, credential: string]>;
  /** A credential the adapter verifies for an identity that is not a configured principal. */
  unlistedCredential?: string;
}

export interface IdentityContractOptions {
  /** The adapter can tell "verified, but not a principal" from "not verified" (so: 403, not 401). */
  knowsUnlistedIdentities: boolean;
}

const CONTRACT_PRINCIPALS: readonly ContractPrincipal[] = [
  { id: 'agent@firm.example', roles: ['agent'], cases: ['smith-*'] },
  { id: 'alice@firm.example', roles: ['approver'] },
  { id: 'bob@firm.example', roles: ['agent', 'approver'], cases: ['jones', 'smith-*'] },
  { id: 'admin@firm.example', roles: ['admin'] },
];

const expectedPrincipal = ({ id, roles, cases }: ContractPrincipal): Principal => ({ id, roles, ...(cases ? { cases } : {}) });

/** The refused credential's error, checked to carry `code` and to repeat nothing of it. */
async function refusal(promise: Promise<unknown>, code: ErrorCode, credential: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (!isBailiffError(caught)) throw new Error(`expected a BailiffError ${code}, got ${String(caught)}`, { cause: caught });
  expect(caught.code).toBe(code);
  expectNotEchoed(JSON.stringify({ message: caught.message, details: caught.details }), credential);
}

/** Neither the credential nor any sizeable part of it (a JWT's payload or signature) appears in `text`. */
function expectNotEchoed(text: string, credential: string): void {
  for (const part of [credential, ...credential.split('.')].filter((piece) => piece.length >= 8)) {
    expect(text).not.toContain(part);
  }
}

/** Stands where the PlanApi would be: the requests below must be refused before reaching it. */
const unreachableApi = new Proxy({} as PlanApi, {
  get(_target, method) {
    throw new Error(`PlanApi.${String(method)} reached without a verified principal with the role`);
  },
});

export function describeIdentityContract(
  name: string,
  setup: (principals: readonly ContractPrincipal[]) => IdentityFixture | Promise<IdentityFixture>,
  options: IdentityContractOptions,
): void {
  describe(`IdentityVerifier contract: ${name}`, () => {
    let fixture: IdentityFixture;
    beforeAll(async () => {
      fixture = await setup(CONTRACT_PRINCIPALS);
    });

    const credential = (id: string) => fixture.credentialOf(id);

    it('maps each configured principal to exactly its id, roles and case scope', async () => {
      for (const principal of CONTRACT_PRINCIPALS) {
        const verified = await fixture.identity.verify(credential(principal.id));
        expect(verified).toStrictEqual(expectedPrincipal(principal));
      }
    });

    it('gives every principal its own answer, the same on every call', async () => {
      const first = await fixture.identity.verify(credential('alice@firm.example'));
      await fixture.identity.verify(credential('bob@firm.example'));
      expect(await fixture.identity.verify(credential('alice@firm.example'))).toStrictEqual(first);
    });

    it.each([
      ['an empty credential', () => ''],
      ['white space', () => '   '],
      ['a whole header instead of the credential', () => `Bearer ${credential('agent@firm.example')}`],
      ['a valid credential with one character less', () => credential('agent@firm.example').slice(0, -1)],
      ['a valid credential with a character more', () => `${credential('agent@firm.example')}x`],
      ['non-ASCII garbage', () => 'jeton-invalide-é-ü-中文-0123456789'],
      ['a very long credential', () => 'A'.repeat(20_000)],
    ])('refuses %s as unauthenticated, without repeating it', async (_label, make) => {
      const presented = make();
      await refusal(fixture.identity.verify(presented), 'unauthenticated', presented);
    });

    it('refuses every credential it never issued or must not trust as unauthenticated, without repeating it', async () => {
      expect(fixture.unknownCredentials.length).toBeGreaterThan(0);
      for (const [label, presented] of fixture.unknownCredentials) {
        await refusal(fixture.identity.verify(presented), 'unauthenticated', presented).catch((error: unknown) => {
          throw new Error(`${label}: ${String(error)}`, { cause: error });
        });
      }
    });

    if (options.knowsUnlistedIdentities) {
      it('refuses a verified identity that is not a configured principal as forbidden, without repeating the credential', async () => {
        expect(fixture.unlistedCredential, 'the adapter run must provide an unlisted credential').toBeDefined();
        await refusal(fixture.identity.verify(fixture.unlistedCredential!), 'forbidden', fixture.unlistedCredential!);
      });
    } else {
      it('has no verified identity outside its principals: the fixture offers no unlisted credential', () => {
        expect(fixture.unlistedCredential).toBeUndefined();
      });
    }

    describe('behind the HTTP layer', () => {
      const call = async (method: string, path: string, authorization: string | undefined) => {
        const deps: HttpDependencies = {
          api: unreachableApi,
          identity: fixture.identity,
          health: async () => ({}),
          limits: { maxBodyBytes: 4096 },
          logger: createLogger({ level: 'error', write: () => {} }),
        };
        const headers = authorization === undefined ? {} : { authorization };
        const response = await handleHttpRequest({ method, path, query: new URLSearchParams(), headers, rawBody: undefined }, deps);
        return { status: response.status, body: response.body, code: (JSON.parse(response.body) as { error?: { code?: string } }).error?.code };
      };

      it.each([
        ['no Authorization header', () => undefined],
        ['an empty Authorization header', () => ''],
        ['another scheme', () => `Basic ${Buffer.from('agent:secret').toString('base64')}`],
        ['a valid credential under another scheme', () => `Token ${credential('admin@firm.example')}`],
        ['Bearer without a credential', () => 'Bearer'],
        ['two credentials', () => `Bearer ${credential('admin@firm.example')} ${credential('admin@firm.example')}`],
      ])('answers 401 to %s, without repeating it', async (_label, header) => {
        const authorization = header();
        const response = await call('GET', '/plans', authorization);
        expect(response).toMatchObject({ status: 401, code: 'unauthenticated' });
        if (authorization) expectNotEchoed(response.body, authorization.replace(/^\S+ /, ''));
      });

      it('answers 401 to an unknown credential', async () => {
        const [, presented] = fixture.unknownCredentials[0]!;
        const response = await call('GET', '/plans', `Bearer ${presented}`);
        expect(response).toMatchObject({ status: 401, code: 'unauthenticated' });
        expectNotEchoed(response.body, presented);
      });

      it('lets the configured roles decide: an agent may not approve, an approver may not propose', async () => {
        expect(await call('POST', '/plans/pln_0000abcd1234/approve', `Bearer ${credential('agent@firm.example')}`)).toMatchObject({
          status: 403,
          code: 'forbidden',
        });
        expect(await call('POST', '/plans', `Bearer ${credential('alice@firm.example')}`)).toMatchObject({ status: 403, code: 'forbidden' });
      });
    });
  });
}
