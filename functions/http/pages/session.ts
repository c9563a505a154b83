// Page sessions: the bearer token in an HttpOnly cookie, the viewer it resolves to, CSRF tokens and origin checks.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { authenticate, type ServiceContext } from '../../services/index.js';
import { readText, requireMediaType } from '../body.js';
import type { AppContext, AppEnv, Principal, SecureCookies } from '../context.js';
import { HttpError } from '../errors.js';
import { isTokenShaped, TOKEN_PATTERN } from '../middleware/auth.js';

/** Name of the session cookie. It holds the team's (or the host's) token and is never readable by scripts. */
export const SESSION_COOKIE = 'sb_session';

/** How long a sign-in lasts, seconds (30 days). */
export const SESSION_MAX_AGE = 30 * 24 * 3600;

export type { SecureCookies };

/** The viewer of a page plus the raw token, which only the CSRF derivation uses (never rendered). */
export type Session = { principal: Principal; token: string | null };

/** What a token may look like: the API's bearer-token shape (middleware/auth.ts), the one check of it. */
export { TOKEN_PATTERN };

/** True when the request reached us (or the proxy in front of us) over https. */
export function isHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure per `secure`. */
export function startSession(c: Context<AppEnv>, token: string, secure: SecureCookies): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: SESSION_MAX_AGE,
    secure: secure === 'always' || (secure === 'auto' && isHttps(c)),
  });
}

/** Clears the session cookie. */
export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

/**
 * The signed-in viewer: the cookie's token resolved by the services' `authenticate`. A missing, malformed
 * or no-longer-valid token is anonymous (and a stale cookie is cleared); other failures propagate.
 *
 * @example
 * const { principal } = await readSession(c, services);
 */
export async function readSession(c: AppContext, services: ServiceContext): Promise<Session> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || !isTokenShaped(token)) return { principal: { kind: 'anonymous' }, token: null };
  try {
    return { principal: await authenticate(services, token), token };
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'unauthenticated') throw err;
    endSession(c);
    return { principal: { kind: 'anonymous' }, token: null };
  }
}

/**
 * The CSRF token of a session: HMAC-SHA256 keyed by the session's token, so it is tied to the cookie,
 * the same on every replica and useless to anyone who cannot read the page.
 */
export function csrfToken(session: Session): string {
  if (session.token === null) return '';
  return createHmac('sha256', session.token).update('sketchboard-csrf-v1').digest('base64url');
}

/** Throws 403 `forbidden` unless `submitted` is this session's CSRF token. */
export function checkCsrf(session: Session, submitted: unknown): void {
  const expected = Buffer.from(csrfToken(session));
  const given = Buffer.from(typeof submitted === 'string' ? submitted : '');
  if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError('forbidden', 'this form has expired or did not come from this site; reload the page');
  }
}

/**
 * Refuses a cross-site form post (also a sign-in, where there is no session to tie a CSRF token to):
 * 403 when the browser says the request came from another origin.
 */
export function checkSameOrigin(c: Context): void {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new HttpError('forbidden', 'cross-site form posts are refused');
  }
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') {
    if (origin === 'null') throw new HttpError('forbidden', 'cross-site form posts are refused');
    return;
  }
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? new URL(c.req.url).host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new HttpError('forbidden', 'cross-site form posts are refused');
  }
  if (originHost !== host) throw new HttpError('forbidden', 'cross-site form posts are refused');
}

/** A local path to return to after a form (`/c/demo/team`), or `fallback` for anything else. */
export function localPath(next: unknown, fallback: string): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return fallback;
  }
  return /^\/[A-Za-z0-9\-._~/?=&%]*$/.test(next) ? next : fallback;
}

/** Largest form body a page accepts, bytes. */
export const MAX_FORM_BYTES = 8 * 1024;

/**
 * Read an `application/x-www-form-urlencoded` post after the same-origin check: 403 cross-site, 415 for
 * another content type, 413 over {@link MAX_FORM_BYTES}. Returns each field's last value.
 */
export async function readForm(c: Context): Promise<Record<string, string>> {
  checkSameOrigin(c);
  requireMediaType(c.req.header('content-type'), ['application/x-www-form-urlencoded']);
  const text = await readText(c.req.raw.body, MAX_FORM_BYTES);
  return Object.fromEntries(new URLSearchParams(text).entries());
}
