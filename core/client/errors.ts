// Errors of the API client: the server's `{ error: { code, message, requestId } }` or an unreachable server, one line each.
import { type ErrorCode, SketchboardError } from '../errors.js';

/** Server error codes that mean the same thing in core/'s ErrorCode set. */
const SHARED_CODES: readonly ErrorCode[] = [
  'invalid_argument',
  'invalid_data',
  'invalid_manifest',
  'unsafe_archive',
  'invalid_model',
  'model_output',
  'runtime_unavailable',
  'not_found',
];

function coreCode(apiCode: string): ErrorCode {
  return (SHARED_CODES as readonly string[]).includes(apiCode) ? (apiCode as ErrorCode) : 'internal';
}

/**
 * An API call that failed. `status` is the HTTP status (null when the server could not be reached),
 * `apiCode` the server's error code (`unreachable` for no connection). The message is one line: the
 * server's message, then status and code, e.g. `the bundle predicts 3 classes; this competition has 10
 * (HTTP 422 invalid_bundle)`.
 *
 * @example
 * try { await client.uploadBundle(slug, zip); } catch (err) {
 *   if (err instanceof ClientError && err.status === 413) console.error('bundle too large');
 * }
 */
export class ClientError extends SketchboardError {
  readonly status: number | null;
  readonly apiCode: string;
  readonly requestId: string | undefined;

  constructor(
    init: { status: number | null; apiCode: string; message: string; requestId?: string },
    options?: { cause?: unknown },
  ) {
    super(coreCode(init.apiCode), init.message, options);
    this.name = 'ClientError';
    this.status = init.status;
    this.apiCode = init.apiCode;
    this.requestId = init.requestId;
  }
}

type ErrorBody = { error: { code: string; message: string; requestId?: string } };

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** A ClientError from a non-2xx response: the server's error body when it sent one, else the status line. */
export async function errorFromResponse(response: Response, what: string): Promise<ClientError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    const { code, message, requestId } = body.error;
    return new ClientError({
      status: response.status,
      apiCode: code,
      message: `${message} (HTTP ${response.status} ${code})`,
      requestId,
    });
  }
  const snippet = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
  return new ClientError({
    status: response.status,
    apiCode: `http_${response.status}`,
    message: `${what}: HTTP ${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}`,
  });
}

/** Why a fetch got no response: the network error code (ECONNREFUSED, ENOTFOUND...) or the innermost message. */
function networkReason(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (current instanceof Error && current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/**
 * The error for a request that got no HTTP response: names the server URL and how to point the CLI elsewhere.
 *
 * @example
 * unreachable('http://localhost:8787', err).message;
 * // 'cannot reach the Sketchboard server at http://localhost:8787 (ECONNREFUSED): is it running? ...'
 */
export function unreachable(server: string, err: unknown): ClientError {
  const reason = networkReason(err);
  return new ClientError(
    {
      status: null,
      apiCode: 'unreachable',
      message:
        `cannot reach the Sketchboard server at ${server} (${reason}): is it running? ` +
        'Point the CLI at it with --server URL or SKETCHBOARD_SERVER',
    },
    { cause: err },
  );
}

/** The error for a 2xx response whose body is not what the API documents. */
export function unexpectedBody(what: string, detail: string): ClientError {
  return new ClientError({
    status: null,
    apiCode: 'unexpected_response',
    message: `${what}: the server's answer is not what this client expects (${detail}); is --server a Sketchboard server of the same version?`,
  });
}
