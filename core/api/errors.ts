// The API's error codes and the one error body `{ error: { code, message, requestId } }`.
import { z } from 'zod';

/**
 * Every error code a client can see. The server maps each to an HTTP status in one table (checked at compile
 * time against this list); core's and the services' codes are subsets of it.
 */
export const apiErrorCodes = [
  'invalid_argument',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'competition_closed',
  'payload_too_large',
  'range_not_satisfiable',
  'insufficient_storage',
  'unsupported_media_type',
  'invalid_manifest',
  'invalid_model',
  'unsafe_archive',
  'invalid_data',
  'invalid_bundle',
  'invalid_predictions',
  'model_output',
  'limit_exceeded',
  'internal',
  'runtime_unavailable',
  'unavailable',
] as const;

/** The error codes as a zod enum. */
export const apiErrorCodeSchema = z.enum(apiErrorCodes);
/** A code of the API's error body. */
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

/** The body of every error response. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: apiErrorCodeSchema,
    message: z.string(),
    requestId: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** True when `code` is one of the API's error codes. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (apiErrorCodes as readonly string[]).includes(code);
}
