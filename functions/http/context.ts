// The Hono environment of the API: per-request variables (request id, authenticated principal).
import type { Context } from 'hono';

/** The team a team token belongs to, as the HTTP layer needs it. */
export type TeamIdentity = { id: string; competitionId: string; name: string };

/** Who made the request: the host, a team, or nobody (no Authorization header). */
export type Principal = { kind: 'host' } | { kind: 'team'; team: TeamIdentity } | { kind: 'anonymous' };

/** Hono `Env` of the app. */
export type AppEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
  };
};

/** A request context of the app. */
export type AppContext = Context<AppEnv>;
