/**
 * The shapes the HTTP core speaks, independent of any server library: the node:http server,
 * the functions framework's express request and tests all translate to and from these.
 */
import type { Readable } from 'node:stream';
import type { IdentityVerifier } from '../ports/identity.ts';
import type { CaseContentService } from '../services/case-content.ts';
import type { TargetPlanService } from '../services/target-plans.ts';
import type { Logger } from '../logging.ts';
import type { PlanApi } from '../services/plan-api.ts';

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

/** A response ready to write: the body is serialised JSON, or bytes streamed from `stream`. */
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
export interface HttpDependencies {
  api: PlanApi;
  /** File content, snapshots and blobs (the sandbox round trip); its routes answer 503 without it. */
  content?: CaseContentService;
  /** Target-state plans (`POST /plans` with `base` and `target`); answered 503 without it. */
  targets?: TargetPlanService;
  identity: IdentityVerifier;
  health: () => Promise<HealthReport>;
  limits: HttpLimits;
  logger: Logger;
  /** The Google Cloud project, to link log entries to request traces. */
  projectId?: string;
}
