// The OpenAPI 3.1 document, generated from the zod schemas each route file declares next to its handler.
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.js';
import { type ApiErrorCode, ERROR_STATUS } from '../errors.js';

/** Who may call a route (the docs page and the document's `security` come from it). */
export type Access = 'any' | 'host' | 'team' | 'team-or-host' | 'any-or-host';

/** A response of a route: JSON described by a schema, another media type, or no body. */
export type ResponseDoc = { description: string; schema?: z.ZodType; mediaType?: string };

/**
 * What a route file says about one route. `path` uses OpenAPI braces (`/api/submissions/{id}`); `errors`
 * lists the error codes it can answer with (their statuses come from the one status table).
 */
export type RouteDoc = {
  method: 'get' | 'post' | 'put';
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: { name: string; description: string; required?: boolean }[];
  /** Request bodies by media type; a schema for JSON or multipart fields, 'binary' for raw bytes. */
  body?: Record<string, z.ZodType | 'binary'>;
  responses: Record<number, ResponseDoc>;
  errors: ApiErrorCode[];
};

/** The error body, as a schema (the one error shape). */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    requestId: z.string(),
  }),
});

type Json = { [key: string]: unknown };

/** zod → JSON Schema without the noise of generated regexes for formats. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const clean = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(clean);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Json).filter(([k]) => k !== '$schema');
    const obj = Object.fromEntries(entries.map(([k, v]) => [k, clean(v)])) as Json;
    if (typeof obj.format === 'string') delete obj.pattern;
    if (obj.minimum === Number.MIN_SAFE_INTEGER) delete obj.minimum; // zod's int() bounds: noise in docs
    if (obj.maximum === Number.MAX_SAFE_INTEGER) delete obj.maximum;
    return obj;
  };
  return clean(out) as Json;
}

function parameters(doc: RouteDoc): Json[] {
  const list: Json[] = [];
  for (const [where, schema] of [
    ['path', doc.params],
    ['query', doc.query],
  ] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, 'input') as { properties?: Json; required?: string[] };
    for (const [name, prop] of Object.entries(shape.properties ?? {})) {
      const required = where === 'path' || (shape.required ?? []).includes(name);
      list.push({ name, in: where, required, schema: prop });
    }
  }
  for (const h of doc.headers ?? []) {
    list.push({ name: h.name, in: 'header', required: h.required ?? false, description: h.description });
  }
  return list;
}

function operation(doc: RouteDoc): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const type = r.mediaType ?? 'application/json';
    responses[status] = {
      description: r.description,
      ...(r.schema || r.mediaType
        ? { content: { [type]: r.schema ? { schema: jsonSchema(r.schema, 'output') } : {} } }
        : {}),
    };
  }
  for (const code of doc.errors) {
    const status = String(ERROR_STATUS[code]);
    const existing = responses[status] as { description: string } | undefined;
    const description = existing ? `${existing.description}, ${code}` : `error: ${code}`;
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const op: Json = {
    summary: doc.summary,
    tags: [doc.tag],
    'x-access': doc.access,
    parameters: parameters(doc),
    responses,
  };
  if (doc.description) op.description = doc.description;
  if (doc.access !== 'any')
    op.security = doc.access.startsWith('any') ? [{}, { bearer: [] }] : [{ bearer: [] }];
  if (doc.body) {
    const content: Json = {};
    for (const [type, schema] of Object.entries(doc.body)) {
      content[type] = {
        schema: schema === 'binary' ? { type: 'string', format: 'binary' } : jsonSchema(schema, 'input'),
      };
    }
    op.requestBody = { required: true, content };
  }
  return op;
}

/**
 * Build the OpenAPI document from every route file's docs.
 *
 * @example
 * const doc = buildOpenApi([...competitionDocs, ...teamDocs]);
 */
export function buildOpenApi(docs: readonly RouteDoc[]): Json {
  const paths: Record<string, Json> = {};
  for (const doc of docs) {
    paths[doc.path] ??= {};
    paths[doc.path][doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sketchboard API',
      version: '1',
      description:
        'Image-classification competitions: upload model bundles, trigger scoring, read leaderboards. ' +
        'Every error is `{ error: { code, message, requestId } }`; every response carries `X-Request-Id`. ' +
        "A team's token used on another team's submission gets 404, as if the submission did not exist; " +
        'a token of the wrong kind (team on a host route, host on a team route) gets 403.',
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'host token or team token' },
      },
    },
  };
}

/** The route docs of this file. */
export const openApiDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'meta',
    access: 'any',
    responses: { 200: { description: 'OpenAPI 3.1 document', mediaType: 'application/json' } },
    errors: [],
  },
];

/** Register `GET /openapi.json`, serving the document built once from `docs`. */
export function registerOpenApi(app: Hono<AppEnv>, docs: readonly RouteDoc[]): Json {
  const document = buildOpenApi(docs);
  app.get('/openapi.json', (c) => c.json(document));
  return document;
}
