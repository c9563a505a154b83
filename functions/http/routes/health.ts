// `GET /healthz`: liveness plus one database round trip.
import { type Health, healthSchema } from '../../../core/api/health.js';
import { HttpError } from '../errors.js';
import { type ApiApp, apiRoute, documented, errorResponses } from './openapi.js';

/** How long the database may take to answer before the check fails. */
export const HEALTH_TIMEOUT_MS = 5_000;

export const healthRoute = apiRoute('any', {
  method: 'get',
  path: '/healthz',
  summary: 'Liveness and database check',
  tags: ['meta'],
  responses: {
    200: {
      description: 'the server and its database answer',
      content: { 'application/json': { schema: healthSchema } },
    },
    ...errorResponses('unavailable'),
  },
});

/** Register `GET /healthz`; 503 `unavailable` when `ping` fails or takes over HEALTH_TIMEOUT_MS. */
export function registerHealth(app: ApiApp, ping: () => Promise<void>): void {
  app.openapi(documented(app, healthRoute), async (c) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), HEALTH_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      throw new HttpError('unavailable', 'database check failed', { cause: err });
    } finally {
      clearTimeout(timer);
    }
    const body: Health = {
      status: 'ok',
      db: 'ok',
      dbLatencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
    return c.json(body, 200);
  });
}
