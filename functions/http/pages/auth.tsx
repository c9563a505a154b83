// Sign-in and sign-out forms (POST /sign-in, POST /sign-out) and the pages' error rendering (401 asks to sign in).

import type { Hono } from 'hono';
import { log } from '../../../core/log.js';
import { authenticate, type ServiceContext } from '../../services/index.js';
import type { BoardCache } from '../board-cache.js';
import type { AppContext, AppEnv } from '../context.js';
import { HttpError, requestIdOf, statusOf, toPublicError } from '../errors.js';
import { ErrorPage, type HeaderInfo, sendPage } from './layout.js';
import {
  checkCsrf,
  csrfToken,
  endSession,
  localPath,
  readForm,
  readSession,
  type SecureCookies,
  type Session,
  startSession,
  TOKEN_PATTERN,
} from './session.js';

/** What the page routes need. */
export type PageDeps = {
  services: ServiceContext;
  secureCookies: SecureCookies;
  /** The per-process board cache (board versions, serialized public boards). */
  boards: BoardCache;
};

/** The header of a page for a session (who is signed in, the sign-out form's CSRF token). */
export function headerOf(session: Session): HeaderInfo {
  const { principal } = session;
  const who =
    principal.kind === 'team'
      ? { kind: 'team' as const, name: principal.team.name }
      : { kind: principal.kind };
  return { who, csrf: csrfToken(session) };
}

/** The token form. The token is typed into a password field and never written back into any page. */
export function SignInForm(props: { next: string }) {
  return (
    <form method="post" action="/sign-in" class="card">
      <label for="token">Team token</label>
      <p class="muted" id="token-help">
        The token you got when you registered your team (it starts with <code>sb_</code>). The host signs in
        here with the host token to see private standings and every submission.
      </p>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        required
        aria-describedby="token-help"
      />
      <input type="hidden" name="next" value={props.next} />
      <p>
        <button type="submit">Sign in</button>
      </p>
    </form>
  );
}

/**
 * Render anything thrown by a page as the error page, with the API's code and status. 401 shows the
 * sign-in form, returning to `next` (default: the page itself for a GET, else `/`); server faults are
 * logged with the request id and never described to the visitor.
 */
export async function renderError(c: AppContext, deps: PageDeps, err: unknown, next?: string) {
  const { code, message } = toPublicError(err);
  const status = statusOf(code);
  if (status >= 500) {
    log.error('page failed', {
      requestId: requestIdOf(c),
      method: c.req.method,
      path: c.req.path,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
  const session = await readSession(c, deps.services).catch(
    (): Session => ({ principal: { kind: 'anonymous' }, token: null }),
  );
  const back = next ?? (c.req.method === 'GET' ? localPath(c.req.path, '/') : '/');
  return sendPage(
    c,
    <ErrorPage
      header={headerOf(session)}
      status={status}
      code={code}
      message={message}
      requestId={requestIdOf(c)}
    >
      {status === 401 && <SignInForm next={back} />}
    </ErrorPage>,
    status,
  );
}

/** Register POST /sign-in and POST /sign-out. */
export function registerAuth(web: Hono<AppEnv>, deps: PageDeps): void {
  web.post('/sign-in', async (c) => {
    const form = await readForm(c);
    const next = localPath(form.next, '/');
    try {
      const token = (form.token ?? '').trim();
      if (!TOKEN_PATTERN.test(token))
        throw new HttpError('unauthenticated', 'that is not a token; paste it whole');
      await authenticate(deps.services, token);
      startSession(c, token, deps.secureCookies);
      return c.redirect(next, 303);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'unauthenticated') {
        return renderError(
          c,
          deps,
          new HttpError('unauthenticated', 'unknown token; check it and try again'),
          next,
        );
      }
      throw err;
    }
  });

  web.post('/sign-out', async (c) => {
    const form = await readForm(c);
    const session = await readSession(c, deps.services);
    if (session.principal.kind !== 'anonymous') checkCsrf(session, form.csrf);
    endSession(c);
    return c.redirect('/', 303);
  });
}
