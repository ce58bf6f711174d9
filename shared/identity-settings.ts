/**
 * The identity settings, as `parseConfig` reads them once into the shapes the identity adapters
 * take: `BAILIFF_TOKENS` (embedded mode), `BAILIFF_PRINCIPALS` and `BAILIFF_ID_TOKEN_CERTS`
 * (Google Cloud). An empty variable counts as unset.
 *
 * Tokens are secrets: a bad entry is named by its position and principal
 * (`BAILIFF_TOKENS[token #2 (alice@firm.example)].roles`), never by the token itself.
 */
import { z } from 'zod';
import { invalidInput, issuePath } from './errors.ts';
import { roleSchema, type Principal, type Role } from './ports/identity.ts';
import { canonicalPrincipalId, principalCollisions } from './domain/principal-id.ts';

/** RFC 6750 `b64token` characters, so every configured token can actually be sent as `Bearer <token>`. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Shorter secrets are guessable; generated tokens are 43 characters. */
const MIN_TOKEN_LENGTH = 16;

/** Glob patterns of the cases a principal may touch; absent means every case. */
const casesSchema = z.array(z.string().min(1).max(200)).min(1).optional();

const tokenEntrySchema = z.strictObject({
  principal: z.string().trim().min(1).max(320),
  roles: z.array(roleSchema).min(1),
  cases: casesSchema,
});
export type TokenEntry = z.infer<typeof tokenEntrySchema>;

/** A bearer token with the principal it stands for: one entry of `BAILIFF_TOKENS`. */
export interface StaticToken extends TokenEntry {
  token: string;
}

const principalEntrySchema = z.strictObject({
  roles: z.array(roleSchema).min(1),
  cases: casesSchema,
});

/** Principals by lower-cased e-mail address (a person or a service account). */
export type PrincipalDirectory = ReadonlyMap<string, Principal>;

/** Verification keys by key id (`kid`), in PEM: Google's published certificates, or a pinned set. */
export type VerificationCerts = Record<string, string>;

interface SettingProblem {
  path: PropertyKey[];
  message: string;
}

/** Reads a tokens document (`{"<token>": {"principal", "roles", "cases"?}}`), collecting every problem. */
function readTokens(raw: unknown): { tokens: StaticToken[]; problems: SettingProblem[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { tokens: [], problems: [{ path: [], message: 'expected an object of token → principal' }] };
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return { tokens: [], problems: [{ path: [], message: 'no tokens: nobody could call the API' }] };
  const problems: SettingProblem[] = [];
  const tokens: StaticToken[] = [];
  const written: Array<{ id: string; label: string }> = [];
  entries.forEach(([token, value], index) => {
    const principal = (value as { principal?: unknown } | null)?.principal;
    const entry = `[token #${index + 1}${typeof principal === 'string' ? ` (${principal.slice(0, 80)})` : ''}]`;
    if (token.length < MIN_TOKEN_LENGTH) problems.push({ path: [entry], message: `a token needs at least ${MIN_TOKEN_LENGTH} characters` });
    else if (!TOKEN_PATTERN.test(token)) problems.push({ path: [entry], message: 'a token may hold only letters, digits and - . _ ~ + / (then =)' });
    const parsed = tokenEntrySchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ path: [entry, ...issue.path], message: issue.message });
      return;
    }
    tokens.push({ token, ...parsed.data, principal: canonicalPrincipalId(parsed.data.principal) });
    written.push({ id: parsed.data.principal, label: entry });
  });
  // One person must not hold two approver identities: ids that fold or look alike are refused.
  for (const [first, second] of principalCollisions(written)) {
    problems.push({
      path: [second],
      message: `names the same person as ${first} (principal ids ignore letter case and look-alike characters); give each person one spelling`,
    });
  }
  return { tokens, problems };
}

/**
 * Parses a tokens document kept in a file (the development tokens); throws `invalid_input`
 * naming `source` and every bad entry, never a token.
 */
export function parseTokenDocument(json: string, source: string): StaticToken[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalidInput(`invalid ${source}`, [{ path: source, message: 'not valid JSON' }]);
  }
  const { tokens, problems } = readTokens(raw);
  if (problems.length > 0) {
    throw invalidInput(
      `invalid ${source}`,
      problems.map((problem) => ({ path: issuePath([source, ...problem.path]), message: problem.message })),
    );
  }
  return tokens;
}

/** A JSON document in an environment variable; unset or empty is `undefined`. Never quotes the text. */
export const jsonSetting = z
  .string()
  .optional()
  .transform((text, ctx): unknown => {
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      // zod's own messages would quote the text, and it may hold tokens.
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  });

/** `BAILIFF_TOKENS`: JSON `{ "<token>": { "principal": "...", "roles": [...], "cases": [...] } }`. */
export const tokensSetting = jsonSetting.transform((raw, ctx): StaticToken[] | undefined => {
  if (raw === undefined) return undefined;
  const { tokens, problems } = readTokens(raw);
  for (const problem of problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  return tokens;
});

/**
 * `BAILIFF_PRINCIPALS`: JSON `{ "<email>": { "roles": [...], "cases": [...] } }`. Addresses are
 * canonical principal ids (domain/principal-id.ts): letter case and compatibility forms are
 * ignored, and two addresses that look alike are refused.
 */
export const principalsSetting = jsonSetting
  .pipe(z.record(z.email(), principalEntrySchema).optional())
  .transform((entries, ctx): PrincipalDirectory | undefined => {
    if (entries === undefined) return undefined;
    const directory = new Map<string, Principal>();
    for (const [first, second] of principalCollisions(Object.keys(entries).map((email) => ({ id: email, label: email })))) {
      ctx.addIssue({ code: 'custom', path: [second], message: `names the same person as ${first} (addresses ignore letter case and look-alike characters)` });
    }
    for (const [email, entry] of Object.entries(entries)) {
      const key = canonicalPrincipalId(email);
      directory.set(key, {
        id: key,
        roles: Object.freeze([...entry.roles]) as readonly Role[],
        ...(entry.cases ? { cases: Object.freeze([...entry.cases]) } : {}),
      });
    }
    if (directory.size === 0) ctx.addIssue({ code: 'custom', message: 'no principals: nobody could call the API' });
    return directory;
  });

/** `BAILIFF_ID_TOKEN_CERTS`: JSON `{ "<kid>": "<PEM public key>" }`. */
export const idTokenCertsSetting = jsonSetting.pipe(z.record(z.string(), z.string().startsWith('-----BEGIN', 'a PEM public key (-----BEGIN …)')).optional());
