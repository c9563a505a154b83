// Request parsing at the edge: content types, size-capped JSON bodies, zod validation of bodies, params, queries.
import type { z } from 'zod';
import { formatIssues, type Issue } from '../../core/errors.js';
import { readChunks } from '../intake/upload.js';
import { HttpError } from './errors.js';

/** Largest JSON body any route accepts. */
export const MAX_JSON_BYTES = 64 * 1024;

/** The media type of a Content-Type header, lower-cased, without parameters ('' when absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Throw 415 unless the request's media type is one of `accepted`. */
export function requireMediaType(contentType: string | undefined, accepted: readonly string[]): string {
  const type = mediaType(contentType);
  if (!accepted.includes(type)) {
    const got = type === '' ? 'no Content-Type' : `Content-Type ${type}`;
    throw new HttpError('unsupported_media_type', `expected ${accepted.join(' or ')}, got ${got}`);
  }
  return type;
}

/** The 400 of a validation failure: `invalid <what>: field: problem; other: problem`. */
export function invalidInput(what: string, issues: readonly Issue[]): HttpError {
  return new HttpError('invalid_argument', `invalid ${what}: ${formatIssues(issues, '(body)')}`);
}

/** How a failure names each part the route validators check (as the handlers' own checks name them). */
const TARGET_NAMES: Record<string, string> = {
  param: 'path',
  query: 'query',
  header: 'header',
  json: 'request body',
  form: 'form fields',
};

/**
 * The API app's `defaultHook`: a path or query that fails its route schema throws the same 400 as every
 * other validation, answered by the one onError.
 *
 * @example
 * const app = new OpenAPIHono<AppEnv>({ defaultHook: throwInvalid });
 */
export function throwInvalid(
  result: { target: string } & ({ success: true } | { success: false; error: z.ZodError }),
): void {
  if (!result.success) throw invalidInput(TARGET_NAMES[result.target] ?? result.target, result.error.issues);
}

/**
 * Validate a value with a zod schema; a failure is a 400 naming every problem (unknown keys included when
 * the schema is strict).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(what, parsed.error.issues);
  return parsed.data;
}

/** Read a request body as UTF-8 text, refusing more than `maxBytes` (413) whatever Content-Length says. */
export async function readText(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number = MAX_JSON_BYTES,
): Promise<string> {
  if (body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  await readChunks(body, 'request body', async (chunk) => {
    total += chunk.byteLength;
    if (total > maxBytes)
      throw new HttpError('payload_too_large', `request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  });
  return Buffer.concat(chunks).toString('utf8');
}

/** Parse JSON text; malformed JSON is a 400 with the parser's reason. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '')
    throw new HttpError('invalid_argument', 'request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError('invalid_argument', `malformed JSON: ${(err as Error).message}`);
  }
}

/**
 * Read and validate a JSON request body: 415 for another content type, 413 over 64 KiB, 400 for malformed
 * JSON or a schema failure.
 *
 * @example
 * const input = await readJson(c.req.raw, createTeamBody);
 */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  requireMediaType(request.headers.get('content-type') ?? undefined, ['application/json']);
  const value = parseJsonText(await readText(request.body));
  return validate(schema, value, 'request body');
}

/** Validate the query string (each key's last value) with a strict schema. */
export function readQuery<S extends z.ZodType>(url: string, schema: S): z.output<S> {
  const query = Object.fromEntries(new URL(url).searchParams.entries());
  return validate(schema, query, 'query');
}
