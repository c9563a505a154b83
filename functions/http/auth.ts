// Bearer-token auth: the host token (constant-time compare) or a team token (looked up by the services).
//
// Policy, the same on every route:
// - no Authorization header → anonymous; routes that need someone answer 401 `unauthenticated`;
// - a malformed header or a token that is neither the host's nor a team's → 401, even on public routes;
// - a valid token of the wrong kind (team on a host route, host on a team route, a team token on another
//   competition's team routes) → 403 `forbidden`;
// - a resource owned by another team (a submission id) → 404 `not_found`, exactly as if it did not exist,
//   so ids cannot be probed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv, Principal, TeamIdentity } from './context.js';
import { HttpError } from './errors.js';

/** Looks a team token up; null when no team has it. */
export type FindTeamByToken = (token: string) => Promise<TeamIdentity | null>;

const TOKEN = /^[A-Za-z0-9._~+/=-]{8,512}$/;

/**
 * The token of an `Authorization: Bearer <token>` header; null when there is no header, 401 when the header
 * is there but is not a well-formed bearer token.
 */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match || !TOKEN.test(match[1])) {
    throw new HttpError('unauthenticated', 'Authorization header must be "Bearer <token>"');
  }
  return match[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison of a presented token with the host token (both hashed to equal length first). */
export function isHostToken(token: string, hostToken: string): boolean {
  return hostToken.length > 0 && timingSafeEqual(digest(token), digest(hostToken));
}

/**
 * Middleware: resolves the bearer token to a Principal in `c.var.principal`. Never rejects an anonymous
 * request (routes decide); rejects a bad token with 401 everywhere.
 *
 * @example
 * app.use('/api/*', authenticate({ hostToken, findTeam: (t) => services.teamByToken(t) }));
 */
export function authenticate(options: {
  hostToken: string;
  findTeam: FindTeamByToken;
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    let principal: Principal = { kind: 'anonymous' };
    if (token !== null) {
      if (isHostToken(token, options.hostToken)) principal = { kind: 'host' };
      else {
        const team = await options.findTeam(token);
        if (!team) throw new HttpError('unauthenticated', 'unknown or revoked token');
        principal = { kind: 'team', team };
      }
    }
    c.set('principal', principal);
    await next();
  };
}

/** The request's principal (anonymous when the auth middleware did not run). */
export function principalOf(c: AppContext): Principal {
  return c.get('principal') ?? { kind: 'anonymous' };
}

/** Throw unless the host made the request: 401 anonymous, 403 a team. */
export function requireHost(c: AppContext): void {
  const principal = principalOf(c);
  if (principal.kind === 'anonymous')
    throw new HttpError('unauthenticated', 'this route needs the host token');
  if (principal.kind !== 'host') throw new HttpError('forbidden', 'this route is for the host only');
}

/**
 * The team that made the request: 401 anonymous, 403 the host or a team of another competition (when
 * `competitionId` is given).
 */
export function requireTeam(c: AppContext, competitionId?: string): TeamIdentity {
  const principal = principalOf(c);
  if (principal.kind === 'anonymous') throw new HttpError('unauthenticated', 'this route needs a team token');
  if (principal.kind !== 'team')
    throw new HttpError('forbidden', 'this route is for teams; the host token cannot act as a team');
  if (competitionId !== undefined && principal.team.competitionId !== competitionId) {
    throw new HttpError('forbidden', 'this team token belongs to another competition');
  }
  return principal.team;
}

/** True when the request comes from the host. */
export function isHost(c: AppContext): boolean {
  return principalOf(c).kind === 'host';
}
