// Responses: bodies pass through their zod schema (only documented fields leave, dates as ISO strings); output.csv streamed.
import { Readable } from 'node:stream';
import type { z } from 'zod';
import type { BlobStore } from '../storage/blob.js';

/** The JSON form of a value: Dates become ISO strings, everything else as JSON.stringify would keep it. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** Dates → ISO strings, recursively (plain objects and arrays only). */
export function jsonify<T>(value: T): Jsonified<T> {
  if (value instanceof Date) return value.toISOString() as Jsonified<T>;
  if (Array.isArray(value)) return value.map((v) => jsonify(v)) as Jsonified<T>;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonify(v)])) as Jsonified<T>;
  }
  return value as Jsonified<T>;
}

/**
 * Project a value onto a response schema: unknown keys are dropped (so a field added to a service view
 * never leaks by accident), and a value that does not fit the schema is a server bug (500), not a response.
 *
 * @example
 * return c.json(shape(competitionResponse, { competition: view }), 201);
 */
export function shape<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(jsonify(value));
  if (!parsed.success) {
    throw new Error(
      `response does not match its schema: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  }
  return parsed.data;
}

/**
 * A submission's `output.csv`, streamed from the blob store as a download (`output-<id>.csv`); the API route
 * and the page's download link both answer with it. `page` adds what a browser needs: `no-store`, `nosniff`.
 *
 * @example
 * return outputCsvResponse(deps.blobs, await submissionOutputKey(services, id, who), id);
 */
export async function outputCsvResponse(
  blobs: Pick<BlobStore, 'getStream'>,
  key: string,
  id: string,
  options: { page?: boolean } = {},
): Promise<Response> {
  const stream = await blobs.getStream(key);
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="output-${id.toLowerCase()}.csv"`,
      ...(options.page ? { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } : {}),
    },
  });
}
