// Request ids: accept a well-formed incoming X-Request-Id or make one; every response carries it.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.js';

/** Header carrying the request id, on requests (optional) and on every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

const SAFE_ID = /^[A-Za-z0-9._:=-]{1,128}$/;

/**
 * Middleware: sets `c.var.requestId` and the `X-Request-Id` response header. Runs first, so responses
 * from onError, notFound and handlers that return a raw Response get the header too.
 *
 * @example
 * app.use(requestId());
 */
export function requestId(generate: () => string = () => crypto.randomUUID()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming !== undefined && SAFE_ID.test(incoming) ? incoming : generate();
    c.set('requestId', id);
    c.header(REQUEST_ID_HEADER, id);
    await next();
    if (c.res.headers.get(REQUEST_ID_HEADER) === id) return;
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // Immutable headers (a Response from fetch): copy the response once.
      const res = new Response(c.res.body, c.res);
      res.headers.set(REQUEST_ID_HEADER, id);
      c.res = undefined;
      c.res = res;
    }
  };
}
