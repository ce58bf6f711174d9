/**
 * The HTTP core: one request in, one response out, with no server library in sight. The
 * node:http server and the Cloud Run `api` function both translate to `handleHttpRequest`, so
 * routing, authentication, parsing, limits, error mapping and access logs are the same code
 * everywhere.
 *
 * Order matters and is deliberate: route (404/405) → identity (401) → coarse role gate (403)
 * → path and query (400) → body (413/400, read only now, so anonymous callers cannot make us
 * buffer) → PlanApi, which checks roles and case scope again in detail.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { forbidden, invalidInput, notFound, unauthenticated, zodIssueDetails } from '../errors.ts';
import { redactedQueryString, type LogFields } from '../logging.ts';
import type { Principal } from '../ports/identity.ts';
import { errorToResponse, jsonResponse, methodNotAllowedResponse } from './error-response.ts';
import { DEFAULT_JSON_LIMITS, parseJsonBody } from './json-body.ts';
import { ROUTES } from './routes.ts';
import type { HttpDependencies, HttpMethod, HttpRequest, HttpResponse, RouteDefinition } from './types.ts';

/** Longest bearer token accepted; Google ID tokens are about 1 KiB. */
const MAX_TOKEN_LENGTH = 8 * 1024;

interface CompiledRoute {
  route: RouteDefinition;
  /** Literal segments as strings, parameters as `{ param: name }`. */
  segments: Array<string | { param: string }>;
}

type RouteMatch =
  | { kind: 'found'; route: RouteDefinition; rawParams: Record<string, string> }
  | { kind: 'wrong_method'; allow: HttpMethod[] }
  | { kind: 'none' };

function compile(routes: readonly RouteDefinition[]): CompiledRoute[] {
  return routes.map((route) => ({
    route,
    segments: route.path
      .slice(1)
      .split('/')
      .map((segment) => (segment.startsWith('{') && segment.endsWith('}') ? { param: segment.slice(1, -1) } : segment)),
  }));
}

const COMPILED = compile(ROUTES);

/** Matches against the raw (still encoded) segments; parameters are decoded once, afterwards. */
function matchRoute(method: string, path: string): RouteMatch {
  if (!path.startsWith('/')) return { kind: 'none' };
  const segments = path.slice(1).split('/');
  const allow: HttpMethod[] = [];
  for (const compiled of COMPILED) {
    if (compiled.segments.length !== segments.length) continue;
    const rawParams: Record<string, string> = {};
    const fits = compiled.segments.every((expected, index) => {
      const actual = segments[index]!;
      if (typeof expected === 'string') return expected === actual;
      // An empty segment (`/plans/`) is a missing parameter: no such route.
      if (actual === '') return false;
      rawParams[expected.param] = actual;
      return true;
    });
    if (!fits) continue;
    if (compiled.route.method === method) return { kind: 'found', route: compiled.route, rawParams };
    allow.push(compiled.route.method);
  }
  return allow.length > 0 ? { kind: 'wrong_method', allow: allow.sort() } : { kind: 'none' };
}

function headerValue(headers: HttpRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The bearer token, or an `unauthenticated` error that never repeats what was sent. */
function bearerToken(headers: HttpRequest['headers']): string {
  const authorization = headerValue(headers, 'authorization');
  if (!authorization) {
    throw unauthenticated('an `Authorization: Bearer <token>` header is required', [{ message: 'no bearer token', reason: 'missing_token' }]);
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization);
  if (!match || match[1]!.length > MAX_TOKEN_LENGTH) {
    throw unauthenticated('the Authorization header is not `Bearer <token>`');
  }
  return match[1]!;
}

/** Coarse gate from the table; PlanApi decides the fine print (authorship, case scope). */
function checkRoles(route: RouteDefinition, principal: Principal): void {
  if (route.access === 'public') return;
  const allowed = principal.roles.includes('admin') || route.access.some((role) => principal.roles.includes(role));
  if (!allowed) {
    throw forbidden(`${route.method} ${route.path} needs the ${[...new Set([...route.access, 'admin'])].join(' or ')} role`);
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(`invalid ${prefix}`, zodIssueDetails(result.error, [prefix]));
  return result.data;
}

function decodeParams(rawParams: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(rawParams)) {
    try {
      decoded[name] = decodeURIComponent(raw);
    } catch {
      throw invalidInput(`invalid params`, [{ path: `params.${name}`, message: 'not valid percent-encoding' }]);
    }
  }
  return decoded;
}

/** Query parameters as an object; a repeated name is refused rather than silently picking one. */
function queryObject(query: URLSearchParams): Record<string, string> {
  const object: Record<string, string> = {};
  for (const [name, value] of query) {
    if (Object.hasOwn(object, name)) {
      throw invalidInput('invalid query', [{ path: `query.${name}`, message: 'given more than once' }]);
    }
    object[name] = value;
  }
  return object;
}

async function readBody(request: HttpRequest): Promise<Buffer | undefined> {
  return typeof request.rawBody === 'function' ? request.rawBody() : request.rawBody;
}

/** A `check: 'stream'` body: the live request stream, or the bytes a framework already read. */
async function streamBody(request: HttpRequest): Promise<Readable> {
  if (request.bodyStream) return request.bodyStream();
  const raw = await readBody(request);
  return Readable.from(raw === undefined ? [] : [raw]);
}

async function parseBody(route: RouteDefinition, request: HttpRequest, deps: HttpDependencies): Promise<unknown> {
  if (route.body?.check === 'stream') return undefined;
  const raw = await readBody(request);
  if (!route.body) {
    if (raw !== undefined && raw.length > 0) throw invalidInput(`${route.method} ${route.path} takes no body`);
    return undefined;
  }
  const body = parseJsonBody(raw, headerValue(request.headers, 'content-type'), {
    maxBodyBytes: deps.limits.maxBodyBytes,
    maxDepth: deps.limits.maxJsonDepth ?? DEFAULT_JSON_LIMITS.maxDepth,
    maxArrayLength: deps.limits.maxArrayLength ?? DEFAULT_JSON_LIMITS.maxArrayLength,
    maxValues: deps.limits.maxJsonValues ?? DEFAULT_JSON_LIMITS.maxValues,
  });
  if (body === undefined) {
    if (route.body.required) throw invalidInput('a JSON body is required');
    return route.body.check === 'here' ? route.body.schema.parse({}) : undefined;
  }
  // A ZodError thrown here is mapped with the body's own field paths (`operations.3.destination`).
  return route.body.check === 'here' ? route.body.schema.parse(body) : body;
}

/** `projects/<project>/traces/<id>` from Cloud Run's trace header or W3C `traceparent`. */
function traceOf(headers: HttpRequest['headers'], projectId: string | undefined): string | undefined {
  if (!projectId) return undefined;
  const cloud = headerValue(headers, 'x-cloud-trace-context');
  const traceId = cloud ? /^([0-9a-f]{32})/i.exec(cloud)?.[1] : /^[0-9a-f]{2}-([0-9a-f]{32})-/i.exec(headerValue(headers, 'traceparent') ?? '')?.[1];
  return traceId ? `projects/${projectId}/traces/${traceId.toLowerCase()}` : undefined;
}

/** Plan and case labels for the access log, from the path or from a returned plan. */
function labelsOf(params: Record<string, string>, query: Record<string, string>, body: unknown): LogFields {
  const labels: LogFields = {};
  const plan = (body as { plan?: { id?: unknown; case?: unknown } } | undefined)?.plan;
  const planId = params.id ?? (typeof plan?.id === 'string' ? plan.id : undefined);
  const caseName = params.case ?? query.case ?? (typeof plan?.case === 'string' ? plan.case : undefined);
  if (planId !== undefined) labels.plan = planId;
  if (caseName !== undefined) labels.case = caseName;
  return labels;
}

/**
 * Answers one request. Never throws: every failure becomes a JSON error response, and every
 * request produces one access-log entry in Cloud Logging's `httpRequest` shape (without the
 * Authorization header or the body).
 */
export async function handleHttpRequest(request: HttpRequest, deps: HttpDependencies): Promise<HttpResponse> {
  const started = performance.now();
  const requestId = randomUUID();
  const trace = traceOf(request.headers, deps.projectId);
  const logFields: LogFields = { requestId, ...(trace ? { trace } : {}) };
  let routeName: string | undefined;
  let principal: Principal | undefined;
  let params: Record<string, string> = {};
  let query: Record<string, string> = {};
  let resultBody: unknown;
  let response: HttpResponse;
  try {
    const match = matchRoute(request.method, request.path);
    if (match.kind === 'none') throw notFound('no such route');
    if (match.kind === 'wrong_method') {
      response = methodNotAllowedResponse(request.method, match.allow);
    } else {
      const { route } = match;
      routeName = route.operationId;
      if (route.access !== 'public') {
        principal = await deps.identity.verify(bearerToken(request.headers));
        checkRoles(route, principal);
      }
      params = decodeParams(match.rawParams);
      query = queryObject(request.query);
      const parsedParams = route.params ? parseWith(route.params, params, 'params') : {};
      if (!route.query && Object.keys(query).length > 0) {
        throw invalidInput('invalid query', [{ path: 'query', message: `${route.method} ${route.path} takes no query parameters` }]);
      }
      const parsedQuery = route.query ? parseWith(route.query, query, 'query') : {};
      const body = await parseBody(route, request, deps);
      const bodyStream = route.body?.check === 'stream' ? await streamBody(request) : undefined;
      const result = await route.handle({
        principal,
        params: parsedParams,
        query: parsedQuery,
        body,
        ...(bodyStream ? { bodyStream } : {}),
        headers: request.headers,
        deps,
      });
      resultBody = result.body;
      if (result.stream || result.body === undefined) {
        // Bytes or nothing: never sniffed, never cached by shared caches.
        response = {
          status: result.status ?? route.status,
          headers: {
            'cache-control': 'private, no-store',
            'x-content-type-options': 'nosniff',
            ...(result.stream ? {} : { 'content-length': '0' }),
            ...result.headers,
          },
          body: '',
          ...(result.stream ? { stream: result.stream } : {}),
        };
      } else {
        response = jsonResponse(result.status ?? route.status, result.body, result.headers);
      }
    }
  } catch (error) {
    response = errorToResponse(error, { requestId, logger: deps.logger, logFields: { ...logFields, route: routeName } });
  }
  response.headers['x-request-id'] = requestId;
  logAccess(request, response, deps, {
    ...logFields,
    ...labelsOf(params, query, resultBody),
    ...(routeName ? { route: routeName } : {}),
    ...(principal ? { principal: principal.id } : {}),
    latencyMs: performance.now() - started,
  });
  return response;
}

function logAccess(request: HttpRequest, response: HttpResponse, deps: HttpDependencies, fields: LogFields & { latencyMs: number }): void {
  const { latencyMs, ...rest } = fields;
  const queryString = redactedQueryString(request.query);
  const userAgent = headerValue(request.headers, 'user-agent');
  const requestSize = headerValue(request.headers, 'content-length');
  const entry: LogFields = {
    ...rest,
    httpRequest: {
      requestMethod: request.method,
      requestUrl: queryString ? `${request.path}?${queryString}` : request.path,
      status: response.status,
      latency: `${(latencyMs / 1000).toFixed(3)}s`,
      responseSize: String(Buffer.byteLength(response.body)),
      ...(requestSize ? { requestSize } : {}),
      ...(userAgent ? { userAgent } : {}),
      ...(request.remoteIp ? { remoteIp: request.remoteIp } : {}),
    },
  };
  const message = `${request.method} ${request.path} ${response.status}`;
  if (response.status >= 500) deps.logger.error(message, entry);
  else if (response.status === 401 || response.status === 403) deps.logger.warn(message, entry);
  else deps.logger.info(message, entry);
}
