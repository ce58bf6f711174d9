/**
 * The shapes the HTTP core speaks, independent of any server library: the node:http server,
 * the functions framework's express request and tests all translate to and from these. The
 * route table's shapes live here too, so `routes.ts`, `health.ts`, `openapi.ts` and the
 * handler all import them from one place and never from each other.
 */
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import type { IdentityVerifier, Principal, Role } from '../ports/identity.ts';
import type { Logger } from '../logging.ts';
import type { PlanApi } from '../services/plan-api.ts';
import type { CaseContentService } from '../services/case-content.ts';
import type { TargetPlanService } from '../services/target-plans.ts';
import type { PlanReviewApi } from '../services/plan-review.ts';
import type { HoldService } from '../services/holds.ts';
import type { FileHistoryApi } from '../services/file-history.ts';

/** A request as the core sees it. */
export interface HttpRequest {
  method: string;
  /** The path as received, still percent-encoded, without the query string. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case, as node delivers them. */
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body: already read (the functions framework reads it before we run), or a reader the
   * core calls only after the caller is authenticated, so an anonymous caller cannot make the
   * server buffer a large body. A reader enforces the body limit itself.
   */
  rawBody: Buffer | undefined | (() => Promise<Buffer | undefined>);
  /**
   * The body as a stream, for the routes that take bytes rather than JSON (uploads): offered
   * by the node:http server; where the body was read already, the core streams `rawBody`.
   */
  bodyStream?: () => Readable;
  remoteIp?: string;
}

/** A response ready to write: the body is already serialised JSON. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** When set, the bytes to send instead of `body`; `headers` then carry their length. */
  stream?: Readable;
}

/** The result of one dependency's health check. */
export interface DependencyCheck {
  ok: boolean;
  /** Why it failed; logged, never sent to the (unauthenticated) caller. */
  message?: string;
  latencyMs?: number;
}

/** Health of every dependency the service needs, by name (`storage`, `state`, `queue`, ...). */
export type HealthReport = Record<string, DependencyCheck>;

export interface HttpLimits {
  /** Largest body accepted, in bytes (413 above). */
  maxBodyBytes: number;
  /** Deepest nesting of arrays and objects accepted in a JSON body. Default 64. */
  maxJsonDepth?: number;
  /** Most elements in any one JSON array. Default 100 000 (a plan's operation limit). */
  maxArrayLength?: number;
  /** Most values (objects, arrays, scalars) in one JSON body. Default 2 000 000. */
  maxJsonValues?: number;
  /** How long `GET /health` waits for the checks before answering 503. Default 10 s. */
  healthTimeoutMs?: number;
}

/** Everything the HTTP core needs, passed in by each entry point's composition root. */
/** What the console page needs to know before sign-in (served as `/ui/config.json`). */
export interface ConsoleSettings {
  /** OAuth client ID for Google Sign-In; without it the page offers token sign-in only. */
  googleClientId?: string;
}

export interface HttpDependencies {
  api: PlanApi;
  /** File content, snapshots and blobs (the sandbox round trip); its routes answer 503 without it. */
  content?: CaseContentService;
  /** Target-state plans (`POST /plans` with `base` and `target`); answered 503 without it. */
  targets?: TargetPlanService;
  /** The console's read-only questions (`/me`, `/inbox`, a plan's decisions, operations, results). */
  review?: PlanReviewApi;
  /** Legal holds (`POST /cases/{case}/holds`); answered 503 without it. */
  holds?: HoldService;
  /** One document's chain of custody (`/cases/{case}/files/history`); answered 503 without it. */
  history?: FileHistoryApi;
  /** Settings the console page needs before sign-in (served as `/ui/config.json`). */
  console?: ConsoleSettings;
  identity: IdentityVerifier;
  health: () => Promise<HealthReport>;
  limits: HttpLimits;
  logger: Logger;
  /** The Google Cloud project, to link log entries to request traces. */
  projectId?: string;
  /** MCP at `/mcp`: the public URL and authorization servers it advertises (Cloud); defaults suit the embedded server. */
  mcp?: McpHttpOptions;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler returns: the body, and a status when it is not the route's usual one. */
export interface RouteResult {
  /** Serialised as JSON; undefined for a response with no body (a redirect, a 304) or a stream. */
  body: unknown;
  status?: number;
  /** Extra response headers (ETag, Location, Content-Range, ...). */
  headers?: Record<string, string>;
  /** Bytes to stream instead of a JSON body; `headers` must then give their type and length. */
  stream?: Readable;
}

export interface RouteContext<Params, Query> {
  /** Undefined only on public routes. */
  principal: Principal | undefined;
  params: Params;
  query: Query;
  /** The parsed JSON body: validated here for `bodyCheck: 'here'`, raw for `'service'`. */
  body: unknown;
  /** The request body as a stream, for `check: 'stream'` routes (uploads). */
  bodyStream?: Readable;
  /** Request headers, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  deps: HttpDependencies;
}

export interface RouteDefinition<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** OpenAPI-style template: `/plans/{id}/approve`. */
  path: string;
  operationId: string;
  summary: string;
  /** `public`, or the roles allowed in (admins always are: they may do everything). */
  access: 'public' | readonly Role[];
  params?: P;
  query?: Q;
  body?: {
    schema: z.ZodType;
    required: boolean;
    /**
     * Who validates it: this layer, or the service method that takes it as `unknown`; `stream`
     * bodies are bytes, never buffered here, handed to the service as a stream.
     */
    check: 'here' | 'service' | 'stream';
  };
  /** Media type of the success response when it is not JSON (file content). */
  produces?: string;
  status: number;
  response: z.ZodType;
  /** Error statuses the route can answer besides 400/401/403/500, for the OpenAPI document. */
  errors: readonly ErrorCode[];
  handle(context: RouteContext<z.output<P>, z.output<Q>>): Promise<RouteResult>;
}

/**
 * A route's operationId and schemas as types only (`~types` is never set): what `route()` in
 * the table keeps, so the client derives each call's path parameters, query, body and answer.
 */
export interface TypedRoute<Id extends string, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  operationId: Id;
  readonly '~types'?: { params: P; query: Q; body: B; response: R };
}

/** What `/mcp` advertises about itself (shared/mcp/http.ts). */
export interface McpHttpOptions {
  /** The api's public URL (on Cloud: BAILIFF_AUDIENCE); otherwise taken from the request's Host header. */
  publicUrl?: string;
  /** Authorization servers whose tokens the api accepts; set on Cloud (`https://accounts.google.com`). */
  authorizationServers?: readonly string[];
  /** Browser origins besides the api's own that may call `/mcp` (BAILIFF_MCP_ALLOWED_ORIGINS); any other Origin gets 403. */
  allowedOrigins?: readonly string[];
}
