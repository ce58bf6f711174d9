/**
 * Errors the client raises: the API's error body as a typed exception, so a caller (the CLI,
 * the MCP tools, an agent's code) can branch on `code` and point at the exact field.
 */
import type { ErrorCode } from '../errors.ts';

export interface ApiErrorDetail {
  /** The offending field, such as `operations.3.destination`. */
  path?: string;
  message: string;
  /** `POST /plans/from-commands` refusals carry the line and column instead of a path. */
  line?: number;
  column?: number;
  [key: string]: unknown;
}

export class BailiffApiError extends Error {
  /** One of the API's error codes; `unavailable` also when the server could not be reached. */
  readonly code: ErrorCode;
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  readonly details: ApiErrorDetail[];
  /** Set on 500s: quote it to find the logged cause. */
  readonly requestId?: string;

  constructor(code: ErrorCode, status: number, message: string, details: ApiErrorDetail[] = [], requestId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BailiffApiError';
    this.code = code;
    this.status = status;
    this.details = details;
    this.requestId = requestId;
  }

  /** The field paths the error names, in order (empty when it names none). */
  get fieldPaths(): string[] {
    return this.details.flatMap((detail) => (detail.path === undefined ? [] : [detail.path]));
  }

  /** Whether the same request may succeed later. */
  get retryable(): boolean {
    return this.code === 'unavailable' || this.code === 'rate_limited';
  }

  /** The message with each detail on its own line, as a person or a model reads it best. */
  describe(): string {
    const lines = this.details.map((detail) => {
      const where = detail.line !== undefined ? `line ${detail.line}, column ${detail.column ?? 1}: ` : detail.path ? `${detail.path}: ` : '';
      return `  - ${where}${detail.message}`;
    });
    return [`${this.code}: ${this.message}`, ...lines].join('\n');
  }
}

/** Whatever carries the API's error shape: the client's errors and the services' BailiffErrors alike. */
export function isApiErrorLike(error: unknown): error is { code: ErrorCode; message: string; details: ApiErrorDetail[] } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && Array.isArray((error as { details?: unknown }).details);
}
