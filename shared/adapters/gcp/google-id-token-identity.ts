/**
 * Identity on Google Cloud: Google-signed ID tokens (service accounts of agents, approvers'
 * accounts), verified with google-auth-library against Google's published keys and the api
 * function's URL as audience, then mapped to roles through `BAILIFF_PRINCIPALS`.
 *
 * The split of failures is deliberate: a token that cannot be verified is `unauthenticated`
 * (401: we do not know who this is), a verified account that is not listed is `forbidden`
 * (403: we know who, and they may not), and Google's keys being unreachable is `unavailable`
 * (503: retry later), never a 401 that would send a caller off to fix a good token.
 */
import { OAuth2Client } from 'google-auth-library';
import type { Config } from '../../config.ts';
import { type BailiffError, forbidden, invalidInput, unauthenticated, unavailable } from '../../errors.ts';
import type { PrincipalDirectory, VerificationCerts } from '../../identity-settings.ts';
import type { IdentityVerifier, Principal } from '../../ports/identity.ts';
import { canonicalPrincipalId } from '../../domain/principal-id.ts';

function configError(path: string, message: string): BailiffError {
  return invalidInput('invalid configuration', [{ path, message }]);
}

export interface GoogleIdTokenIdentityOptions {
  /** The `aud` every token must carry: the api function's URL. */
  audience: string;
  /**
   * Further accepted audiences: the OAuth client ID of the console's Google Sign-In, whose ID
   * tokens name that client rather than the api URL. Same issuer, key and e-mail checks.
   */
  additionalAudiences?: readonly string[];
  principals: PrincipalDirectory;
  /** Defaults to a fresh client, which fetches and caches Google's certificates. */
  client?: OAuth2Client;
  /** Fixed verification keys instead of Google's (tests, or a pinned key set): no network at all. */
  certs?: VerificationCerts;
}

/**
 * google-auth-library's messages quote the token or its payload; this keeps a reason safe to
 * return and to log.
 */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const reasons: Array<[RegExp, string]> = [
    [/^Wrong number of segments/, 'not a JWT'],
    [/^Can't parse token/, 'not a JWT'],
    [/^No pem found/, 'signed with an unknown key'],
    [/^Invalid token signature/, 'bad signature'],
    [/^No issue time|^iat field/, 'no valid issue time'],
    [/^No expiration time|^exp field/, 'no valid expiry'],
    [/^Expiration time too far/, 'lifetime too long'],
    [/^Token used too early/, 'not valid yet'],
    [/^Token used too late/, 'expired'],
    [/^Invalid issuer/, 'not issued by Google'],
    [/^Wrong recipient/, 'issued for another audience'],
  ];
  return reasons.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid token';
}

/** IdentityVerifier for Google-signed ID tokens. */
export class GoogleIdTokenIdentity implements IdentityVerifier {
  readonly #audience: string[];
  readonly #principals: PrincipalDirectory;
  readonly #client: OAuth2Client;
  readonly #certs: VerificationCerts | undefined;

  constructor(options: GoogleIdTokenIdentityOptions) {
    if (!options.audience) throw configError('BAILIFF_AUDIENCE', 'required: the api function URL tokens are issued for');
    this.#audience = [options.audience, ...(options.additionalAudiences ?? [])];
    this.#principals = options.principals;
    this.#client = options.client ?? new OAuth2Client();
    this.#certs = options.certs;
  }

  /**
   * From `BAILIFF_AUDIENCE` and `BAILIFF_PRINCIPALS` as `parseConfig` read them, both required;
   * throws `invalid_input` naming the missing variable.
   */
  static fromConfig(
    config: Pick<Config, 'BAILIFF_AUDIENCE' | 'BAILIFF_PRINCIPALS'> & Partial<Pick<Config, 'BAILIFF_OAUTH_CLIENT_ID'>>,
    options: Pick<GoogleIdTokenIdentityOptions, 'client' | 'certs'> = {},
  ): GoogleIdTokenIdentity {
    if (!config.BAILIFF_AUDIENCE) throw configError('BAILIFF_AUDIENCE', 'required: the api function URL tokens are issued for');
    if (!config.BAILIFF_PRINCIPALS) throw configError('BAILIFF_PRINCIPALS', 'required: who may call, with which roles');
    return new GoogleIdTokenIdentity({
      audience: config.BAILIFF_AUDIENCE,
      ...(config.BAILIFF_OAUTH_CLIENT_ID ? { additionalAudiences: [config.BAILIFF_OAUTH_CLIENT_ID] } : {}),
      principals: config.BAILIFF_PRINCIPALS,
      ...options,
    });
  }

  /**
   * Throws `unauthenticated` for a token that does not verify or has no verified e-mail,
   * `forbidden` for a verified account not in `BAILIFF_PRINCIPALS`, `unavailable` when
   * Google's certificates cannot be fetched. Service-account tokens must be requested with
   * `format=full` (google-auth-library's ID token clients do), or they carry no e-mail.
   */
  async verify(bearerToken: string): Promise<Principal> {
    let payload: { email?: string; email_verified?: boolean } | undefined;
    try {
      const ticket = this.#certs
        ? await this.#client.verifySignedJwtWithCertsAsync(bearerToken, this.#certs, this.#audience, this.#client.issuers)
        : await this.#client.verifyIdToken({ idToken: bearerToken, audience: this.#audience });
      payload = ticket.getPayload();
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('Failed to retrieve verification certificates')) {
        throw unavailable("cannot fetch Google's token verification keys", [], error);
      }
      const reason = reasonOf(error);
      throw unauthenticated('the ID token could not be verified', [{ message: reason, reason }]);
    }
    if (!payload?.email || payload.email_verified !== true) {
      throw unauthenticated('the ID token carries no verified e-mail address', [
        { message: 'no verified e-mail (request service-account tokens with format=full)', reason: 'no_verified_email' },
      ]);
    }
    // The directory is keyed by canonical ids (identity-settings.ts): the e-mail is canonicalised the same way.
    const principal = this.#principals.get(canonicalPrincipalId(payload.email));
    if (!principal) throw forbidden(`${payload.email} is not a Bailiff principal`);
    return principal;
  }
}
