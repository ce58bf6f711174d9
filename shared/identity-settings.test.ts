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
    expect(error.details).toEqual([{ path: 'BAILIFF_TOKENS', message: 'not valid JSON' }, expect.objectContaining({ path: 'BAILIFF_PRINCIPALS.alice' })]);
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

describe('canonical principal ids', () => {
  const SECOND = 'second-token-0123456789abcdef';
  const tokens = (first: string, second: string) =>
    JSON.stringify({ [TOKEN]: { principal: first, roles: ['approver'] }, [SECOND]: { principal: second, roles: ['approver'] } });

  it('canonicalises principals once, where the tokens are read: case folded and NFKC', () => {
    const config = parseConfig({ BAILIFF_TOKENS: JSON.stringify({ [TOKEN]: { principal: ' Ａlice@Firm.Example ', roles: ['approver'] } }) });
    expect(config.BAILIFF_TOKENS![0]!.principal).toBe('alice@firm.example');
  });

  it.each([
    ['differ only in letter case', 'alice@firm', 'Alice@firm'],
    ['differ by a Cyrillic look-alike', 'alice@firm', '\u0430lice@firm'],
    ['differ by a Greek look-alike', 'bob@firm', 'b\u03BFb@firm'],
    ['differ by a compatibility form', 'alice@firm', 'ａlice@firm'],
    ['differ by an invisible character', 'alice@firm', 'al\u200Bice@firm'],
  ])('refuses two token entries whose principals %s, naming both entries', (_name, first, second) => {
    const error = configError({ BAILIFF_TOKENS: tokens(first, second) });
    expect(error.code).toBe('invalid_input');
    const problem = error.details.find((detail) => detail.message.includes('same person'));
    expect(problem?.path).toBe(`BAILIFF_TOKENS[token #2 (${second})]`);
    expect(problem?.message).toContain(`[token #1 (${first})]`);
    expect(JSON.stringify(error.details)).not.toContain(TOKEN);
  });

  it('refuses such a pair in a development tokens file too', () => {
    expect(() => parseTokenDocument(tokens('alice@firm', '\u0430lice@firm'), 'dev-tokens.json')).toThrow(/invalid dev-tokens.json/);
  });

  it('lets one person hold two tokens under one spelling, as one principal', () => {
    const config = parseConfig({ BAILIFF_TOKENS: tokens('alice@firm', 'alice@firm') });
    expect(config.BAILIFF_TOKENS!.map((entry) => entry.principal)).toEqual(['alice@firm', 'alice@firm']);
  });

  it('keeps different people apart', () => {
    const config = parseConfig({ BAILIFF_TOKENS: tokens('alice@firm', 'alicia@firm') });
    expect(config.BAILIFF_TOKENS!.map((entry) => entry.principal)).toEqual(['alice@firm', 'alicia@firm']);
  });

  it('refuses Google principals that look alike', () => {
    const error = configError({
      BAILIFF_PRINCIPALS: JSON.stringify({ 'alice@firm.example': { roles: ['approver'] }, '\u0430lice@firm.example': { roles: ['approver'] } }),
    });
    expect(error.details.map((detail) => detail.path)).toContain('BAILIFF_PRINCIPALS.\u0430lice@firm.example');
  });
});
