/**
 * Routing, parsing, limits, authentication and error mapping of the HTTP core, driven with a
 * small fake PlanApi that records calls and throws on demand. What PlanService itself does is
 * tested end to end against the real service elsewhere.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BailiffError, type ErrorCode } from '../errors.ts';
import { planInputSchema } from '../domain/plan.ts';
import { createLogger } from '../logging.ts';
import type { PlanApi } from '../services/plan-api.ts';
import { StaticTokenIdentity } from '../adapters/local/static-token-identity.ts';
import { handleHttpRequest } from './handler.ts';
import type { HealthReport, HttpDependencies, HttpResponse } from './types.ts';

const TOKENS = {
  agent: 'agent-token-0123456789abcdef',
  approver: 'approver-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

const identity = StaticTokenIdentity.fromTokens([
  { token: TOKENS.agent, principal: 'agent@test', roles: ['agent'] },
  { token: TOKENS.approver, principal: 'approver@test', roles: ['approver'] },
  { token: TOKENS.admin, principal: 'admin@test', roles: ['admin'] },
]);

const PLAN_ID = 'pln_0000abcd1234';
const view = { plan: { id: PLAN_ID, case: 'smith', status: 'proposed' }, report: { valid: true } };

interface Call {
  method: keyof PlanApi;
  args: unknown[];
}

/** Records every call; `failWith` makes the next call throw. */
class FakePlanApi implements PlanApi {
  calls: Call[] = [];
  failWith: unknown;

  #record(method: keyof PlanApi, ...args: unknown[]) {
    this.calls.push({ method, args });
    if (this.failWith !== undefined) throw this.failWith;
  }

  async propose(...args: Parameters<PlanApi['propose']>) {
    this.#record('propose', ...args);
    // Like the service: the body is validated with the domain schema, so zod paths come back.
    planInputSchema.parse(args[1]);
    return view as never;
  }
  async proposeFromCommands(...args: Parameters<PlanApi['proposeFromCommands']>) {
    this.#record('proposeFromCommands', ...args);
    return { ...view, translation: [] } as never;
  }
  async readFileText(...args: Parameters<PlanApi['readFileText']>) {
    this.#record('readFileText', ...args);
    return { case: 'smith', path: 'a.txt', size: 1, generation: '1', updated: '2030-01-01T00:00:00.000Z', offset: 0, text: 'a' };
  }
  async get(...args: Parameters<PlanApi['get']>) {
    this.#record('get', ...args);
    return view as never;
  }
  async list(...args: Parameters<PlanApi['list']>) {
    this.#record('list', ...args);
    return { plans: [] };
  }
  async validate(...args: Parameters<PlanApi['validate']>) {
    this.#record('validate', ...args);
    return view as never;
  }
  async approve(...args: Parameters<PlanApi['approve']>) {
    this.#record('approve', ...args);
    return view as never;
  }
  async reject(...args: Parameters<PlanApi['reject']>) {
    this.#record('reject', ...args);
    return view as never;
  }
  async apply(...args: Parameters<PlanApi['apply']>) {
    this.#record('apply', ...args);
    return view as never;
  }
  async rollback(...args: Parameters<PlanApi['rollback']>) {
    this.#record('rollback', ...args);
    return view as never;
  }
  async auditTrail(...args: Parameters<PlanApi['auditTrail']>) {
    this.#record('auditTrail', ...args);
    return [];
  }
  async listFiles(...args: Parameters<PlanApi['listFiles']>) {
    this.#record('listFiles', ...args);
    return [{ path: 'a.pdf', size: 3, updated: '2030-01-01T00:00:00.000Z', generation: '1' }];
  }
  async verifyAudit(...args: Parameters<PlanApi['verifyAudit']>) {
    this.#record('verifyAudit', ...args);
    return { ok: true, chains: 1, records: 2, files: 0, headsSigned: true, missingFiles: [] };
  }
  async releaseLease(...args: Parameters<PlanApi['releaseLease']>) {
    this.#record('releaseLease', ...args);
    return {};
  }
}

let api: FakePlanApi;
let logLines: string[];
let healthReport: () => Promise<HealthReport>;
let deps: HttpDependencies;

beforeEach(() => {
  api = new FakePlanApi();
  logLines = [];
  healthReport = async () => ({ storage: { ok: true, latencyMs: 1 }, state: { ok: true }, queue: { ok: true } });
  deps = {
    api,
    identity,
    health: () => healthReport(),
    limits: { maxBodyBytes: 4096, maxArrayLength: 50, healthTimeoutMs: 200 },
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    projectId: 'test-project',
  };
});

interface CallOptions {
  as?: keyof typeof TOKENS;
  authorization?: string;
  body?: unknown;
  rawBody?: Buffer | string;
  contentType?: string | null;
  headers?: Record<string, string>;
}

async function request(method: string, target: string, options: CallOptions = {}) {
  const [path = '', query = ''] = target.split('?');
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${TOKENS[options.as]}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let rawBody: Buffer | undefined;
  if (options.rawBody !== undefined) rawBody = Buffer.from(options.rawBody);
  else if (options.body !== undefined) rawBody = Buffer.from(JSON.stringify(options.body));
  if (rawBody && options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  const response: HttpResponse = await handleHttpRequest({ method, path, query: new URLSearchParams(query), headers, rawBody }, deps);
  return { ...response, json: JSON.parse(response.body) as Record<string, any> };
}

const validPlan = { case: 'smith', description: 'file the scans', operations: [{ type: 'create_dir', destination: 'Medical Records' }] };

describe('routing', () => {
  it.each([
    ['GET', '/nowhere'],
    ['GET', '/plans/'],
    ['GET', '/plans/x/y/z'],
    ['GET', ''],
    ['GET', 'plans'],
    ['POST', '/plans/pln_1/explode'],
  ])('%s %s is 404 not_found', async (method, path) => {
    const response = await request(method, path, { as: 'admin' });
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('not_found');
  });

  it.each([
    ['GET', `/plans/${PLAN_ID}/approve`, 'POST'],
    ['DELETE', '/plans', 'GET, POST'],
    ['PUT', `/plans/${PLAN_ID}`, 'GET'],
    ['POST', '/health', 'GET'],
    ['GET', '/cases/smith/lease', 'DELETE'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const response = await request(method, path, { as: 'admin' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(response.json.error.code).toBe('method_not_allowed');
  });

  it('serves health and the OpenAPI document without a token', async () => {
    expect((await request('GET', '/health')).status).toBe(200);
    const openapi = await request('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.json.openapi).toBe('3.1.0');
  });

  it.each([
    ['POST', '/plans', { body: validPlan }, 201, 'propose'],
    ['GET', '/plans', {}, 200, 'list'],
    ['GET', `/plans/${PLAN_ID}`, {}, 200, 'get'],
    ['POST', `/plans/${PLAN_ID}/validate`, {}, 200, 'validate'],
    ['POST', `/plans/${PLAN_ID}/approve`, { body: { planHash: 'sha256:x', snapshotHash: 'sha256:y' } }, 200, 'approve'],
    ['POST', `/plans/${PLAN_ID}/reject`, { body: { reason: 'no' } }, 200, 'reject'],
    ['POST', `/plans/${PLAN_ID}/apply`, {}, 202, 'apply'],
    ['POST', `/plans/${PLAN_ID}/rollback`, {}, 201, 'rollback'],
    ['GET', `/plans/${PLAN_ID}/audit`, {}, 200, 'auditTrail'],
    ['GET', '/cases/smith/files', {}, 200, 'listFiles'],
    ['GET', '/cases/smith/files/text?path=a.txt', {}, 200, 'readFileText'],
    ['POST', '/plans/from-commands', { body: { case: 'smith', description: 'd', commands: 'mkdir a' } }, 201, 'proposeFromCommands'],
    ['GET', '/audit/verify', {}, 200, 'verifyAudit'],
    ['DELETE', '/cases/smith/lease', {}, 200, 'releaseLease'],
  ] as const)('%s %s answers %3$s… with %4$s through PlanApi.%5$s', async (method, path, options, status, apiMethod) => {
    const response = await request(method, path, { as: 'admin', ...options });
    expect(response.status).toBe(status);
    expect(api.calls.map((call) => call.method)).toEqual([apiMethod]);
    expect((api.calls[0]!.args[0] as { id: string }).id).toBe('admin@test');
  });

  it('passes bodies the service validates through untouched', async () => {
    await request('POST', `/plans/${PLAN_ID}/approve`, { as: 'approver', body: { planHash: 'sha256:abc', snapshotHash: 'sha256:def', comment: 'ok' } });
    expect(api.calls[0]!.args).toEqual([expect.anything(), PLAN_ID, { planHash: 'sha256:abc', snapshotHash: 'sha256:def', comment: 'ok' }]);
  });

  it('decodes path parameters exactly once', async () => {
    await request('GET', '/cases/smith%20v%20jones/files', { as: 'agent' });
    expect(api.calls[0]!.args[1]).toBe('smith v jones');
    const doubleEncoded = await request('GET', '/cases/%252e%252e/files', { as: 'agent' });
    expect(doubleEncoded.status).toBe(400);
    expect(doubleEncoded.json.error.details[0].path).toBe('params.case');
  });

  it('parses query parameters into their types', async () => {
    await request('GET', '/plans?case=smith&status=approved&limit=25&pageToken=abc', { as: 'approver' });
    expect(api.calls[0]!.args[1]).toEqual({ case: 'smith', status: 'approved', limit: 25, pageToken: 'abc' });
    await request('GET', '/cases/smith/files?prefix=Medical%20Records/&recursive=true', { as: 'agent' });
    expect(api.calls[1]!.args[2]).toEqual({ prefix: 'Medical Records/', recursive: true });
  });

  it('wraps list answers in objects', async () => {
    const files = await request('GET', '/cases/smith/files', { as: 'agent' });
    expect(files.json).toEqual({ case: 'smith', files: [expect.objectContaining({ path: 'a.pdf' })] });
    const audit = await request('GET', `/plans/${PLAN_ID}/audit`, { as: 'agent' });
    expect(audit.json).toEqual({ planId: PLAN_ID, records: [] });
  });
});

describe('input validation', () => {
  it.each([
    ['a plan id with a slash lookalike', 'GET', '/plans/..%2f..', 'params.id'],
    ['a plan id that is too long', 'GET', `/plans/${'a'.repeat(200)}`, 'params.id'],
    ['a traversal case name', 'GET', '/cases/../files', 'params.case'],
    ['a case name with a control character', 'GET', '/cases/a%00b/files', 'params.case'],
    ['broken percent-encoding', 'GET', '/cases/%E0%A4%A/files', 'params.case'],
    ['a non-numeric limit', 'GET', '/plans?limit=ten', 'query.limit'],
    ['a limit above the page size', 'GET', '/plans?limit=100000', 'query.limit'],
    ['an unknown status', 'GET', '/plans?status=done', 'query.status'],
    ['an unknown query parameter', 'GET', '/plans?sort=asc', 'query'],
    ['a repeated query parameter', 'GET', '/plans?status=approved&status=proposed', 'query.status'],
    ['a query on a route without one', 'GET', `/plans/${PLAN_ID}?verbose=1`, 'query'],
    ['recursive=yes', 'GET', '/cases/smith/files?recursive=yes', 'query.recursive'],
  ])('refuses %s with 400 and the path of the field', async (_name, method, target, path) => {
    const response = await request(method, target, { as: 'admin' });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('invalid_input');
    expect(response.json.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(api.calls).toEqual([]);
  });

  it("maps the service's zod errors to 400 with JSON paths into the body", async () => {
    const response = await request('POST', '/plans', {
      as: 'agent',
      body: { ...validPlan, operations: [validPlan.operations[0], { type: 'move', source: 'a', destination: '../escape' }] },
    });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'invalid_input', details: [{ path: 'operations.1.destination' }] });
  });

  it('caps the list of details so a huge bad plan cannot produce a huge answer', async () => {
    api.failWith = new BailiffError(
      'invalid_input',
      'invalid plan',
      Array.from({ length: 500 }, (_, index) => ({ path: `operations.${index}.destination`, message: 'unsafe' })),
    );
    const response = await request('POST', '/plans', { as: 'agent', body: validPlan });
    expect(response.json.error.details).toHaveLength(101);
    expect(response.json.error.details[100].message).toBe('and 400 more problems');
  });
});

describe('bodies', () => {
  it.each<[string, CallOptions, number, string]>([
    ['malformed JSON', { rawBody: '{"case": "smith",' }, 400, 'malformed JSON'],
    ['a body that is not JSON at all', { rawBody: 'case=smith' }, 400, 'malformed JSON'],
    ['no content type', { body: validPlan, contentType: null }, 400, 'Content-Type'],
    ['a text content type', { body: validPlan, contentType: 'text/plain' }, 400, 'unsupported content type'],
    ['a form content type', { body: validPlan, contentType: 'application/x-www-form-urlencoded' }, 400, 'unsupported content type'],
    ['a non-UTF-8 charset', { body: validPlan, contentType: 'application/json; charset=latin1' }, 400, 'charset'],
    ['bytes that are not UTF-8', { rawBody: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) }, 400, 'UTF-8'],
    ['a body above the limit', { rawBody: `{"description": "${'x'.repeat(5000)}"}` }, 413, 'larger than 4096 bytes'],
    ['nesting deeper than 64 levels', { rawBody: `${'['.repeat(65)}${']'.repeat(65)}` }, 400, 'nested deeper than 64'],
    ['an array longer than the limit', { rawBody: JSON.stringify({ operations: Array.from({ length: 51 }, () => 0) }) }, 400, 'more than 50 elements'],
    ['no body', {}, 400, 'a JSON body is required'],
  ])('refuses %s', async (_name, options, status, message) => {
    const response = await request('POST', '/plans', { as: 'agent', ...options });
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(status === 413 ? 'payload_too_large' : 'invalid_input');
    expect(response.json.error.message).toContain(message);
    expect(api.calls).toEqual([]);
  });

  it('does not quote the body back in a JSON syntax error', async () => {
    const response = await request('POST', '/plans', { as: 'agent', rawBody: '{"secret-ish": nope}' });
    expect(response.body).not.toContain('secret-ish');
    expect(response.json.error.message).toBe('malformed JSON: unexpected `o`');
    const truncated = await request('POST', '/plans', { as: 'agent', rawBody: '{"a": 1} x' });
    expect(truncated.json.error.message).toMatch(/^malformed JSON at position \d+$/);
  });

  it('accepts nesting up to the limit and hands it to the service', async () => {
    const nested = `{"case": "smith", "description": "d", "operations": [], "x": ${'['.repeat(62)}${']'.repeat(62)}}`;
    const response = await request('POST', '/plans', { as: 'agent', rawBody: nested });
    // The service (here: the domain schema) refuses it; the HTTP layer let it through.
    expect(api.calls).toHaveLength(1);
    expect(response.status).toBe(400);
  });

  it('counts brackets inside strings as text', async () => {
    const response = await request('POST', '/plans', {
      as: 'agent',
      body: { ...validPlan, description: `${'['.repeat(100)} "\\" ${'{'.repeat(100)}` },
    });
    expect(response.status).toBe(201);
  });

  it('accepts a JSON content type with a UTF-8 charset', async () => {
    const response = await request('POST', '/plans', { as: 'agent', body: validPlan, contentType: 'Application/JSON; charset="UTF-8"' });
    expect(response.status).toBe(201);
  });

  it('takes no body or {} on actions without parameters, and refuses anything else', async () => {
    expect((await request('POST', `/plans/${PLAN_ID}/apply`, { as: 'agent' })).status).toBe(202);
    expect((await request('POST', `/plans/${PLAN_ID}/apply`, { as: 'agent', body: {} })).status).toBe(202);
    const extra = await request('POST', `/plans/${PLAN_ID}/apply`, { as: 'agent', body: { force: true } });
    expect(extra.status).toBe(400);
    expect(extra.json.error.details).toEqual([expect.objectContaining({ path: '' })]);
  });

  it('refuses a body on a route that takes none', async () => {
    const response = await request('GET', '/plans', { as: 'agent', body: { case: 'x' } });
    expect(response.status).toBe(400);
  });

  it('reads a lazy body only after authentication', async () => {
    let reads = 0;
    const rawBody = async () => {
      reads += 1;
      return Buffer.from(JSON.stringify(validPlan));
    };
    const anonymous = await handleHttpRequest(
      { method: 'POST', path: '/plans', query: new URLSearchParams(), headers: { 'content-type': 'application/json' }, rawBody },
      deps,
    );
    expect(anonymous.status).toBe(401);
    expect(reads).toBe(0);
    const authenticated = await handleHttpRequest(
      {
        method: 'POST',
        path: '/plans',
        query: new URLSearchParams(),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.agent}` },
        rawBody,
      },
      deps,
    );
    expect(authenticated.status).toBe(201);
    expect(reads).toBe(1);
  });
});

describe('authentication and roles', () => {
  it('answers 401 with a bare challenge when no token is sent', async () => {
    const response = await request('GET', '/plans');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="bailiff"');
    expect(response.json.error.code).toBe('unauthenticated');
  });

  it.each([
    ['an unknown token', 'Bearer not-a-known-token-0123456789'],
    ['another scheme', `Basic ${TOKENS.agent}`],
    ['a bearer without a token', 'Bearer '],
    ['two tokens', `Bearer ${TOKENS.agent} ${TOKENS.agent}`],
    ['an oversized token', `Bearer ${'a'.repeat(9000)}`],
  ])('answers 401 invalid_token for %s, never echoing it', async (_name, authorization) => {
    const response = await request('GET', '/plans', { authorization });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    const secret = authorization.split(' ')[1];
    if (secret) expect(response.body).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain(TOKENS.agent);
  });

  it.each<[keyof typeof TOKENS, string, string, CallOptions?]>([
    ['agent', 'POST', `/plans/${PLAN_ID}/approve`, { body: { planHash: 'h', snapshotHash: 's' } }],
    ['agent', 'POST', `/plans/${PLAN_ID}/reject`, { body: { reason: 'r' } }],
    ['agent', 'GET', '/audit/verify'],
    ['agent', 'DELETE', '/cases/smith/lease'],
    ['approver', 'POST', '/plans', { body: validPlan }],
    ['approver', 'GET', '/audit/verify'],
    ['approver', 'DELETE', '/cases/smith/lease'],
  ])('refuses the %s role on %s %s with 403 before calling the service', async (role, method, path, options = {}) => {
    const response = await request(method, path, { as: role, ...options });
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('forbidden');
    expect(api.calls).toEqual([]);
  });

  it('passes the forbidden answers of the service through', async () => {
    api.failWith = new BailiffError('forbidden', 'you authored this plan');
    const response = await request('POST', `/plans/${PLAN_ID}/approve`, { as: 'approver', body: { planHash: 'h' } });
    expect(response.status).toBe(403);
    expect(response.json.error.message).toBe('you authored this plan');
  });
});

describe('error mapping', () => {
  it.each<[ErrorCode, number]>([
    ['not_found', 404],
    ['conflict', 409],
    ['hash_mismatch', 409],
    ['report_changed', 409],
    ['precondition_failed', 412],
    ['plan_invalid', 422],
    ['rate_limited', 429],
    ['unavailable', 503],
  ])('maps %s to %i with code, message and details', async (code, status) => {
    api.failWith = new BailiffError(code, `it is ${code}`, [{ message: 'current state', status: 'approved' }]);
    const response = await request('GET', `/plans/${PLAN_ID}`, { as: 'agent' });
    expect(response.status).toBe(status);
    expect(response.json).toEqual({ error: { code, message: `it is ${code}`, details: [{ message: 'current state', status: 'approved' }] } });
  });

  it.each([
    ['an unexpected error', () => new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['an internal BailiffError', () => new BailiffError('internal', 'journal cursor 7 behind action 9')],
    ['a thrown string', () => 'oops'],
  ])('answers %s with a bare 500 and an id that finds the logged stack', async (_name, makeError) => {
    api.failWith = makeError();
    const response = await request('GET', `/plans/${PLAN_ID}`, { as: 'agent' });
    expect(response.status).toBe(500);
    expect(response.json).toEqual({ error: { code: 'internal', message: 'internal error', id: expect.any(String) } });
    expect(response.headers['x-request-id']).toBe(response.json.error.id);
    expect(response.body).not.toMatch(/at |reading|journal|oops/);
    const logged = logLines.map((line) => JSON.parse(line)).find((entry) => entry.message === 'unexpected error');
    expect(logged).toMatchObject({ severity: 'ERROR', requestId: response.json.error.id });
    if (api.failWith instanceof Error) expect(logged.stack_trace).toContain(api.failWith.message);
  });
});

describe('health', () => {
  it('answers 200 with every check', async () => {
    const response = await request('GET', '/health');
    expect(response.json).toEqual({
      status: 'ok',
      checks: { storage: { ok: true, latencyMs: 1 }, state: { ok: true }, queue: { ok: true } },
    });
  });

  it('answers 503 naming the failing dependency, keeping the reason in the log', async () => {
    healthReport = async () => ({ storage: { ok: true }, state: { ok: true }, queue: { ok: false, message: 'connect ECONNREFUSED 10.0.0.7:8085' } });
    const response = await request('GET', '/health');
    expect(response.status).toBe(503);
    expect(response.json.status).toBe('unavailable');
    expect(response.json.checks.queue).toEqual({ ok: false });
    expect(response.json.error).toEqual({ code: 'unavailable', message: 'unavailable: queue' });
    expect(response.body).not.toContain('10.0.0.7');
    expect(logLines.join('\n')).toContain('10.0.0.7');
  });

  it('answers 503 when the checks fail or hang', async () => {
    healthReport = async () => {
      throw new Error('boom');
    };
    expect((await request('GET', '/health')).status).toBe(503);
    healthReport = () => new Promise(() => {});
    expect((await request('GET', '/health')).status).toBe(503);
  });
});

describe('access log', () => {
  it('writes one Cloud Logging entry per request with httpRequest, labels and trace, but no token', async () => {
    await request('POST', `/plans/${PLAN_ID}/apply?`, {
      as: 'agent',
      headers: { 'user-agent': 'agent/1.0', 'x-cloud-trace-context': '0123456789abcdef0123456789abcdef/1;o=1' },
    });
    const entries = logLines.map((line) => JSON.parse(line));
    const access = entries.find((entry) => entry.httpRequest);
    expect(access).toMatchObject({
      severity: 'INFO',
      message: `POST /plans/${PLAN_ID}/apply 202`,
      principal: 'agent@test',
      route: 'applyPlan',
      httpRequest: { requestMethod: 'POST', requestUrl: `/plans/${PLAN_ID}/apply`, status: 202, userAgent: 'agent/1.0' },
      'logging.googleapis.com/labels': { plan: PLAN_ID, case: 'smith' },
      'logging.googleapis.com/trace': 'projects/test-project/traces/0123456789abcdef0123456789abcdef',
    });
    expect(access.httpRequest.latency).toMatch(/^\d+\.\d{3}s$/);
    expect(logLines.join('\n')).not.toContain(TOKENS.agent);
  });
  it('redacts credential-looking query values in requestUrl, keeping the other parameters', async () => {
    const secret = 'ya29.leaked-in-a-query-string';
    const response = await request('GET', `/plans?case=smith&access_token=${secret}&X-Goog-Signature=abc123def`);
    expect(response.status).toBe(401);
    const access = logLines.map((line) => JSON.parse(line)).find((entry) => entry.httpRequest);
    expect(access.httpRequest.requestUrl).toBe('/plans?case=smith&access_token=REDACTED&X-Goog-Signature=REDACTED');
    expect(logLines.join('\n')).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain('abc123def');
  });
});
