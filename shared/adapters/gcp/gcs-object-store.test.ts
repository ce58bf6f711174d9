/**
 * Unit tests of the Cloud Storage adapter's own logic: error translation, and the exact
 * requests it sends where fake-gcs-server cannot tell right from wrong (it ignores rewrite and
 * delete preconditions and never splits a rewrite). A local HTTP server records the requests
 * and plays scripted answers; the behaviour against a real backend is the contract suite's job.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BailiffError, type ErrorCode } from '../../errors.ts';
import { createGcsStorage, GcsObjectStore, translateGcsError } from './gcs-object-store.ts';

describe('translateGcsError', () => {
  const cases: Array<[string, unknown, ErrorCode]> = [
    ['412 precondition', { code: 412, message: 'conditionNotMet' }, 'precondition_failed'],
    ['404 not found', { code: 404, message: 'No such object' }, 'not_found'],
    ['429 rate limit', { code: 429, message: 'slow down' }, 'rate_limited'],
    ['403 rateLimitExceeded', { code: 403, errors: [{ reason: 'rateLimitExceeded' }] }, 'rate_limited'],
    ['403 forbidden', { code: 403, errors: [{ reason: 'forbidden' }] }, 'internal'],
    ['401 unauthenticated', { code: 401 }, 'internal'],
    ['400 bad request', { code: 400, message: 'Invalid argument' }, 'invalid_input'],
    ['408 timeout', { code: 408 }, 'unavailable'],
    ['500', { code: 500 }, 'unavailable'],
    ['503 as a string', { code: '503' }, 'unavailable'],
    ['status on the response only', { response: { statusCode: 502 } }, 'unavailable'],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unavailable'],
    ['fetch system error', Object.assign(new Error('request failed'), { type: 'system', errno: 'ECONNRESET' }), 'unavailable'],
    ['socket hang up', new Error('socket hang up'), 'unavailable'],
    ['nested cause', new Error('wrapped', { cause: { code: 'ETIMEDOUT' } }), 'unavailable'],
    // The answer's status was 200, then its body broke off: the outcome is unknown, not an error of ours.
    [
      'body broken after a 200',
      Object.assign(new Error('Invalid response body while trying to fetch ...: Premature close'), {
        type: 'system',
        code: 'ERR_STREAM_PREMATURE_CLOSE',
        response: { statusCode: 200 },
      }),
      'unavailable',
    ],
    ['anything else', new Error('surprise'), 'internal'],
    ['not an error at all', 'boom', 'internal'],
  ];

  it.each(cases)('%s → %s', (_label, vendor, code) => {
    const translated = translateGcsError(vendor, 'op');
    expect(translated).toBeInstanceOf(BailiffError);
    expect(translated.code).toBe(code);
    expect(translated.cause).toBe(vendor);
    expect(translated.message.startsWith('op: ')).toBe(true);
  });

  it('names what Cloud Storage said, also when the library lost the words in `[object Object]`', () => {
    expect(translateGcsError({ code: 503, message: 'Backend Error' }, 'op').message).toBe('op: Cloud Storage answered 503: Backend Error');
    expect(translateGcsError({ code: 503, message: '[object Object]', errors: [{ message: 'Retry Test: Caused a 503' }] }, 'op').message).toBe(
      'op: Cloud Storage answered 503: Retry Test: Caused a 503',
    );
    expect(translateGcsError({ code: 503, message: '[object Object]' }, 'op').message).toBe('op: Cloud Storage answered 503');
  });

  it('passes BailiffErrors through untouched', () => {
    const original = new BailiffError('conflict', 'already translated');
    expect(translateGcsError(original, 'op')).toBe(original);
  });
});

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

type Answer = { status: number; json?: unknown };

/** A local HTTP server that records requests and answers from a script, one answer per request. */
async function scriptedServer(answers: Answer[]): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://stub');
      requests.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString() });
      const answer = answers.shift() ?? { status: 500, json: { error: { code: 500, message: 'script exhausted' } } };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.json === undefined ? '' : JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

const resource = (name: string, generation: string) => ({
  kind: 'storage#object',
  name,
  bucket: 'bkt',
  size: '3',
  generation,
  md5Hash: 'rL0Y20zC+Fzt72VPzMSk2A==',
  crc32c: 'AAAAAA==',
  updated: '2026-01-02T03:04:05.000Z',
  metadata: { 'bailiff-plan': 'p1', gone: null },
});

const errorBody = (code: number) => ({ error: { code, message: `status ${code}`, errors: [{ reason: 'x', message: `status ${code}` }] } });

describe('GcsObjectStore requests', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  // `maxRetries: 0` would be read as "unset" (3) by the library, so no retries means autoRetry off.
  const storeFor = (url: string, maxRetries = 0) =>
    new GcsObjectStore({
      storage: createGcsStorage({
        apiEndpoint: url,
        projectId: 'p',
        retryOptions: maxRetries === 0 ? { autoRetry: false } : { maxRetries, maxRetryDelay: 0.05, totalTimeout: 5 },
      }),
      bucket: 'bkt',
      maxBytesRewrittenPerCall: 1_048_576,
    });

  it('copy sends both preconditions as query parameters and repeats everything on rewrite-token continuations', async () => {
    const stub = await scriptedServer([
      { status: 200, json: { ...resource('src/a.txt', '5'), contentType: 'application/pdf', cacheControl: 'private' } },
      { status: 200, json: { kind: 'storage#rewriteResponse', done: false, rewriteToken: 'token-1', totalBytesRewritten: '1' } },
      { status: 200, json: { kind: 'storage#rewriteResponse', done: false, rewriteToken: 'token-2', totalBytesRewritten: '2' } },
      { status: 200, json: { kind: 'storage#rewriteResponse', done: true, resource: resource('dst/b.txt', '77') } },
    ]);
    server = stub.server;
    const info = await storeFor(stub.url).copy('src/a.txt', 'dst/b.txt', {
      ifSourceGenerationMatch: '5',
      ifGenerationMatch: '0',
      metadata: { 'bailiff-plan': 'p1' },
    });
    expect(info).toEqual({
      name: 'dst/b.txt',
      size: 3,
      generation: '77',
      updated: '2026-01-02T03:04:05.000Z',
      md5: 'rL0Y20zC+Fzt72VPzMSk2A==',
      crc32c: 'AAAAAA==',
      metadata: { 'bailiff-plan': 'p1' },
    });
    const [read, ...rewrites] = stub.requests;
    // The source's headers are read (at the generation required) so the new metadata does not drop them.
    expect([read?.method, read?.path, read?.query.get('ifGenerationMatch')]).toEqual(['GET', '/storage/v1/b/bkt/o/src%2Fa.txt', '5']);
    expect(rewrites.map((request) => [request.method, request.path, request.query.get('rewriteToken')])).toEqual([
      ['POST', '/storage/v1/b/bkt/o/src%2Fa.txt/rewriteTo/b/bkt/o/dst%2Fb.txt', null],
      ['POST', '/storage/v1/b/bkt/o/src%2Fa.txt/rewriteTo/b/bkt/o/dst%2Fb.txt', 'token-1'],
      ['POST', '/storage/v1/b/bkt/o/src%2Fa.txt/rewriteTo/b/bkt/o/dst%2Fb.txt', 'token-2'],
    ]);
    for (const request of rewrites) {
      expect(request.query.get('ifSourceGenerationMatch')).toBe('5');
      expect(request.query.get('ifGenerationMatch')).toBe('0');
      expect(request.query.get('maxBytesRewrittenPerCall')).toBe('1048576');
      expect(JSON.parse(request.body)).toEqual({
        metadata: { 'bailiff-plan': 'p1' },
        contentType: 'application/pdf',
        cacheControl: 'private',
      });
    }
  });

  it('copy without new metadata sends an empty body, so Cloud Storage copies the source metadata', async () => {
    const stub = await scriptedServer([{ status: 200, json: { done: true, resource: resource('b', '2') } }]);
    server = stub.server;
    await storeFor(stub.url).copy('a', 'b');
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.body).toBe('{}');
  });

  it('copy translates a 412 from the destination check', async () => {
    const stub = await scriptedServer([{ status: 412, json: errorBody(412) }]);
    server = stub.server;
    await expect(storeFor(stub.url).copy('a', 'b', { ifGenerationMatch: '0' })).rejects.toMatchObject({ code: 'precondition_failed' });
  });

  it('delete sends ifGenerationMatch and translates 412 and 404', async () => {
    const stub = await scriptedServer([
      { status: 412, json: errorBody(412) },
      { status: 404, json: errorBody(404) },
    ]);
    server = stub.server;
    const store = storeFor(stub.url);
    await expect(store.delete('a/b.txt', { ifGenerationMatch: '42' })).rejects.toMatchObject({ code: 'precondition_failed' });
    await expect(store.delete('a/b.txt')).rejects.toMatchObject({ code: 'not_found' });
    expect(stub.requests.map((request) => [request.method, request.path, request.query.get('ifGenerationMatch')])).toEqual([
      ['DELETE', '/storage/v1/b/bkt/o/a%2Fb.txt', '42'],
      ['DELETE', '/storage/v1/b/bkt/o/a%2Fb.txt', null],
    ]);
  });

  it('retries a conditional delete after a 503, but never an unconditional one', async () => {
    const stub = await scriptedServer([{ status: 503, json: errorBody(503) }, { status: 204 }, { status: 503, json: errorBody(503) }, { status: 204 }]);
    server = stub.server;
    const store = storeFor(stub.url, 2);
    await store.delete('x', { ifGenerationMatch: '9' });
    expect(stub.requests).toHaveLength(2);
    await expect(store.delete('x')).rejects.toMatchObject({ code: 'unavailable' });
    expect(stub.requests).toHaveLength(3);
  });

  it('maps 429 to rate_limited and 500 to unavailable on reads', async () => {
    const stub = await scriptedServer([
      { status: 429, json: errorBody(429) },
      { status: 500, json: errorBody(500) },
    ]);
    server = stub.server;
    const store = storeFor(stub.url);
    await expect(store.stat('a')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(store.stat('a')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('health() lists at most one object and fails as unavailable, whatever went wrong', async () => {
    const stub = await scriptedServer([
      { status: 200, json: { kind: 'storage#objects' } },
      { status: 403, json: errorBody(403) },
    ]);
    server = stub.server;
    const store = storeFor(stub.url);
    await store.health();
    await expect(store.health()).rejects.toMatchObject({ code: 'unavailable' });
    expect(stub.requests[0]?.path).toBe('/storage/v1/b/bkt/o');
    expect(stub.requests[0]?.query.get('maxResults')).toBe('1');
  });

  it('health() and reads fail as unavailable when nothing listens', async () => {
    const stub = await scriptedServer([]);
    const url = stub.url;
    await new Promise<void>((resolve) => stub.server.close(() => resolve()));
    const store = storeFor(url);
    await expect(store.health()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.read('a')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses content under a folder-marker name before calling Cloud Storage', async () => {
    const stub = await scriptedServer([]);
    server = stub.server;
    await expect(storeFor(stub.url).write('a/', Buffer.from('x'))).rejects.toMatchObject({ code: 'invalid_input' });
    expect(stub.requests).toHaveLength(0);
  });
});
