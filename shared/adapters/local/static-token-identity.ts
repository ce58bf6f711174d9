/**
 * Identity for the embedded mode: static bearer tokens from `BAILIFF_TOKENS`, or development
 * tokens generated on first start and kept in the state directory so restarts keep them.
 *
 * Tokens are secrets, so they are held and compared only as SHA-256 digests (a lookup by
 * digest reveals nothing about how much of a guess was right), and they never appear in an
 * error message or a log. `parseConfig` checks `BAILIFF_TOKENS` (`identity-settings.ts`);
 * this module takes the parsed tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BailiffError } from '../../errors.ts';
import { parseTokenDocument, type StaticToken, type TokenEntry } from '../../identity-settings.ts';
import type { IdentityVerifier, Principal, Role } from '../../ports/identity.ts';

/** The file, inside the state directory, that keeps generated development tokens. */
export const DEV_TOKENS_FILE = 'dev-tokens.json';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** IdentityVerifier over a fixed set of bearer tokens. */
export class StaticTokenIdentity implements IdentityVerifier {
  readonly #principals = new Map<string, { digest: Buffer; principal: Principal }>();

  constructor(tokens: readonly StaticToken[]) {
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

  /** From `BAILIFF_TOKENS` as `parseConfig` read it, or from the development tokens. */
  static fromTokens(tokens: readonly StaticToken[]): StaticTokenIdentity {
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

function serialise(tokens: readonly StaticToken[]): string {
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
export function createDevelopmentTokens(stateDir: string): StaticToken[] {
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

function readTokenFile(file: string): StaticToken[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Someone loosened the permissions: secrets stay readable by the owner only.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseTokenDocument(text, DEV_TOKENS_FILE);
}
