/**
 * MCP over Streamable HTTP at `/mcp` on the api (the embedded node server and the Cloud
 * function alike): stateless, one MCP server per request, JSON responses. The caller is
 * authenticated exactly like every API route (same bearer tokens or Google ID tokens, same
 * roles; PlanApi checks them per tool call). Following the MCP authorization rules for a
 * resource server, a 401 carries `WWW-Authenticate` and, where an authorization server is
 * configured (Google on Cloud), points at the protected resource metadata (RFC 9728) served
 * under `/.well-known/oauth-protected-resource`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBailiffError } from '../errors.ts';
import type { Principal } from '../ports/identity.ts';
import type { HttpDependencies, McpHttpOptions } from '../http/types.ts';

/**
 * The MCP SDK (and the JSON Schema validator it brings) is loaded on the first `/mcp` request,
 * not at start-up: most processes never serve MCP, and a restarted server should resume its
 * plans without paying for it.
 */
let mcpModules: Promise<[typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), typeof import('./server.ts'), typeof import('./backend.ts')]> | undefined;
const loadMcp = () => (mcpModules ??= Promise.all([import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), import('./server.ts'), import('./backend.ts')]));

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
    if (!hasAuthorizationServer) return writeJson(response, 404, { error: { code: 'not_found', message: 'this Bailiff takes static bearer tokens; it names no authorization server' } });
    return writeJson(response, 200, resourceMetadata(publicUrl, options));
  }
  if (request.method !== 'POST') {
    // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
    return writeJson(response, 405, { error: { code: 'method_not_allowed', message: 'MCP over Streamable HTTP here takes POST only (stateless, JSON responses)' } }, { allow: 'POST' });
  }
  const challenge = (error?: string) =>
    [`Bearer realm="bailiff"`, ...(error ? [`error="${error}"`] : []), ...(hasAuthorizationServer ? [`resource_metadata="${publicUrl}${RESOURCE_METADATA_PATHS[1]}"`] : [])].join(', ');
  const authorization = header(request, 'authorization');
  const token = authorization ? /^Bearer +(\S+) *$/i.exec(authorization)?.[1] : undefined;
  if (!token) {
    return writeJson(response, 401, { error: { code: 'unauthenticated', message: 'an `Authorization: Bearer <token>` header is required' } }, { 'www-authenticate': challenge(), connection: 'close' });
  }
  let principal: Principal;
  try {
    principal = await deps.identity.verify(token);
  } catch (error) {
    if (isBailiffError(error, 'unauthenticated')) {
      return writeJson(response, 401, { error: { code: 'unauthenticated', message: error.message } }, { 'www-authenticate': challenge('invalid_token'), connection: 'close' });
    }
    throw error;
  }
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
  const [{ WebStandardStreamableHTTPServerTransport }, { createMcpServer }, { planApiBackend }] = await loadMcp();
  const server = createMcpServer(planApiBackend(deps.api, principal, publicUrl));
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const webRequest = new Request(`${publicUrl}${MCP_PATH}`, { method: 'POST', headers, body: raw ? new Uint8Array(raw) : undefined });
    const answer = await transport.handleRequest(webRequest, { parsedBody, authInfo: { token: '', clientId: principal.id, scopes: [...principal.roles] } });
    const body = Buffer.from(await answer.arrayBuffer());
    const outHeaders: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      outHeaders[name] = value;
    });
    response.writeHead(answer.status, { ...outHeaders, 'content-length': body.length });
    response.end(body);
    deps.logger.info(`POST ${MCP_PATH} ${answer.status}`, { principal: principal.id, route: 'mcp' });
  } finally {
    await transport.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}
