// The one error shape of the HTTP API: error codes → statuses in one table, one onError, one notFound.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ApiErrorCode, type ErrorBody, isApiErrorCode } from '../../core/api/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { log } from '../../core/log.js';
import type { ServiceErrorCode } from '../services/errors.js';
import type { AppEnv, Logger } from './context.js';

export type { ApiErrorCode, ErrorBody };

/**
 * Every error code a client can see (core/api's `apiErrorCodes`), with its HTTP status: a code without a
 * status fails `tsc`. Codes thrown by core/ (SketchboardError) and by the services keep their name on the
 * wire; only the status comes from here.
 */
export const ERROR_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  competition_closed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  invalid_manifest: 422,
  invalid_model: 422,
  unsafe_archive: 422,
  invalid_data: 422,
  invalid_bundle: 422,
  invalid_predictions: 422,
  model_output: 422,
  limit_exceeded: 429,
  internal: 500,
  runtime_unavailable: 503,
  unavailable: 503,
  insufficient_storage: 507,
} as const satisfies Record<ApiErrorCode, ContentfulStatusCode>;

/** Compiles only when every member of `Sub` is in `Super` (`tsc` names the stray codes otherwise). */
type Subset<Sub extends Super, Super> = [Sub, Super];
/** core/'s and the services' error codes are API codes, so each has a status: checked by `tsc`, nothing at run time. */
export type ErrorCodesCovered = [Subset<ErrorCode, ApiErrorCode>, Subset<ServiceErrorCode, ApiErrorCode>];

/**
 * An error raised by the HTTP layer itself (auth, content type, body parsing, uploads). Handlers throw it
 * (or a core/service error); they never build error JSON.
 *
 * @example
 * throw new HttpError('unsupported_media_type', 'send the bundle as application/zip');
 */
export class HttpError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.code = code;
  }
}

/** HTTP status of a code. */
export function statusOf(code: ApiErrorCode): ContentfulStatusCode {
  return ERROR_STATUS[code];
}

const STATUS_CODE: Partial<Record<number, ApiErrorCode>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'limit_exceeded',
};

/**
 * Turn anything thrown into a public { code, message }. Typed errors (anything with a known string `code`:
 * HttpError, SketchboardError, the services' errors) keep their code and message; Hono's HTTPException keeps
 * its status; everything else becomes `internal` with a fixed message, so no stack, path or SQL leaks.
 */
export function toPublicError(err: unknown): { code: ApiErrorCode; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (isApiErrorCode(code) && code !== 'internal') return { code, message: err.message };
    if (err instanceof HTTPException) {
      const mapped = STATUS_CODE[err.status];
      if (mapped) return { code: mapped, message: err.message || mapped.replaceAll('_', ' ') };
    }
  }
  return { code: 'internal', message: 'internal error' };
}

/** The request id set by the request-id middleware (or 'unknown' before it ran). */
export function requestIdOf(c: Context<AppEnv>): string {
  return c.get('requestId') ?? 'unknown';
}

/** Build the error response for a code and message. The only place error JSON is written. */
export function errorResponse(c: Context<AppEnv>, code: ApiErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message, requestId: requestIdOf(c) } };
  return c.json(body, statusOf(code));
}

/**
 * The app's single `onError`: answers in the one shape; server faults (5xx) are logged with the request id
 * and the stack, which never reach the client.
 *
 * @example
 * app.onError(errorHandler(log));
 */
export function errorHandler(logger: Pick<Logger, 'error'> = log): ErrorHandler<AppEnv> {
  return (err, c) => {
    const { code, message } = toPublicError(err);
    if (statusOf(code) >= 500) {
      logger.error('request failed', {
        requestId: requestIdOf(c),
        method: c.req.method,
        path: c.req.path,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
    return errorResponse(c, code, message);
  };
}

/**
 * The body tus answers with for a typed error thrown in its hooks (a ServiceError, say): the one error
 * shape and the status of the code; undefined for tus's own protocol errors (offset conflicts, a length over
 * the limit), which keep tus's status and text.
 *
 * @example
 * onResponseError: (req, err) => tusErrorBody(err, requestIdOf(c))
 */
export function tusErrorBody(
  err: unknown,
  requestId: string,
): { status_code: number; body: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, message } = toPublicError(err);
  const body: ErrorBody = { error: { code, message, requestId } };
  return { status_code: statusOf(code), body: JSON.stringify(body) };
}

/** The app's single `notFound`. */
export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
