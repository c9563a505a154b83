// Route definitions with @hono/zod-openapi: access, error responses from the one status table, and the generated document.
import { createRoute, type OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { type ApiErrorCode, errorBodySchema } from '../../../core/api/errors.js';
import type { AppContext, AppEnv } from '../context.js';
import { ERROR_STATUS } from '../errors.js';
import { requireHost, requireSignedIn, requireTeam } from '../middleware/auth.js';

/** The API app: Hono with the route registry the OpenAPI document is generated from. */
export type ApiApp = OpenAPIHono<AppEnv>;

/** Who may call a route: shown in the docs (`x-access`, `security`) and enforced by the route's guard. */
export type Access = 'any' | 'host' | 'team' | 'team-or-host' | 'any-or-host';

/**
 * The one error body (core/api's schema), as the document's `Error` component. A fresh object over the same
 * shape: zod gives `.openapi()` only to schemas built after @hono/zod-openapi loaded, which core/'s may not be.
 */
export const errorSchema = z.strictObject(errorBodySchema.shape).openapi('Error');

/**
 * The error responses of a route, from the codes it can answer with: statuses from ERROR_STATUS, several
 * codes of one status in one entry, every body the `Error` schema.
 *
 * @example
 * responses: { 200: ok, ...errorResponses('invalid_argument', 'not_found') }
 */
export function errorResponses(...codes: ApiErrorCode[]): RouteConfig['responses'] {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `error: ${list.join(', ')}`,
        content: { 'application/json': { schema: errorSchema } },
      },
    ]),
  );
}

/** Checks run before any parameter is validated, as each access level needs (401/403 first). */
const GUARDS: Record<Access, MiddlewareHandler<AppEnv>[]> = {
  any: [],
  'any-or-host': [],
  host: [guard(requireHost)],
  team: [guard((c) => requireTeam(c))],
  'team-or-host': [guard(requireSignedIn)],
};

function guard(check: (c: AppContext) => unknown): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    check(c);
    await next();
  };
}

const SECURITY: Record<Access, RouteConfig['security']> = {
  any: undefined,
  'any-or-host': [{}, { bearer: [] }],
  host: [{ bearer: [] }],
  team: [{ bearer: [] }],
  'team-or-host': [{ bearer: [] }],
};

/**
 * A route in unkey's style (request, responses and error responses in one object) with who may call it:
 * the access level becomes the document's `x-access` and `security`, and the guard that runs first.
 *
 * @example
 * const route = apiRoute('host', { method: 'post', path: '/api/competitions/{slug}/close', ... });
 */
export function apiRoute<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(
  access: Access,
  route: R,
) {
  const security = SECURITY[access];
  return createRoute({
    ...route,
    'x-access': access,
    ...(security ? { security } : {}),
    middleware: GUARDS[access],
  });
}

/** The part of a route whose input the generic validators check: path and query (bodies are streamed or size-capped). */
type Validated<R extends RouteConfig> = Omit<R, 'request'> & {
  hide: true;
  request: Pick<NonNullable<R['request']>, Extract<keyof NonNullable<R['request']>, 'params' | 'query'>>;
};

/**
 * Register a route's full definition in the document and return the route to serve: its path and query are
 * validated before the handler (failures throw through the app's defaultHook), while bodies and headers are
 * documented only and read by the handler itself (JSON size-capped after the access checks, uploads streamed).
 *
 * @example
 * app.openapi(documented(app, getCompetitionRoute), async (c) => { const { slug } = c.req.valid('param'); ... });
 */
export function documented<R extends RouteConfig>(app: ApiApp, route: R): Validated<R> {
  const { middleware: _middleware, ...doc } = route;
  app.openAPIRegistry.registerPath(doc);
  const request = { params: route.request?.params, query: route.request?.query };
  return { ...route, hide: true, request } as Validated<R>;
}

/** Document title and description (the routes come from the registry). */
const INFO = {
  title: 'Sketchboard API',
  version: '1',
  description:
    'Image-classification competitions: upload model bundles, trigger scoring, read leaderboards. ' +
    'Every error is `{ error: { code, message, requestId } }`; every response carries `X-Request-Id`. ' +
    "A team's token used on another team's submission gets 404, as if the submission did not exist; " +
    'a token of the wrong kind (team on a host route, host on a team route) gets 403.',
};

/** The OpenAPI 3.1 document generated from every route registered on `app`. */
export type OpenApiDocument = ReturnType<ApiApp['getOpenAPI31Document']>;

/**
 * The OpenAPI 3.1 document of every route registered so far, with the bearer security scheme.
 *
 * @example
 * const doc = openApiDocument(app); // after every route is registered
 */
export function openApiDocument(app: ApiApp): OpenApiDocument {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'host token or team token',
  });
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: INFO });
}

const openApiRoute = apiRoute('any', {
  method: 'get',
  path: '/openapi.json',
  summary: 'This document',
  tags: ['meta'],
  responses: {
    200: {
      description: 'OpenAPI 3.1 document',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

/**
 * Register `GET /openapi.json`; the document is generated once, on first use, when every route is registered.
 * Returns the getter the reference page uses.
 */
export function registerOpenApi(app: ApiApp): () => OpenApiDocument {
  let document: OpenApiDocument | undefined;
  const get = () => {
    document ??= openApiDocument(app);
    return document;
  };
  app.openapi(documented(app, openApiRoute), (c) => c.json(get(), 200));
  return get;
}

/**
 * A JSON body or response content for a createRoute definition.
 *
 * @example
 * responses: { 200: { description: 'the competition', content: json(competitionResponse) } }
 */
export const json = <S>(schema: S) => ({ 'application/json': { schema } });
