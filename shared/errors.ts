/**
 * The closed set of error codes Bailiff speaks, and the one place they become HTTP statuses.
 *
 * Adapters translate vendor errors (GCS 412, Firestore ABORTED, SQLite constraint) into these
 * codes where they catch them, so services and the HTTP layer never see a vendor error.
 */
import type { z } from 'zod';

export const ERROR_CODES = {
  /** The request or plan is malformed: wrong JSON, unknown fields, unsafe paths. */
  invalid_input: 400,
  /** No identity, or one that could not be verified. */
  unauthenticated: 401,
  /** A known identity without the role or case scope the call needs. */
  forbidden: 403,
  /** The plan, case or object does not exist. */
  not_found: 404,
  /** The route exists, but not for this HTTP method (the response names the allowed ones). */
  method_not_allowed: 405,
  /** The plan is in a state where this transition is illegal (details carry the current state). */
  conflict: 409,
  /** The approver reviewed a different plan than the one stored. */
  hash_mismatch: 409,
  /**
   * The approver reviewed another dry-run report than the plan's current one (the workspace
   * changed and the plan was validated again): details carry `expected` and `got` snapshot hashes.
   */
  report_changed: 409,
  /** An object's generation is not the one the caller required (stale data). */
  precondition_failed: 412,
  /** Body or content larger than the configured limits. */
  payload_too_large: 413,
  /**
   * The object is under a legal hold or retention (Cloud Storage's 403 `retentionPolicyNotMet`,
   * or the embedded store's own hold): it may not be deleted, overwritten or moved away until
   * the hold is released or the retention ends. Permanent: a retry never helps. Details name the
   * object and the hold.
   */
  object_held: 423,
  /** A byte range that lies outside the object read (`Range` header). */
  range_not_satisfiable: 416,
  /** The plan's dry run has errors or breaks a policy rule, so it cannot be approved or run. */
  plan_invalid: 422,
  /** Too many requests against a backend; a later retry may succeed. */
  rate_limited: 429,
  /** A dependency (storage, state store, queue) is down or timed out; a retry may succeed. */
  unavailable: 503,
  /** A bug or an unexpected condition; the message never reaches the caller. */
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  /** JSON path of the offending field, such as `operations.3.destination`. */
  path?: string;
  message: string;
  [key: string]: unknown;
}

export class BailiffError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BailiffError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }

  /** Whether repeating the same request later could succeed. */
  get retryable(): boolean {
    return this.code === 'unavailable' || this.code === 'rate_limited';
  }
}

export function isBailiffError(error: unknown, code?: ErrorCode): error is BailiffError {
  return error instanceof BailiffError && (code === undefined || error.code === code);
}

/**
 * Named factories, one per code: call sites read like sentences, and the code, the message
 * shape and the details are decided here. `cause` keeps the underlying error for the log.
 */
type ErrorFactory = (message: string, details?: ErrorDetail[], cause?: unknown) => BailiffError;
const factory =
  (code: ErrorCode): ErrorFactory =>
  (message, details = [], cause) =>
    new BailiffError(code, message, details, cause === undefined ? undefined : { cause });

export const invalidInput = factory('invalid_input');
export const unauthenticated = factory('unauthenticated');
export const forbidden = factory('forbidden');
export const notFound = factory('not_found');
export const methodNotAllowed = factory('method_not_allowed');
export const conflict = factory('conflict');
export const hashMismatch = factory('hash_mismatch');
export const reportChanged = factory('report_changed');
export const preconditionFailed = factory('precondition_failed');
export const payloadTooLarge = factory('payload_too_large');
export const planInvalid = factory('plan_invalid');
export const objectHeld = factory('object_held');
export const rateLimited = factory('rate_limited');
export const unavailable = factory('unavailable');
export const internal = factory('internal');

/**
 * A field path as error details show it: `operations.3.destination`. A segment written in
 * brackets names an entry by something other than its key (`BAILIFF_TOKENS[token #2 (alice)]`,
 * so a secret key is never shown) and attaches without a dot.
 */
export function issuePath(segments: readonly PropertyKey[]): string {
  return segments.map((segment, i) => (i === 0 || /^\[.*\]$/.test(String(segment)) ? String(segment) : `.${String(segment)}`)).join('');
}

/** zod issues as error details whose `path` reads like `operations.3.destination`. */
export function zodIssueDetails(error: z.core.$ZodError, pathPrefix: readonly string[] = []): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issuePath([...pathPrefix, ...issue.path]),
    message: issue.message,
  }));
}
