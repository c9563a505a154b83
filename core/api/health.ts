// `GET /healthz`'s answer: the server is up and its database answered.
import { z } from 'zod';

/** Body of a healthy answer. */
export const healthSchema = z.strictObject({
  status: z.literal('ok'),
  db: z.literal('ok'),
  dbLatencyMs: z.number(),
});
export type Health = z.infer<typeof healthSchema>;
