import { describe, expect, it } from 'vitest';
import { googleIdTokenSource, settingsFromEnvironment, type IdTokenAuth } from './auth.ts';

describe('googleIdTokenSource', () => {
  it('asks for an ID token client for the api URL once, and returns the bare token each time', async () => {
    const audiences: string[] = [];
    let minted = 0;
    const auth: IdTokenAuth = {
      async getIdTokenClient(audience) {
        audiences.push(audience);
        return { getRequestHeaders: async () => new Headers({ authorization: `Bearer id-token-${++minted}` }) };
      },
    };
    const source = googleIdTokenSource('https://bailiff-api.example.run.app', auth);
    expect(await source()).toBe('id-token-1');
    expect(await source()).toBe('id-token-2');
    expect(audiences).toEqual(['https://bailiff-api.example.run.app']);
  });

  it('is what an https BAILIFF_URL without a token uses, for that URL; BAILIFF_TOKEN wins over it', async () => {
    const audiences: string[] = [];
    const idTokenAuth: IdTokenAuth = {
      async getIdTokenClient(audience) {
        audiences.push(audience);
        return { getRequestHeaders: async () => new Headers({ authorization: 'Bearer from-google' }) };
      },
    };
    const settings = settingsFromEnvironment({ BAILIFF_URL: 'https://bailiff-api.example.run.app/' }, { idTokenAuth });
    expect(settings.baseUrl).toBe('https://bailiff-api.example.run.app');
    expect(await settings.token()).toBe('from-google');
    expect(audiences).toEqual(['https://bailiff-api.example.run.app']);
    const fixed = settingsFromEnvironment({ BAILIFF_URL: 'https://bailiff-api.example.run.app', BAILIFF_TOKEN: 'mine' }, { idTokenAuth });
    expect(await fixed.token()).toBe('mine');
    expect(audiences).toHaveLength(1);
  });
});
