import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.ts';
import { BailiffError } from '../../errors.ts';
import { createDevelopmentTokens, DEV_TOKENS_FILE, StaticTokenIdentity } from './static-token-identity.ts';

// What a configured token stands for, and which tokens are refused, is the Identity contract's
// (test/contract/identity.contract.ts); here: reading BAILIFF_TOKENS and the development tokens.
const AGENT_TOKEN = 'agent-token-0123456789abcdef';

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<BailiffError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof BailiffError) return error;
    throw error;
  }
  throw new Error('expected a BailiffError');
}

describe('BAILIFF_TOKENS', () => {
  it.each([
    ['not JSON', '{nope', 'BAILIFF_TOKENS'],
    ['an array', '[]', 'BAILIFF_TOKENS'],
    ['no tokens', '{}', 'BAILIFF_TOKENS'],
    ['an unknown role', JSON.stringify({ [AGENT_TOKEN]: { principal: 'a@x', roles: ['root'] } }), 'BAILIFF_TOKENS[token #1 (a@x)].roles.0'],
    ['no roles', JSON.stringify({ [AGENT_TOKEN]: { principal: 'a@x', roles: [] } }), 'BAILIFF_TOKENS[token #1 (a@x)].roles'],
    ['no principal', JSON.stringify({ [AGENT_TOKEN]: { roles: ['agent'] } }), 'BAILIFF_TOKENS[token #1].principal'],
    ['an unknown field', JSON.stringify({ [AGENT_TOKEN]: { principal: 'a@x', roles: ['agent'], admin: true } }), 'BAILIFF_TOKENS[token #1 (a@x)]'],
    ['a short token', JSON.stringify({ short: { principal: 'a@x', roles: ['agent'] } }), 'BAILIFF_TOKENS[token #1 (a@x)]'],
    ['a token with spaces', JSON.stringify({ 'has spaces in it, sixteen+': { principal: 'a@x', roles: ['agent'] } }), 'BAILIFF_TOKENS[token #1 (a@x)]'],
  ])('refuses a configuration with %s, naming the field but never the token', async (_name, json, path) => {
    const error = await failure(() => parseConfig({ BAILIFF_TOKENS: json }));
    expect(error.code).toBe('invalid_input');
    expect(error.details.map((detail) => detail.path)).toContain(path);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(AGENT_TOKEN);
  });
});

describe('createDevelopmentTokens', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-tokens-'));
    dirs.push(dir);
    return join(dir, 'state');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates an agent, two approvers and an admin, in a 0600 file usable as BAILIFF_TOKENS', async () => {
    const dir = stateDir();
    const tokens = createDevelopmentTokens(dir);
    expect(tokens.map((token) => [token.principal, token.roles])).toEqual([
      ['agent@local', ['agent']],
      ['approver@local', ['approver']],
      ['approver2@local', ['approver']],
      ['admin@local', ['admin']],
    ]);
    expect(new Set(tokens.map((token) => token.token)).size).toBe(4);
    const file = join(dir, DEV_TOKENS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseConfig({ BAILIFF_TOKENS: readFileSync(file, 'utf8') }).BAILIFF_TOKENS).toEqual(tokens);
    const identity = StaticTokenIdentity.fromTokens(tokens);
    await expect(identity.verify(tokens[1]!.token)).resolves.toMatchObject({ id: 'approver@local', roles: ['approver'] });
  });

  it('reuses the file on restart, tightening loosened permissions', () => {
    const dir = stateDir();
    const first = createDevelopmentTokens(dir);
    chmodSync(join(dir, DEV_TOKENS_FILE), 0o644);
    expect(createDevelopmentTokens(dir)).toEqual(first);
    expect(statSync(join(dir, DEV_TOKENS_FILE)).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged file instead of silently replacing tokens people use', async () => {
    const dir = stateDir();
    createDevelopmentTokens(dir);
    writeFileSync(join(dir, DEV_TOKENS_FILE), '{"short": {"principal": "x", "roles": ["agent"]}}');
    const error = await failure(() => createDevelopmentTokens(dir));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain(DEV_TOKENS_FILE);
  });
});
