/**
 * MCP over Streamable HTTP at `/mcp` on the api (the embedded node server and the Cloud
 * function alike), both protocol eras from one handler: 2026-07-28 requests (stateless by
 * design) and 2025-era ones (served statelessly: one MCP server per request, no session). A
 * response streams (SSE) only when a call sends progress before its result. The caller is
 * authenticated exactly like every API route (same bearer tokens or Google ID tokens, same
 * roles; PlanApi checks them per tool call). Following the MCP authorization rules for a
 * resource server, a 401 carries `WWW-Authenticate` and, where an authorization server is
 * configured (Google on Cloud), points at the protected resource metadata (RFC 9728) served
 * under `/.well-known/oauth-protected-resource`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { isBailiffError } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import type { HttpDependencies, McpHttpOptions } from '../http/types.ts';

/**
 * The MCP SDK (and the JSON Schema validator it brings) is loaded on the first `/mcp` request,
 * not at start-up: most processes never serve MCP, and a restarted server should resume its
 * plans without paying for it.
 */
let mcpModules: Promise<[typeof import('@modelcontextprotocol/server'), typeof import('./server.ts'), typeof import('./backend.ts')]> | undefined;
const loadMcp = () => (mcpModules ??= Promise.all([import('@modelcontextprotocol/server'), import('./server.ts'), import('./backend.ts')]));

/** What a request's MCP server acts as; it rides the SDK's pass-through `authInfo`. */
interface Caller {
  principal: Principal;
  publicUrl: string;
}

/** One SDK handler per set of dependencies (per server): it keeps nothing about callers between requests. */
const handlers = new WeakMap<HttpDependencies, Promise<McpHttpHandler>>();

function handlerFor(deps: HttpDependencies): Promise<McpHttpHandler> {
  let handler = handlers.get(deps);
  if (!handler) {
    handler = loadMcp().then(([{ createMcpHandler }, { createMcpServer }, { planApiBackend }]) =>
      createMcpHandler(
        (context) => {
          const caller = context.authInfo?.extra?.caller as Caller | undefined;
          // Every request reaches the handler through handleMcpHttp, which authenticates it first.
          if (!caller) throw new Error('an MCP request reached the handler unauthenticated');
          return createMcpServer(planApiBackend(deps.api, caller.principal, caller.publicUrl, deps.history));
        },
        {
          legacy: 'stateless',
          responseMode: 'auto',
          maxRequestBodySize: deps.limits.maxBodyBytes,
          onerror: (error) => deps.logger.warn('MCP request refused or failed', { error: error.message }),
        },
      ),
    );
    handlers.set(deps, handler);
  }
  return handler;
}

export const MCP_PATH = '/mcp';
export const RESOURCE_METADATA_PATHS = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'];

export function isMcpPath(path: string): boolean {
  return path === MCP_PATH || RESOURCE_METADATA_PATHS.includes(path);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function publicUrlOf(request: IncomingMessage, options: McpHttpOptions): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
  const proto = header(request, 'x-forwarded-proto')?.split(',')[0]?.trim() || 'http';
  return `${proto}://${header(request, 'host') ?? 'localhost'}`;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The DNS-rebinding and cross-site rules of the Streamable HTTP transport. A browser page may
 * only reach `/mcp` from the server's own origin or one the operator allowed
 * (BAILIFF_MCP_ALLOWED_ORIGINS); requests without an Origin (every non-browser client) pass. On a
 * loopback listener the Host must name this machine (or the public URL's host): a page on a
 * rebound name like `attacker.example` pointing at 127.0.0.1 is refused before anything runs.
 * Returns the reason for a 403, or undefined when the request may go on.
 */
export function refuseForeignRequest(request: IncomingMessage, publicUrl: string, options: McpHttpOptions): string | undefined {
  const host = header(request, 'host');
  if (isLoopbackAddress(request.socket?.localAddress)) {
    const hostname = host === undefined ? undefined : hostnameOf(host);
    // Only a configured public URL counts here: the derived one merely repeats the Host header.
    const configured = options.publicUrl ? [new URL(options.publicUrl).hostname] : [];
    const allowedHosts = new Set([...LOOPBACK_NAMES, ...configured, ...(options.allowedOrigins ?? []).map((origin) => new URL(origin).hostname)]);
    if (!hostname || !allowedHosts.has(hostname)) return `the Host header ${JSON.stringify(host ?? '')} does not name this server`;
  }
  const origin = header(request, 'origin');
  if (origin === undefined) return undefined;
  let parsed: string;
  try {
    parsed = new URL(origin).origin;
  } catch {
    return `the Origin ${JSON.stringify(origin)} is not an origin`;
  }
  // The public URL is the configured one, or else the one this request named in its Host header.
  if (parsed === 'null' || ![new URL(publicUrl).origin, ...(options.allowedOrigins ?? [])].includes(parsed)) {
    return `the Origin ${origin} is neither this server's nor an allowed one`;
  }
  return undefined;
}

function writeJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

/** The protected resource metadata document (RFC 9728) for `/mcp`. */
export function resourceMetadata(publicUrl: string, options: McpHttpOptions): Record<string, unknown> {
  return {
    resource: `${publicUrl}${MCP_PATH}`,
    authorization_servers: [...(options.authorizationServers ?? [])],
    bearer_methods_supported: ['header'],
    scopes_supported: ['openid', 'email'],
    resource_name: 'Bailiff',
    resource_documentation: `${publicUrl}/openapi.json`,
  };
}

/**
 * Answers `/mcp` and the resource metadata paths. `readBody` returns the request body within
 * the configured limit (it throws a BailiffError above it).
 */
export async function handleMcpHttp(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  deps: HttpDependencies,
  readBody: () => Promise<Buffer | undefined>,
): Promise<void> {
  const options = deps.mcp ?? {};
  const publicUrl = publicUrlOf(request, options);
  const hasAuthorizationServer = (options.authorizationServers ?? []).length > 0;
  if (RESOURCE_METADATA_PATHS.includes(path)) {
    if (request.method !== 'GET') return writeJson(response, 405, { error: { code: 'method_not_allowed', message: 'use GET' } }, { allow: 'GET' });
    if (!hasAuthorizationServer)
      return writeJson(response, 404, { error: { code: 'not_found', message: 'this Bailiff takes static bearer tokens; it names no authorization server' } });
    return writeJson(response, 200, resourceMetadata(publicUrl, options));
  }
  const foreign = refuseForeignRequest(request, publicUrl, options);
  if (foreign) {
    return writeJson(response, 403, { jsonrpc: '2.0', error: { code: -32000, message: `Forbidden: ${foreign}` }, id: null }, { connection: 'close' });
  }
  if (request.method !== 'POST') {
    // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
    return writeJson(
      response,
      405,
      { error: { code: 'method_not_allowed', message: 'MCP over Streamable HTTP here takes POST only (stateless)' } },
      { allow: 'POST' },
    );
  }
  const principal = await authenticate(request, response, deps, publicUrl, hasAuthorizationServer);
  if (!principal) return;
  let raw: Buffer | undefined;
  try {
    raw = await readBody();
  } catch (error) {
    if (isBailiffError(error)) return writeJson(response, error.httpStatus, { error: { code: error.code, message: error.message } }, { connection: 'close' });
    throw error;
  }
  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(raw?.toString('utf8') ?? '');
  } catch {
    return writeJson(response, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not JSON' }, id: null });
  }
  await forwardToMcpServer(request, response, deps, { publicUrl, principal, raw, parsedBody });
}

/** The caller behind the request's bearer token, or undefined once a 401 with its challenge is written. */
async function authenticate(
  request: IncomingMessage,
  response: ServerResponse,
  deps: HttpDependencies,
  publicUrl: string,
  hasAuthorizationServer: boolean,
): Promise<Principal | undefined> {
  const challenge = (error?: string) =>
    [
      `Bearer realm="bailiff"`,
      ...(error ? [`error="${error}"`] : []),
      ...(hasAuthorizationServer ? [`resource_metadata="${publicUrl}${RESOURCE_METADATA_PATHS[1]}"`] : []),
    ].join(', ');
  const authorization = header(request, 'authorization');
  const token = authorization ? /^Bearer +(\S+) *$/i.exec(authorization)?.[1] : undefined;
  if (!token) {
    writeJson(
      response,
      401,
      { error: { code: 'unauthenticated', message: 'an `Authorization: Bearer <token>` header is required' } },
      { 'www-authenticate': challenge(), connection: 'close' },
    );
    return undefined;
  }
  let principal: Principal;
  try {
    principal = await deps.identity.verify(token);
  } catch (error) {
    if (isBailiffError(error, 'unauthenticated')) {
      writeJson(
        response,
        401,
        { error: { code: 'unauthenticated', message: error.message } },
        { 'www-authenticate': challenge('invalid_token'), connection: 'close' },
      );
      return undefined;
    }
    throw error;
  }
  return principal;
}

/** Hands the parsed JSON-RPC request to the MCP server as the caller, and streams its answer back. */
async function forwardToMcpServer(
  request: IncomingMessage,
  response: ServerResponse,
  deps: HttpDependencies,
  call: { publicUrl: string; principal: Principal; raw: Buffer | undefined; parsedBody: unknown },
): Promise<void> {
  const { publicUrl, principal, raw, parsedBody } = call;
  const handler = await handlerFor(deps);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  // A client that goes away cancels its call (and any wait inside it).
  const gone = new AbortController();
  response.once('close', () => gone.abort());
  const webRequest = new Request(`${publicUrl}${MCP_PATH}`, { method: 'POST', headers, body: raw ? new Uint8Array(raw) : undefined, signal: gone.signal });
  const caller: Caller = { principal, publicUrl };
  const answer = await handler.fetch(webRequest, {
    parsedBody,
    authInfo: { token: '', clientId: principal.id, scopes: [...principal.roles], extra: { caller } },
  });
  const outHeaders: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  response.writeHead(answer.status, outHeaders);
  deps.logger.info(`POST ${MCP_PATH} ${answer.status}`, { principal: principal.id, route: 'mcp' });
  if (!answer.body) {
    response.end();
    return;
  }
  // Streamed as it comes: an SSE answer carries progress notifications before the result.
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(answer.body as NodeReadableStream<Uint8Array>);
    body.once('error', () => {
      response.destroy();
      resolve();
    });
    response.once('close', resolve);
    body.pipe(response);
  });
}
