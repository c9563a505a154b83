// Bearer-token auth: the host token or a team token, resolved by the services; route guards for each kind.
//
// Policy, the same on every route:
// - no Authorization header → anonymous; routes that need someone answer 401 `unauthenticated`;
// - a malformed header or a token that is neither the host's nor a team's → 401, even on public routes;
// - a valid token of the wrong kind (team on a host route, host on a team route, a team token on another
//   competition's team routes) → 403 `forbidden`;
// - a resource owned by another team (a submission id) → 404 `not_found`, exactly as if it did not exist,
//   so ids cannot be probed.
import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv, Principal, TeamIdentity } from '../context.js';
import { HttpError } from '../errors.js';

/** The host or the team a token belongs to; throws `unauthenticated` for any other token. */
export type ResolveToken = (token: string) => Promise<Exclude<Principal, { kind: 'anonymous' }>>;

/** What a token may look like (host or team); anything else is never looked up. The pages' cookie uses it too. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{8,512}$/;

/** True when `token` has the shape of a bearer token (it may still be unknown). */
export function isTokenShaped(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * The token of an `Authorization: Bearer <token>` header; null when there is no header, 401 when the header
 * is there but is not a well-formed bearer token.
 */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match || !isTokenShaped(match[1])) {
    throw new HttpError('unauthenticated', 'Authorization header must be "Bearer <token>"');
  }
  return match[1];
}

/**
 * Middleware: resolves the bearer token to a Principal in `c.var.principal` with `resolve` (the services'
 * `authenticate`: constant-time host-token compare, else a team by token hash). Never rejects an anonymous
 * request (routes decide); a bad token is 401 everywhere.
 *
 * @example
 * app.use('/api/*', authenticate((token) => authenticateToken(services, token)));
 */
export function authenticate(resolve: ResolveToken): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    c.set('principal', token === null ? { kind: 'anonymous' } : await resolve(token));
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

/** The host or team that made the request: 401 anonymous. */
export function requireSignedIn(c: AppContext): Exclude<Principal, { kind: 'anonymous' }> {
  const principal = principalOf(c);
  if (principal.kind === 'anonymous')
    throw new HttpError('unauthenticated', 'this route needs a team or host token');
  return principal;
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
