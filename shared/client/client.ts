/**
 * A typed client for the whole Bailiff HTTP API (API.md): one method per route, responses typed
 * by the same zod schemas the server answers with, and every error a BailiffApiError carrying
 * the API's code and field paths. Used by the CLI and the stdio MCP server.
 */
import type { z } from 'zod';
import type { FromCommandsInput } from '../domain/commands.ts';
import { ERROR_CODES, type ErrorCode } from '../errors.ts';
import type { approveBodySchema, planInputSchema, PlanStatus } from '../domain/plan.ts';
import type { holdBodySchema } from '../domain/holds.ts';
import { FINISHED_STATUSES } from '../domain/lifecycle.ts';
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
  /** Stop when the plan reaches one of these. Default: decided or finished (anything but proposed, queued, running). */
  until?: readonly PlanStatus[];
  /** Give up (returning the plan as it is) after this long. Default 60 s. */
  timeoutMs?: number;
  intervalMs?: number;
  /** Called with every view read while waiting (for progress displays). */
  onPoll?: (view: PlanViewBody) => void;
  signal?: AbortSignal;
}

/** Statuses after which nothing more happens to a plan unless a person acts (domain/lifecycle.ts). */
export { FINISHED_STATUSES };

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

  /** A client configured from BAILIFF_URL and BAILIFF_TOKEN (or a Google ID token on https). */
  static fromEnvironment(env: Record<string, string | undefined> = process.env): BailiffClient {
    const settings: ClientSettings = settingsFromEnvironment(env);
    return new BailiffClient({ baseUrl: settings.baseUrl, token: settings.token });
  }

  /** The console page a person opens to review a plan. */
  consoleUrl(planId: string): string {
    return `${this.baseUrl}/ui/plans/${encodeURIComponent(planId)}`;
  }

  health(): Promise<HealthBody> {
    return this.request('GET', '/health', undefined, { acceptStatuses: [503] });
  }
  openApi(): Promise<Record<string, unknown>> {
    return this.request('GET', '/openapi.json');
  }
  listFiles(caseName: string, query: { prefix?: string; recursive?: boolean } = {}): Promise<FileListBody> {
    return this.request('GET', `/cases/${encodeURIComponent(caseName)}/files${queryString(query)}`);
  }
  fileHistory(caseName: string, path: string, page: { limit?: number; pageToken?: string } = {}): Promise<FileHistoryBody> {
    return this.request('GET', `/cases/${encodeURIComponent(caseName)}/files/history${queryString({ path, ...page })}`);
  }
  readFileText(caseName: string, path: string, page: { offset?: number; limit?: number } = {}): Promise<FileTextBody> {
    return this.request('GET', `/cases/${encodeURIComponent(caseName)}/files/text${queryString({ path, ...page })}`);
  }
  propose(plan: PlanInputBody): Promise<PlanViewBody> {
    return this.request('POST', '/plans', plan);
  }
  proposeFromCommands(body: FromCommandsBody): Promise<PlanFromCommandsBody> {
    return this.request('POST', '/plans/from-commands', body);
  }
  listPlans(query: { case?: string; status?: PlanStatus; pageToken?: string; limit?: number } = {}): Promise<PlanListBody> {
    return this.request('GET', `/plans${queryString(query)}`);
  }
  getPlan(planId: string): Promise<PlanViewBody> {
    return this.request('GET', `/plans/${encodeURIComponent(planId)}`);
  }
  validate(planId: string): Promise<PlanViewBody> {
    return this.request('POST', `/plans/${encodeURIComponent(planId)}/validate`);
  }
  approve(planId: string, body: ApproveBody): Promise<PlanViewBody> {
    return this.request('POST', `/plans/${encodeURIComponent(planId)}/approve`, body);
  }
  /** Approves exactly what `reviewed` showed the approver: its plan hash and its report's snapshot. */
  approveReviewed(reviewed: Pick<PlanViewBody, 'plan' | 'report'>, comment?: string): Promise<PlanViewBody> {
    return this.approve(reviewed.plan.id, { planHash: reviewed.plan.planHash, snapshotHash: reviewed.report.snapshotHash, ...(comment === undefined ? {} : { comment }) });
  }
  reject(planId: string, body: { reason: string }): Promise<PlanViewBody> {
    return this.request('POST', `/plans/${encodeURIComponent(planId)}/reject`, body);
  }
  apply(planId: string): Promise<PlanViewBody> {
    return this.request('POST', `/plans/${encodeURIComponent(planId)}/apply`);
  }
  rollback(planId: string): Promise<PlanViewBody> {
    return this.request('POST', `/plans/${encodeURIComponent(planId)}/rollback`);
  }
  /** One page of the plan's operations in order (all of them, however many the report lists). */
  planOperations(planId: string, page: { offset?: number; limit?: number } = {}): Promise<OperationPageBody> {
    return this.request('GET', `/plans/${encodeURIComponent(planId)}/operations${queryString(page)}`);
  }
  planAudit(planId: string): Promise<PlanAuditBody> {
    return this.request('GET', `/plans/${encodeURIComponent(planId)}/audit`);
  }
  verifyAudit(): Promise<AuditVerificationBody> {
    return this.request('GET', '/audit/verify');
  }
  releaseLease(caseName: string): Promise<LeaseReleaseBody> {
    return this.request('DELETE', `/cases/${encodeURIComponent(caseName)}/lease`);
  }
  /** Places (`held: true`) or releases a legal hold on one file of the case (admin). */
  setHold(caseName: string, body: HoldBody): Promise<HoldAnswerBody> {
    return this.request('POST', `/cases/${encodeURIComponent(caseName)}/holds`, body);
  }

  /**
   * Polls the plan until it reaches a status in `until` (default: anything but proposed,
   * queued or running) or the timeout passes; returns the last view either way.
   */
  async waitForPlan(planId: string, options: WaitOptions = {}): Promise<{ view: PlanViewBody; timedOut: boolean }> {
    const until = options.until ?? [...FINISHED_STATUSES, 'approved'];
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const interval = options.intervalMs ?? 250;
    for (;;) {
      const view = await this.getPlan(planId);
      options.onPoll?.(view);
      if (until.includes(view.plan.status)) return { view, timedOut: false };
      if (Date.now() + interval > deadline || options.signal?.aborted) return { view, timedOut: true };
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, options: { acceptStatuses?: number[] } = {}): Promise<T> {
    const token = await this.token();
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new BailiffApiError('unavailable', 0, `cannot reach Bailiff at ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`, [], undefined, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok || options.acceptStatuses?.includes(response.status)) return parsed as T;
    throw errorFromResponse(response.status, parsed, response.headers.get('x-request-id') ?? undefined);
  }
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
