/**
 * A typed client for the whole Bailiff HTTP API (API.md), derived from the route table: `call`
 * takes a route's operationId and finds its method and path there, with the path parameters,
 * query, body and answer typed by the same zod schemas the server uses. A route added to the
 * table is callable at once; the named methods below are the readable spellings callers use.
 * Every error is a BailiffApiError carrying the API's code and field paths. Used by the CLI, the
 * stdio MCP server and the sandbox round trip.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import type { FromCommandsInput } from '../domain/commands.ts';
import { planPageUrl } from '../domain/console-link.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import type { approveBodySchema, planInputSchema, PlanStatus } from '../domain/plan.ts';
import type { holdBodySchema } from '../domain/holds.ts';
import { waitIsOver, type WaitGoal } from '../domain/lifecycle.ts';
import type {
  auditVerificationSchema,
  fileTextSchema,
  fileListSchema,
  healthSchema,
  holdAnswerSchema,
  leaseReleaseSchema,
  operationPageSchema,
  planAuditSchema,
  planFromCommandsViewSchema,
  planListSchema,
  planViewSchema,
} from '../http/schemas.ts';
import type { fileHistorySchema } from '../services/file-history.ts';
import { ROUTES } from '../http/routes.ts';
import { settingsFromEnvironment, type ClientSettings, type TokenSource } from './auth.ts';
import { BailiffApiError, type ApiErrorDetail } from './errors.ts';

export type PlanViewBody = z.output<typeof planViewSchema>;
export type PlanFromCommandsBody = z.output<typeof planFromCommandsViewSchema>;
export type PlanListBody = z.output<typeof planListSchema>;
export type FileListBody = z.output<typeof fileListSchema>;
export type FileTextBody = z.output<typeof fileTextSchema>;
export type FileHistoryBody = z.output<typeof fileHistorySchema>;
export type PlanAuditBody = z.output<typeof planAuditSchema>;
export type AuditVerificationBody = z.output<typeof auditVerificationSchema>;
export type LeaseReleaseBody = z.output<typeof leaseReleaseSchema>;
export type HealthBody = z.output<typeof healthSchema>;
export type HoldAnswerBody = z.output<typeof holdAnswerSchema>;
/** What an administrator sends to place or release a hold. */
export type HoldBody = z.input<typeof holdBodySchema>;
export type OperationPageBody = z.output<typeof operationPageSchema>;
/** What an agent sends to propose: the API's plan body (defaults may be left out). */
export type PlanInputBody = z.input<typeof planInputSchema>;
/**
 * What an approver sends: the `planHash` and the `report.snapshotHash` of the view they reviewed.
 * A report that changed since then is refused (`report_changed`), so send what was shown, never
 * what a fresh read says.
 */
export type ApproveBody = z.input<typeof approveBodySchema>;
export type FromCommandsBody = Omit<FromCommandsInput, 'onError'> & { onError?: FromCommandsInput['onError'] };

// ---- calls derived from the route table ----

type Route = (typeof ROUTES)[number];
/** Every operationId of the API (the route table's, as the OpenAPI document lists them). */
export type OperationId = Route['operationId'];
type TypesOf<K extends OperationId> = NonNullable<Extract<Route, { operationId: K }>['~types']>;
type ParamsOf<K extends OperationId> = TypesOf<K>['params'] extends z.ZodObject ? z.input<TypesOf<K>['params']> : undefined;
type QueryOf<K extends OperationId> = TypesOf<K>['query'] extends z.ZodObject
  ? { [Name in keyof z.input<TypesOf<K>['query']>]?: string | number | boolean }
  : undefined;
/** The body a route takes, as the caller writes it (defaults may be left out). */
export type BodyOf<K extends OperationId> = z.input<TypesOf<K>['body']>;
/** What a route answers, as the server's schema says. */
export type ResponseOf<K extends OperationId> = z.output<TypesOf<K>['response']>;

/** The parts of a call: path parameters when the route has any, else query and body as it takes them. */
export type CallInput<K extends OperationId> = (ParamsOf<K> extends undefined ? { params?: undefined } : { params: ParamsOf<K> }) & {
  query?: QueryOf<K>;
  body?: BodyOf<K>;
};

const ROUTE_BY_OPERATION: ReadonlyMap<string, { method: string; path: string }> = new Map(ROUTES.map((route) => [route.operationId, route]));

/** `/plans/{id}/approve` with `{id}` filled in, each value encoded as one path segment. */
function fillPath(template: string, params: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (params[name] === undefined) throw new Error(`${template} needs the path parameter ${name}`);
    return encodeURIComponent(String(params[name]));
  });
}

// ---- waiting ----

/**
 * How long a wait for a plan lasts unless the caller says otherwise, and how often it asks:
 * the first poll after 250 ms, then each interval half again as long, up to 2 s. The same in
 * every surface (this client, the CLI's `--wait`, the Python package's `wait_for_plan`).
 */
export const WAIT_DEFAULTS = { timeoutMs: 300_000, firstIntervalMs: 250, growth: 1.5, maxIntervalMs: 2_000 } as const;

export interface ClientOptions {
  /** The api, such as `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A fixed bearer token, or a source asked before every request (ID tokens expire). */
  token?: string | TokenSource;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /**
   * Stop once a person (or a rule) has decided on the plan (`decided`, the default), once nothing
   * more happens to it (`finished`), both read from the view's decisions, or at one of these statuses.
   */
  until?: WaitGoal | readonly PlanStatus[];
  /** Give up (returning the plan as it is) after this long. Default `WAIT_DEFAULTS.timeoutMs` (5 minutes). */
  timeoutMs?: number;
  /** A fixed polling interval; by default it starts at 250 ms and grows to 2 s. */
  intervalMs?: number;
  /** Called with every view read while waiting (for progress displays). */
  onPoll?: (view: PlanViewBody) => void;
  signal?: AbortSignal;
}

/** Where `POST /cases/{case}/blobs` says to send a blob's bytes. */
export interface BlobUpload {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** `bearer`: a path of this api, sent with the token; `signed`: a URL that carries its own authorisation. */
  authorization: 'bearer' | 'signed';
}

/** Where a wait may stop, decided in domain/lifecycle.ts from the view's decisions. */
export type { WaitGoal };

export class BailiffClient {
  readonly baseUrl: string;
  private readonly token: TokenSource;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const token = options.token;
    this.token = typeof token === 'function' ? token : async () => token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** A client configured from BAILIFF_URL and BAILIFF_TOKEN (or a Google ID token, settingsFromEnvironment). */
  static fromEnvironment(env: Record<string, string | undefined> = process.env): BailiffClient {
    const settings: ClientSettings = settingsFromEnvironment(env);
    return new BailiffClient({ baseUrl: settings.baseUrl, token: settings.token });
  }

  /** The console page a person opens to review a plan. */
  consoleUrl(planId: string): string {
    return planPageUrl(this.baseUrl, planId);
  }

  /** Any route of the API by its operationId: method and path from the route table, JSON in and out. */
  call<K extends OperationId>(
    operationId: K,
    ...[input]: ParamsOf<K> extends undefined ? [input?: CallInput<K>] : [input: CallInput<K>]
  ): Promise<ResponseOf<K>> {
    return this.send(operationId, (input ?? {}) as CallInput<K>);
  }

  health(): Promise<HealthBody> {
    return this.send('getHealth', {}, { acceptStatuses: [503] });
  }
  openApi(): Promise<Record<string, unknown>> {
    return this.call('getOpenApiDocument');
  }
  listFiles(caseName: string, query: { prefix?: string; recursive?: boolean } = {}): Promise<FileListBody> {
    return this.call('listCaseFiles', { params: { case: caseName }, query });
  }
  fileHistory(caseName: string, path: string, page: { limit?: number; pageToken?: string } = {}): Promise<FileHistoryBody> {
    return this.call('getFileHistory', { params: { case: caseName }, query: { path, ...page } });
  }
  readFileText(caseName: string, path: string, page: { offset?: number; limit?: number } = {}): Promise<FileTextBody> {
    return this.call('readCaseFileText', { params: { case: caseName }, query: { path, ...page } });
  }
  propose(plan: PlanInputBody): Promise<PlanViewBody> {
    return this.call('proposePlan', { body: plan });
  }
  proposeFromCommands(body: FromCommandsBody): Promise<PlanFromCommandsBody> {
    return this.call('proposePlanFromCommands', { body });
  }
  listPlans(query: { case?: string; status?: PlanStatus; pageToken?: string; limit?: number } = {}): Promise<PlanListBody> {
    return this.call('listPlans', { query });
  }
  getPlan(planId: string): Promise<PlanViewBody> {
    return this.call('getPlan', { params: { id: planId } });
  }
  validate(planId: string): Promise<PlanViewBody> {
    return this.call('validatePlan', { params: { id: planId } });
  }
  approve(planId: string, body: ApproveBody): Promise<PlanViewBody> {
    return this.call('approvePlan', { params: { id: planId }, body });
  }
  /** Approves exactly what `reviewed` showed the approver: its plan hash and its report's snapshot. */
  approveReviewed(reviewed: Pick<PlanViewBody, 'plan' | 'report'>, comment?: string): Promise<PlanViewBody> {
    return this.approve(reviewed.plan.id, {
      planHash: reviewed.plan.planHash,
      snapshotHash: reviewed.report.snapshotHash,
      ...(comment === undefined ? {} : { comment }),
    });
  }
  reject(planId: string, body: { reason: string }): Promise<PlanViewBody> {
    return this.call('rejectPlan', { params: { id: planId }, body });
  }
  apply(planId: string): Promise<PlanViewBody> {
    return this.call('applyPlan', { params: { id: planId } });
  }
  rollback(planId: string): Promise<PlanViewBody> {
    return this.call('rollbackPlan', { params: { id: planId } });
  }
  /** One page of the plan's operations in order (all of them, however many the report lists). */
  planOperations(planId: string, page: { offset?: number; limit?: number } = {}): Promise<OperationPageBody> {
    return this.call('getPlanOperations', { params: { id: planId }, query: page });
  }
  planAudit(planId: string): Promise<PlanAuditBody> {
    return this.call('getPlanAudit', { params: { id: planId } });
  }
  verifyAudit(): Promise<AuditVerificationBody> {
    return this.call('verifyAudit');
  }
  releaseLease(caseName: string): Promise<LeaseReleaseBody> {
    return this.call('releaseCaseLease', { params: { case: caseName } });
  }
  /** Places (`held: true`) or releases a legal hold on one file of the case (admin). */
  setHold(caseName: string, body: HoldBody): Promise<HoldAnswerBody> {
    return this.call('setCaseFileHold', { params: { case: caseName }, body });
  }

  /**
   * Polls the plan until `until` holds (default: a person or a rule has decided on it) or the
   * timeout passes; returns the last view either way.
   */
  async waitForPlan(planId: string, options: WaitOptions = {}): Promise<{ view: PlanViewBody; timedOut: boolean }> {
    const until = options.until ?? 'decided';
    const reached = (view: PlanViewBody) => (typeof until === 'string' ? waitIsOver(until, view.decisions) : until.includes(view.plan.status));
    const deadline = Date.now() + (options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs);
    let interval = options.intervalMs ?? WAIT_DEFAULTS.firstIntervalMs;
    for (;;) {
      const view = await this.getPlan(planId);
      options.onPoll?.(view);
      if (reached(view)) return { view, timedOut: false };
      if (Date.now() + interval > deadline || options.signal?.aborted) return { view, timedOut: true };
      await new Promise((resolve) => setTimeout(resolve, interval));
      if (options.intervalMs === undefined) interval = Math.min(interval * WAIT_DEFAULTS.growth, WAIT_DEFAULTS.maxIntervalMs);
    }
  }

  // ---- bytes: the sandbox round trip ----

  /**
   * A file's bytes as a stream, from the api or from the signed URL it redirects to. The
   * redirect is followed without the token: the URL carries its own authorisation, and a
   * Bailiff token must never reach the storage service.
   */
  async downloadFile(caseName: string, path: string): Promise<{ stream: Readable; etag: string | null }> {
    const url = `${this.baseUrl}${fillPath(this.routeOf('readFileContent').path, { case: caseName })}${queryString({ path })}`;
    let response = await this.fetchOrUnavailable(url, { headers: await this.headers(), redirect: 'manual' });
    const etag = response.headers.get('etag');
    if (response.status === 307 || response.status === 302) {
      await response.body?.cancel();
      response = await this.fetchOrUnavailable(response.headers.get('location')!, {});
    }
    if (!response.ok || !response.body) throw await errorOf(response);
    return { stream: Readable.fromWeb(response.body as unknown as WebReadableStream), etag };
  }

  /** Streams a blob's bytes where `POST /cases/{case}/blobs` said (`declareBlob`'s `upload`). */
  async uploadBlob(upload: BlobUpload, body: Readable, size: number): Promise<void> {
    const bearer = upload.authorization === 'bearer';
    const headers: Record<string, string> = { ...upload.headers, 'content-length': String(size), ...(bearer ? await this.headers() : {}) };
    const init = { method: upload.method, headers, body: Readable.toWeb(body) as unknown as BodyInit, duplex: 'half' } as RequestInit;
    const response = await this.fetchOrUnavailable(bearer ? `${this.baseUrl}${upload.url}` : upload.url, init);
    if (!response.ok) throw await errorOf(response);
    await response.body?.cancel();
  }

  // ---- transport ----

  private routeOf(operationId: OperationId): { method: string; path: string } {
    const route = ROUTE_BY_OPERATION.get(operationId);
    if (!route) throw new Error(`no route ${operationId} in the route table`);
    return route;
  }

  private async headers(): Promise<Record<string, string>> {
    const token = await this.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private async fetchOrUnavailable(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: init.signal ?? AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new BailiffApiError(
        'unavailable',
        0,
        `cannot reach Bailiff at ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
        [],
        undefined,
        { cause: error },
      );
    }
  }

  private async send<K extends OperationId>(operationId: K, input: CallInput<K>, options: { acceptStatuses?: number[] } = {}): Promise<ResponseOf<K>> {
    const route = this.routeOf(operationId);
    const path =
      fillPath(route.path, input.params as Record<string, unknown> | undefined) +
      queryString((input.query ?? {}) as Record<string, string | number | boolean | undefined>);
    const body = input.body;
    const response = await this.fetchOrUnavailable(`${this.baseUrl}${path}`, {
      method: route.method,
      headers: { accept: 'application/json', ...(await this.headers()), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && !options.acceptStatuses?.includes(response.status)) throw await errorOf(response);
    const text = await response.text();
    return (text ? parseJson(text) : undefined) as ResponseOf<K>;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function errorOf(response: Response): Promise<BailiffApiError> {
  const body = parseJson(await response.text().catch(() => ''));
  return errorFromResponse(response.status, body, response.headers.get('x-request-id') ?? undefined);
}

function errorFromResponse(status: number, body: unknown, requestId: string | undefined): BailiffApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown; id?: unknown } } | undefined)?.error;
  const code: ErrorCode = typeof error?.code === 'string' && error.code in ERROR_CODES ? (error.code as ErrorCode) : codeForStatus(status);
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  const details = Array.isArray(error?.details) ? (error.details as ApiErrorDetail[]) : [];
  return new BailiffApiError(code, status, message, details, typeof error?.id === 'string' ? error.id : requestId);
}

function codeForStatus(status: number): ErrorCode {
  const match = (Object.entries(ERROR_CODES) as Array<[ErrorCode, number]>).find(([, code]) => code === status);
  return match ? match[0] : status >= 500 ? 'unavailable' : 'invalid_input';
}

function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
