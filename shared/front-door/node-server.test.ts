/**
 * The node:http adapter over real sockets: raw request targets reach the core unchanged, and
 * the body limit holds against declared, chunked and anonymous uploads.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticTokenIdentity } from '../adapters/local/static-token-identity.ts';
import { silentLogger } from '../logging.ts';
import type { PlanApi } from '../services/plan-api.ts';
import { splitRequestTarget } from '../http/node-io.ts';
import { startHttpServer, type RunningServer } from './node-server.ts';

const TOKEN = 'agent-token-0123456789abcdef';
const received: unknown[] = [];

const api = {
  async propose(_principal: unknown, body: unknown) {
    received.push(body);
    return { plan: { id: 'pln_1', case: 'smith' }, report: {} };
  },
  async get(_principal: unknown, planId: string) {
    return { plan: { id: planId, case: 'smith' }, report: {} };
  },
} as unknown as PlanApi;

let server: RunningServer;

beforeAll(async () => {
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    deps: {
      api,
      identity: StaticTokenIdentity.fromTokens([{ token: TOKEN, principal: 'agent@test', roles: ['agent'] }]),
      health: async () => ({ state: { ok: true } }),
      limits: { maxBodyBytes: 1024 },
      logger: silentLogger,
    },
  });
});

afterAll(async () => {
  await server.close(1000);
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request whose body is written in chunks (no Content-Length unless given). */
function send(method: string, path: string, options: { headers?: Record<string, string>; chunks?: Buffer[] } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${server.url}${path}`, { method, headers: options.headers, agent: false }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts).toString() }));
    });
    // The server may answer and close before a refused body is fully sent; the answer still arrives.
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    for (const chunk of options.chunks ?? []) outgoing.write(chunk);
    outgoing.end();
  });
}

/** Sends a request target byte for byte, bypassing any client-side URL normalisation. */
function sendRaw(requestText: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.end(requestText));
    const parts: Buffer[] = [];
    socket.on('data', (part: Buffer) => parts.push(part));
    socket.on('end', () => resolve(Buffer.concat(parts).toString()));
    socket.on('error', reject);
  });
}

const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

describe('splitRequestTarget', () => {
  it.each([
    ['/plans?case=a&status=b', '/plans', 'case=a&status=b'],
    ['/plans', '/plans', ''],
    ['/plans/../health', '/plans/../health', ''],
    ['//evil.example/plans', '//evil.example/plans', ''],
    ['/a?b?c', '/a', 'b%3Fc='],
  ])('splits %s without normalising it', (target, path, query) => {
    const split = splitRequestTarget(target);
    expect(split.path).toBe(path);
    expect(split.query.toString()).toBe(query);
  });
});

describe('the node:http server', () => {
  it('serves the API on the address it reports', async () => {
    const health = await send('GET', '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', checks: { state: { ok: true } } });
    expect(health.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(health.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads a chunked body within the limit', async () => {
    const body = JSON.stringify({ case: 'smith', description: 'd', operations: [] });
    const answer = await send('POST', '/plans', { headers: json, chunks: [Buffer.from(body.slice(0, 10)), Buffer.from(body.slice(10))] });
    expect(answer.status).toBe(201);
    expect(received.at(-1)).toEqual(JSON.parse(body));
  });

  it('refuses a declared length above the limit with 413 without reading it', async () => {
    const answer = await send('POST', '/plans', { headers: { ...json, 'content-length': '5000' }, chunks: [Buffer.alloc(5000, 0x20)] });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
    expect(answer.headers.connection).toBe('close');
  });

  it('cuts off a chunked body as soon as it passes the limit', async () => {
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(512, 0x20));
    const answer = await send('POST', '/plans', { headers: json, chunks });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
  });

  it('answers an anonymous upload with 401 without reading its body', async () => {
    const answer = await send('POST', '/plans', { headers: { 'content-type': 'application/json' }, chunks: [Buffer.alloc(5000, 0x20)] });
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe('close');
  });

  it('keeps the raw path: dot segments and encoded slashes are not resolved into other routes', async () => {
    const dotted = await sendRaw(`GET /plans/../health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(dotted).toMatch(/^HTTP\/1\.1 404 /);
    const encoded = await sendRaw(`GET /plans/a%2Fb HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(encoded).toMatch(/^HTTP\/1\.1 400 /);
    expect(encoded).toContain('params.id');
  });

  it('closes gracefully with no request in flight', async () => {
    const extra = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      deps: { api, identity: StaticTokenIdentity.fromTokens([]), health: async () => ({}), limits: { maxBodyBytes: 10 }, logger: silentLogger },
    });
    await expect(extra.close(100)).resolves.toBeUndefined();
    expect(extra.server.listening).toBe(false);
  });
});
