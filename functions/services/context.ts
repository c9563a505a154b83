// What every service function receives: the database, the queue, the host token, limits and the clock.
import { type Db, ping } from '../db/client.js';
import type { JobQueue } from '../queue/queue.js';

/**
 * Dependencies of the services. Build one at start-up and pass it to every call; tests set `now`
 * to move the clock.
 */
export type ServiceContext = {
  db: Db;
  /** Needed by `triggerSubmission` only (it enqueues inside its transaction). */
  queue?: Pick<JobQueue, 'enqueueScore'>;
  /** The host's bearer token (env or generated in embedded mode); unset means nobody is host. */
  hostToken?: string;
  /** At most this many queued-or-running submissions per team (env SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS). */
  maxActiveSubmissions: number;
  /** The clock: submission times, the UTC day of the daily limit, competition windows. */
  now?: () => Date;
};

/** The context's current time. */
export function nowOf(ctx: Pick<ServiceContext, 'now'>): Date {
  return ctx.now ? ctx.now() : new Date();
}

/** One database round trip (`select 1`): what `/healthz` checks. */
export function pingDatabase(ctx: Pick<ServiceContext, 'db'>): Promise<void> {
  return ping(ctx.db);
}

/** Midnight UTC of the day `at` falls in: the daily limit resets then. */
export function utcDayStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Who is asking: H7's `Principal` from functions/http/context.ts fits this shape. */
export type Viewer = { kind: 'host' } | { kind: 'team'; team: { id: string } } | { kind: 'anonymous' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed UUID: ids from URLs are checked before they reach a uuid column. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
