// Typed errors of the services and intake: one class, codes that the HTTP layer's status table (http/errors.ts) knows.

/** Codes the services throw. Each has an HTTP status in functions/http/errors.ts `ERROR_STATUS`. */
export type ServiceErrorCode =
  | 'invalid_argument' // a value breaks a rule the schema could not check (dates, fractions, dataset)
  | 'unauthenticated' // unknown token
  | 'forbidden' // a valid token that may not do this (private board before the end, wrong team)
  | 'not_found' // no such competition / bundle / submission, or one owned by another team
  | 'conflict' // duplicate slug or team name, finals beyond N, a stale scorer lease
  | 'competition_closed' // trigger or final selection outside the competition's window
  | 'invalid_bundle' // a bundle that does not fit the competition (class count)
  | 'invalid_predictions' // a prediction file (output.csv) that does not match the test set
  | 'limit_exceeded' // daily submission limit or too many queued/running submissions
  | 'payload_too_large' // an upload (body, multipart file or field) over its size limit
  | 'insufficient_storage'; // an upload that would not fit on the server's disk (507)

/**
 * The one error type of functions/services (and of intake/, which sits below the transport). `code` is stable and maps to a status in one place;
 * `message` is for people and never holds labels, stack traces or SQL.
 *
 * @example
 * throw new ServiceError('limit_exceeded', 'daily limit of 5 submissions reached; resets at 00:00 UTC');
 */
export class ServiceError extends Error {
  readonly code: ServiceErrorCode;

  constructor(code: ServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceError';
    this.code = code;
  }
}

/**
 * A scorer write (complete / fail) whose lease was taken over by a newer attempt or already settled:
 * refused so that each submission keeps exactly one result. Code `conflict`.
 *
 * @example
 * try { await completeSubmission(ctx, id, lease, results); }
 * catch (err) { if (err instanceof StaleLeaseError) return; throw err; } // another worker owns it now
 */
export class StaleLeaseError extends ServiceError {
  readonly submissionId: string;

  constructor(submissionId: string) {
    super(
      'conflict',
      `submission ${submissionId}: lease is stale (another attempt owns it or it is finished)`,
    );
    this.name = 'StaleLeaseError';
    this.submissionId = submissionId;
  }
}

/** True when `err` is a ServiceError, optionally with the given code. */
export function isServiceError(err: unknown, code?: ServiceErrorCode): err is ServiceError {
  return err instanceof ServiceError && (code === undefined || err.code === code);
}

/** PostgreSQL unique_violation (23505), from either driver (also when wrapped in a `cause`). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (typeof e === 'object' && (e as { code?: unknown }).code === '23505') return true;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}
