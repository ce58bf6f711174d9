/**
 * The rules the TypeScript and the Python clients both implement, against the answers in
 * test/corpus/clients.json; agent/tests/test_corpus.py holds the Python package to the same.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planPageUrl } from '../domain/console-link.ts';
import { nameSimilarity } from '../domain/target-state.ts';
import { settingsFromEnvironment, type IdTokenAuth } from './auth.ts';
import { BailiffClient, WAIT_DEFAULTS } from './client.ts';

const corpus = JSON.parse(readFileSync(new URL('../../test/corpus/clients.json', import.meta.url), 'utf8')) as {
  nameSimilarity: { cases: Array<{ a: string; b: string; score: number }> };
  planPageUrl: { cases: Array<{ base: string; planId: string; url: string }> };
  idToken: { cases: Array<{ env: Record<string, string>; audience: string | null }> };
  waitDefaults: { timeoutMs: number; firstIntervalMs: number; growth: number; maxIntervalMs: number };
};

describe('the rules both clients share (test/corpus/clients.json)', () => {
  it.each(corpus.nameSimilarity.cases)('nameSimilarity($a, $b) = $score', ({ a, b, score }) => {
    expect(nameSimilarity(a, b)).toBe(score);
  });

  it.each(corpus.planPageUrl.cases)('the console link of $planId under $base', ({ base, planId, url }) => {
    expect(planPageUrl(base, planId)).toBe(url);
    expect(new BailiffClient({ baseUrl: base }).consoleUrl(planId)).toBe(url);
  });

  it.each(corpus.idToken.cases)('ID token or not for %j', async ({ env, audience }) => {
    const audiences: string[] = [];
    const idTokenAuth: IdTokenAuth = {
      async getIdTokenClient(wanted) {
        audiences.push(wanted);
        return { getRequestHeaders: async () => new Headers({ authorization: 'Bearer from-google' }) };
      },
    };
    const token = await settingsFromEnvironment(env, { idTokenAuth }).token();
    expect(audiences).toEqual(audience === null ? [] : [audience]);
    if (audience !== null) expect(token).toBe('from-google');
  });

  it('waits as long and polls as often by default', () => {
    const { $comment: _why, ...defaults } = corpus.waitDefaults as typeof corpus.waitDefaults & { $comment?: string };
    expect(WAIT_DEFAULTS).toEqual(defaults);
  });
});
