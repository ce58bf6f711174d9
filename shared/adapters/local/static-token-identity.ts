/**
 * Identity for the embedded mode: static bearer tokens from `BAILIFF_TOKENS`, or development
 * tokens generated on first start and kept in the state directory so restarts keep them.
 *
 * Tokens are secrets, so they are held and compared only as SHA-256 digests (a lookup by
 * digest reveals nothing about how much of a guess was right), and they never appear in an
 * error message or a log: a bad entry is named by its position and principal.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BailiffError, type ErrorDetail } from '../../errors.ts';
import { roleSchema, type IdentityVerifier, type Principal, type Role } from '../../ports/identity.ts';

/** RFC 6750 `b64token` characters, so every configured token can actually be sent as `Bearer <token>`. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Shorter secrets are guessable; generated tokens are 43 characters. */
export const MIN_TOKEN_LENGTH = 16;

export const tokenEntrySchema = z.strictObject({
  principal: z.string().trim().min(1).max(320),
  roles: z.array(roleSchema).min(1),
  /** Glob patterns of the cases this principal may touch; absent means every case. */
  cases: z.array(z.string().min(1).max(200)).min(1).optional(),
});
export type TokenEntry = z.infer<typeof tokenEntrySchema>;

/** A token with the principal it stands for: what `BAILIFF_TOKENS` holds, one entry per token. */
export interface DevelopmentToken extends TokenEntry {
  token: string;
}

/** The file, inside the state directory, that keeps generated development tokens. */
export const DEV_TOKENS_FILE = 'dev-tokens.json';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses a tokens document (`{"<token>": {"principal", "roles", "cases"?}}`). Throws
 * `invalid_input` listing every problem, naming entries as `token #n (principal)`, never by
 * the token itself.
 */
export function parseTokenConfig(json: string, source = 'BAILIFF_TOKENS'): DevelopmentToken[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new BailiffError('invalid_input', `invalid ${source}`, [{ path: source, message: 'not valid JSON' }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BailiffError('invalid_input', `invalid ${source}`, [{ path: source, message: 'expected an object of token → principal' }]);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) {
    throw new BailiffError('invalid_input', `invalid ${source}`, [{ path: source, message: 'no tokens: nobody could call the API' }]);
  }
  const problems: ErrorDetail[] = [];
  const tokens: DevelopmentToken[] = [];
  entries.forEach(([token, value], index) => {
    const principal = (value as { principal?: unknown } | null)?.principal;
    const name = `${source}[token #${index + 1}${typeof principal === 'string' ? ` (${principal.slice(0, 80)})` : ''}]`;
    if (token.length < MIN_TOKEN_LENGTH) problems.push({ path: name, message: `a token needs at least ${MIN_TOKEN_LENGTH} characters` });
    else if (!TOKEN_PATTERN.test(token)) problems.push({ path: name, message: 'a token may hold only letters, digits and - . _ ~ + / (then =)' });
    const parsed = tokenEntrySchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ path: [name, ...issue.path.map(String)].join('.'), message: issue.message });
      return;
    }
    tokens.push({ token, ...parsed.data });
  });
  if (problems.length > 0) throw new BailiffError('invalid_input', `invalid ${source}`, problems);
  return tokens;
}

/** IdentityVerifier over a fixed set of bearer tokens. */
export class StaticTokenIdentity implements IdentityVerifier {
  readonly #principals = new Map<string, { digest: Buffer; principal: Principal }>();

  constructor(tokens: readonly DevelopmentToken[]) {
    for (const entry of tokens) {
      const tokenDigest = digest(entry.token);
      const principal: Principal = Object.freeze({
        id: entry.principal,
        roles: Object.freeze([...entry.roles]) as readonly Role[],
        ...(entry.cases ? { cases: Object.freeze([...entry.cases]) } : {}),
      });
      this.#principals.set(tokenDigest.toString('hex'), { digest: tokenDigest, principal });
    }
  }

  /** From the `BAILIFF_TOKENS` JSON; throws `invalid_input` naming every bad field at start-up. */
  static fromJson(json: string): StaticTokenIdentity {
    return new StaticTokenIdentity(parseTokenConfig(json));
  }

  static fromTokens(tokens: readonly DevelopmentToken[]): StaticTokenIdentity {
    return new StaticTokenIdentity(tokens);
  }

  /** Throws `unauthenticated` for any token not configured. */
  async verify(bearerToken: string): Promise<Principal> {
    const presented = digest(bearerToken);
    const found = this.#principals.get(presented.toString('hex'));
    // The map lookup already decided; the constant-time comparison keeps it honest if the
    // lookup structure ever changes to something that compares prefixes.
    if (!found || !timingSafeEqual(found.digest, presented)) {
      throw new BailiffError('unauthenticated', 'the bearer token is not valid');
    }
    return found.principal;
  }
}

/** Who gets a development token: enough people to walk a plan through a four-eyes policy. */
const DEVELOPMENT_PRINCIPALS: readonly TokenEntry[] = [
  { principal: 'agent@local', roles: ['agent'] },
  { principal: 'approver@local', roles: ['approver'] },
  { principal: 'approver2@local', roles: ['approver'] },
  { principal: 'admin@local', roles: ['admin'] },
];

function serialise(tokens: readonly DevelopmentToken[]): string {
  const document: Record<string, TokenEntry> = {};
  for (const { token, ...entry } of tokens) document[token] = entry;
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Development tokens for the embedded mode without `BAILIFF_TOKENS`: read from
 * `<stateDir>/dev-tokens.json` if it exists (so a restart keeps them), otherwise generated and
 * written there with mode 0600. The file has the `BAILIFF_TOKENS` format, so it can be passed
 * back as that variable. Safe when two processes start at once: the file is created by an
 * atomic link, and the loser reads the winner's tokens.
 */
export function createDevelopmentTokens(stateDir: string): DevelopmentToken[] {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, DEV_TOKENS_FILE);
  const existing = readTokenFile(file);
  if (existing) return existing;

  const tokens = DEVELOPMENT_PRINCIPALS.map((entry) => ({ token: randomBytes(32).toString('base64url'), ...entry }));
  const staging = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(staging, serialise(tokens), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(staging, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readTokenFile(file) ?? tokens;
  } finally {
    unlinkSync(staging);
  }
  return tokens;
}

function readTokenFile(file: string): DevelopmentToken[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Someone loosened the permissions: secrets stay readable by the owner only.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseTokenConfig(text, DEV_TOKENS_FILE);
}
