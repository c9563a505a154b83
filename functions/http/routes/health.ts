// `GET /healthz`: liveness plus one database round trip.
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.js';
import { HttpError } from '../errors.js';
import type { RouteDoc } from './openapi.js';

/** Body of a healthy answer. */
export const healthSchema = z.strictObject({
  status: z.literal('ok'),
  db: z.literal('ok'),
  dbLatencyMs: z.number(),
});
export type Health = z.infer<typeof healthSchema>;

/** The route docs of this file. */
export const healthDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness and database check',
    tag: 'meta',
    access: 'any',
    responses: { 200: { description: 'the server and its database answer', schema: healthSchema } },
    errors: ['unavailable'],
  },
];

/** How long the database may take to answer before the check fails. */
export const HEALTH_TIMEOUT_MS = 5_000;

/** Register `GET /healthz`; 503 `unavailable` when `ping` fails or takes over HEALTH_TIMEOUT_MS. */
export function registerHealth(app: Hono<AppEnv>, ping: () => Promise<void>): void {
  app.get('/healthz', async (c) => {
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
    return c.json(body);
  });
}
