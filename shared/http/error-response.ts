/**
 * The one place an error becomes an HTTP response. A BailiffError keeps its code, message and
 * details, with the status from `ERROR_CODES`; a zod error is the caller's invalid input with
 * the path of each bad field; anything else is a bug, answered with a bare 500 and an id that
 * finds the logged stack. Stacks, causes and request headers never reach the caller.
 */
import { z } from 'zod';
import { BailiffError, ERROR_CODES, zodIssueDetails, type ErrorCode, type ErrorDetail } from '../errors.ts';
import type { Logger, LogFields } from '../logging.ts';
import type { HttpResponse } from './types.ts';

/** Enough to fix a request; a plan with a hundred thousand bad operations would otherwise answer megabytes. */
const MAX_ERROR_DETAILS = 100;

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[]; id?: string };
}

const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Serialises a JSON response with the headers every Bailiff response carries. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function capDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  if (details.length <= MAX_ERROR_DETAILS) return [...details];
  return [...details.slice(0, MAX_ERROR_DETAILS), { message: `and ${details.length - MAX_ERROR_DETAILS} more problems` }];
}

/**
 * Maps any thrown value to a response. `requestId` is the id logged with the request; a 500
 * returns it so a caller can quote it. Unexpected errors are logged here with their stack.
 */
export function errorToResponse(error: unknown, context: { requestId: string; logger: Logger; logFields?: LogFields }): HttpResponse {
  if (error instanceof BailiffError && error.code !== 'internal') {
    const status = ERROR_CODES[error.code];
    if (status >= 500) {
      context.logger.warn(error.message, { ...context.logFields, requestId: context.requestId, code: error.code, error });
    }
    const details = capDetails(error.details);
    const headers: Record<string, string> = error.code === 'unauthenticated' ? { 'www-authenticate': bearerChallenge(error) } : {};
    return jsonResponse(status, { error: { code: error.code, message: error.message, ...(details.length > 0 ? { details } : {}) } }, headers);
  }
  if (error instanceof z.core.$ZodError) {
    return jsonResponse(ERROR_CODES.invalid_input, {
      error: { code: 'invalid_input', message: 'invalid input', details: capDetails(zodIssueDetails(error)) },
    });
  }
  context.logger.error('unexpected error', { ...context.logFields, requestId: context.requestId, error });
  return jsonResponse(ERROR_CODES.internal, { error: { code: 'internal', message: 'internal error', id: context.requestId } });
}

/**
 * A 405 with the `Allow` header listing the methods the path does accept. Only routing produces
 * it (no service can throw it), so it is answered here rather than thrown.
 */
export function methodNotAllowedResponse(method: string, allow: readonly string[]): HttpResponse {
  const body: ErrorBody = {
    error: { code: 'method_not_allowed', message: `${method.slice(0, 16)} is not allowed here; use ${allow.join(' or ')}` },
  };
  return jsonResponse(ERROR_CODES.method_not_allowed, body, { allow: allow.join(', ') });
}

/** RFC 6750: a missing token gets a bare challenge, a rejected one says `invalid_token`. */
function bearerChallenge(error: BailiffError): string {
  const missing = error.details.some((detail) => detail.reason === 'missing_token');
  return missing ? 'Bearer realm="bailiff"' : 'Bearer realm="bailiff", error="invalid_token"';
}
