/**
 * The function handler inside the real functions framework (its test server), so the bytes
 * the framework's own body parsers leave in `rawBody` are what the core sees.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticTokenIdentity } from '../adapters/local/static-token-identity.ts';
import { silentLogger } from '../logging.ts';
import type { PlanApi } from '../services/plan-api.ts';
import { createFunctionHandler, type FunctionRequest } from './function-handler.ts';
import { ROUTES } from '../http/routes.ts';

const TOKEN = 'agent-token-0123456789abcdef';
const received: unknown[] = [];

const api = {
  async propose(_principal: unknown, body: unknown) {
    received.push(body);
    return { plan: { id: 'pln_1', case: 'smith' }, report: {} };
  },
  async list(_principal: unknown, query: unknown) {
    received.push(query);
    return { plans: [] };
  },
} as unknown as PlanApi;

const handler = createFunctionHandler({
  api,
  identity: StaticTokenIdentity.fromTokens([{ token: TOKEN, principal: 'agent@test', roles: ['agent'] }]),
  health: async () => ({ state: { ok: true } }),
  limits: { maxBodyBytes: 1024 },
  logger: silentLogger,
  console: { googleClientId: '123-console.apps.googleusercontent.com' },
});
http('bailiffApiUnderTest', (request, response) => handler(request as unknown as FunctionRequest, response));

let server: Server;
let base: string;

beforeAll(async () => {
  server = getTestServer('bailiffApiUnderTest');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('createFunctionHandler under the functions framework', () => {
  it('answers health without a token', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { state: { ok: true } } });
  });

  it("serves the approver's console under /ui/, with Google sign-in allowed by its CSP when configured", async () => {
    const page = await fetch(`${base}/ui/plans/pln_0000000001`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self' https://accounts.google.com/gsi/client");
    expect(await page.text()).toContain('<base href="../">');
    expect(await (await fetch(`${base}/ui/config.json`)).json()).toEqual({ googleClientId: '123-console.apps.googleusercontent.com' });
    const script = await fetch(`${base}/ui/assets/app.js`);
    expect(script.status).toBe(200);
    expect((await fetch(`${base}/ui/assets/app.js`, { headers: { 'if-none-match': script.headers.get('etag')! } })).status).toBe(304);
  });

  it('re-parses the raw JSON body the framework kept', async () => {
    const body = { case: 'smith', description: 'd', operations: [] };
    const response = await fetch(`${base}/plans`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    expect(received.at(-1)).toEqual(body);
  });

  it('routes on the raw path and query', async () => {
    const response = await fetch(`${base}/plans?case=smith&limit=3`, { headers: auth });
    expect(response.status).toBe(200);
    expect(received.at(-1)).toEqual({ case: 'smith', limit: 3 });
  });

  it('refuses a body the framework parsed as text, by content type', async () => {
    const response = await fetch(`${base}/plans`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('unsupported content type');
  });

  it('applies the body limit to what the framework read', async () => {
    const response = await fetch(`${base}/plans`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'x'.repeat(2000) }),
    });
    expect(response.status).toBe(413);
  });

  it('applies the body limit to an MCP request the framework read whole', async () => {
    const response = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { padding: 'x'.repeat(2000) } }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
  });

  it('answers 401 without a token', async () => {
    const response = await fetch(`${base}/plans`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="bailiff"');
  });

  // With the console on, Cloud Run lets anyone's request through to the api (infra/iam.tf,
  // api_browsers), so this gate is the only one: every route of the table but the two public
  // ones must refuse a request that carries no token, or a token Bailiff does not know, before
  // the api sees it.
  const gated = ROUTES.filter((route) => route.access !== 'public');
  it.each(gated.map((route) => [`${route.method} ${route.path}`, route] as const))(
    'refuses %s without a valid token, before the api sees it',
    async (_name, route) => {
      const url = `${base}${route.path.replace(/\{[^}]+\}/g, 'x1')}`;
      const body = route.method === 'GET' ? undefined : '{}';
      const before = received.length;
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-known-token-0123456789' }, { authorization: TOKEN }];
      for (const headers of attempts) {
        if (body) headers['content-type'] = 'application/json';
        const response = await fetch(url, { method: route.method, headers, body });
        expect(response.status, JSON.stringify(headers)).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      }
      expect(received.length).toBe(before);
    },
  );

  it('leaves public only the health check, the API document and the console', () => {
    expect(ROUTES.filter((route) => route.access === 'public').map((route) => `${route.method} ${route.path}`)).toEqual(['GET /health', 'GET /openapi.json']);
  });
});
