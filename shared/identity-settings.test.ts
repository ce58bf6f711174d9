import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { BailiffError, issuePath } from './errors.ts';
import { parseTokenDocument } from './identity-settings.ts';

const TOKEN = 'secret-token-0123456789abcdef';
const PEM = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n';

function configError(env: Record<string, string>): BailiffError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof BailiffError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('identity settings in parseConfig', () => {
  it('reads each variable once into its typed shape', () => {
    const config = parseConfig({
      BAILIFF_TOKENS: JSON.stringify({ [TOKEN]: { principal: ' agent@firm.example ', roles: ['agent'], cases: ['smith-*'] } }),
      BAILIFF_PRINCIPALS: JSON.stringify({ 'Alice@Firm.Example': { roles: ['approver'] } }),
      BAILIFF_ID_TOKEN_CERTS: JSON.stringify({ kid1: PEM }),
    });
    expect(config.BAILIFF_TOKENS).toEqual([{ token: TOKEN, principal: 'agent@firm.example', roles: ['agent'], cases: ['smith-*'] }]);
    expect([...config.BAILIFF_PRINCIPALS!]).toEqual([['alice@firm.example', { id: 'alice@firm.example', roles: ['approver'] }]]);
    expect(config.BAILIFF_ID_TOKEN_CERTS).toEqual({ kid1: PEM });
  });

  it('treats unset and empty variables alike', () => {
    for (const env of [{}, { BAILIFF_TOKENS: '', BAILIFF_PRINCIPALS: '', BAILIFF_ID_TOKEN_CERTS: '' }]) {
      const config = parseConfig(env);
      expect([config.BAILIFF_TOKENS, config.BAILIFF_PRINCIPALS, config.BAILIFF_ID_TOKEN_CERTS]).toEqual([undefined, undefined, undefined]);
    }
  });

  it.each([
    ['not JSON', '{', 'BAILIFF_ID_TOKEN_CERTS'],
    ['an array', '[]', 'BAILIFF_ID_TOKEN_CERTS'],
    ['a key that is not PEM', JSON.stringify({ kid1: 'MIIB' }), 'BAILIFF_ID_TOKEN_CERTS.kid1'],
  ])('refuses pinned certificates that are %s, naming the variable and key', (_name, value, path) => {
    const error = configError({ BAILIFF_ID_TOKEN_CERTS: value });
    expect(error.code).toBe('invalid_input');
    expect(error.details.map((detail) => detail.path)).toEqual([path]);
  });

  it('names every bad variable at once, and never a token, even in JSON it cannot read', () => {
    const error = configError({ BAILIFF_TOKENS: `{"${TOKEN}": {"principal": `, BAILIFF_PRINCIPALS: '{"alice": {"roles": ["approver"]}}' });
    expect(error.details).toEqual([
      { path: 'BAILIFF_TOKENS', message: 'not valid JSON' },
      expect.objectContaining({ path: 'BAILIFF_PRINCIPALS.alice' }),
    ]);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
  });
});

describe('parseTokenDocument', () => {
  it('names the file and the entry, not the token', () => {
    let caught: unknown;
    try {
      parseTokenDocument(JSON.stringify({ [TOKEN]: { principal: 'a@x', roles: ['root'] } }), 'dev-tokens.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BailiffError);
    expect((caught as BailiffError).message).toBe('invalid dev-tokens.json');
    expect((caught as BailiffError).details.map((detail) => detail.path)).toEqual(['dev-tokens.json[token #1 (a@x)].roles.0']);
    expect(JSON.stringify((caught as BailiffError).details)).not.toContain(TOKEN);
  });
});

describe('issuePath', () => {
  it('joins fields with dots and attaches bracketed entry names', () => {
    expect(issuePath(['operations', 3, 'destination'])).toBe('operations.3.destination');
    expect(issuePath(['BAILIFF_TOKENS', '[token #2 (alice)]', 'roles', 0])).toBe('BAILIFF_TOKENS[token #2 (alice)].roles.0');
    expect(issuePath([])).toBe('');
  });
});
