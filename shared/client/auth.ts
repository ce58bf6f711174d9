/**
 * Where the client finds Bailiff and how it proves who it is, from the environment:
 *   BAILIFF_URL       the api, such as http://127.0.0.1:8080 or the Cloud Run function's URL
 *   BAILIFF_TOKEN     a bearer token (the embedded server's tokens, or any token you hold)
 *   BAILIFF_AUDIENCE  the audience of minted ID tokens, when it is not BAILIFF_URL itself
 * The rule for ID tokens (`usesGoogleIdToken`, the same in the Python package): without
 * BAILIFF_TOKEN on an https URL, a Google ID token for BAILIFF_AUDIENCE (default: the URL) is
 * minted from the environment's service-account credentials (the runtime's on Cloud, or
 * GOOGLE_APPLICATION_CREDENTIALS), which is what the deployed api verifies.
 */
import { z } from 'zod';
import { invalidInput } from '../errors.ts';

export type TokenSource = () => Promise<string | undefined>;

export interface ClientSettings {
  baseUrl: string;
  token: TokenSource;
}

const environmentSchema = z.object({
  BAILIFF_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  BAILIFF_TOKEN: z.string().min(1).optional(),
  BAILIFF_AUDIENCE: z.url({ protocol: /^https?$/ }).optional(),
});

/** Whether a client without a static token proves itself with a Google ID token: on an https api only. */
export function usesGoogleIdToken(settings: { baseUrl: string; hasToken: boolean }): boolean {
  return !settings.hasToken && settings.baseUrl.startsWith('https://');
}

/** Reads BAILIFF_URL, BAILIFF_TOKEN and BAILIFF_AUDIENCE; a bad value is an invalid_input naming the variable. */
export function settingsFromEnvironment(env: Record<string, string | undefined> = process.env, options: { idTokenAuth?: IdTokenAuth } = {}): ClientSettings {
  const parsed = environmentSchema.safeParse({
    BAILIFF_URL: env.BAILIFF_URL || undefined,
    BAILIFF_TOKEN: env.BAILIFF_TOKEN || undefined,
    BAILIFF_AUDIENCE: env.BAILIFF_AUDIENCE || undefined,
  });
  if (!parsed.success) {
    throw invalidInput(
      'invalid client configuration',
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  const baseUrl = parsed.data.BAILIFF_URL.replace(/\/+$/, '');
  const token = parsed.data.BAILIFF_TOKEN;
  if (token) return { baseUrl, token: async () => token };
  if (usesGoogleIdToken({ baseUrl, hasToken: false })) {
    return { baseUrl, token: googleIdTokenSource(parsed.data.BAILIFF_AUDIENCE?.replace(/\/+$/, '') ?? baseUrl, options.idTokenAuth) };
  }
  return { baseUrl, token: async () => undefined };
}

/** What the token source needs of google-auth-library's GoogleAuth. */
export interface IdTokenAuth {
  getIdTokenClient(audience: string): Promise<{ getRequestHeaders(): Promise<Headers> }>;
}

/**
 * Google ID tokens for `audience`, from Application Default Credentials; the library caches
 * and refreshes them. `auth` is GoogleAuth unless a caller hands in another.
 */
export function googleIdTokenSource(audience: string, auth?: IdTokenAuth): TokenSource {
  let client: Promise<{ getRequestHeaders(): Promise<Headers> }> | undefined;
  return async () => {
    client ??= (auth ? Promise.resolve(auth) : import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth())).then((source) =>
      source.getIdTokenClient(audience),
    );
    const headers = await (await client).getRequestHeaders();
    return headers.get('authorization')?.replace(/^Bearer\s+/i, '');
  };
}
