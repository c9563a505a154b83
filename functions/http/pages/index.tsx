// The server-rendered pages (hono/jsx, no scripts): `registerPages(app, deps)` mounts them on the API app.
//
// Pages (DESIGN.md): `/` competitions · `/c/:slug` leaderboard (`?split=private` tab after the end; the
// host any time) · `/c/:slug/data` the files for participants · `/c/:slug/team` the signed-in team · `/submissions/:id` (team or host) and its
// `/submissions/:id/output.csv`. Forms: `POST /sign-in`, `POST /sign-out`, `POST /c/:slug/team/final`.
//
// Sign-in: a team (or the host, with the host token) pastes its token into the form on any 401 page or
// on `/c/:slug/team`; the token goes into the HttpOnly, SameSite=Lax cookie `sb_session` (Secure per
// `secureCookies`) and is never written into a page. Mutating forms carry a CSRF token derived from the
// cookie, and cross-site posts (Origin / Sec-Fetch-Site) are refused. Errors render as pages with the
// API's error codes and statuses; a 401 page asks to sign in.
import { Hono } from 'hono';
import { BoardCache } from '../board-cache.js';
import type { AppDeps, AppEnv, PageOptions } from '../context.js';
import { type PageDeps, registerAuth, renderError } from './auth.js';
import { registerBoard } from './board.js';
import { registerCompetitionTabs } from './competition-tabs.js';
import { registerDataPage } from './data.js';
import { registerHome } from './home.js';
import { registerHostPage } from './host-page.js';
import { registerShakeupPage } from './shakeup.js';
import { registerSubmissionPage } from './submission.js';
import { registerTeamPage } from './team.js';

export type { PageOptions, SecureCookies } from '../context.js';
export { SESSION_COOKIE } from './session.js';

/**
 * Mount the pages on the app. Only the pages' own routes are added (no app-wide middleware), and their
 * errors are answered as HTML pages instead of the API's JSON.
 *
 * @example
 * const app = createApp(deps);
 * registerPages(app, deps); // in createApp, after the API routes
 * registerPages(app, deps, { secureCookies: 'always' }); // behind a TLS-terminating proxy
 */
export function registerPages(
  app: Hono<AppEnv>,
  deps: Pick<AppDeps, 'services' | 'blobs' | 'boards' | 'config'>,
  options: PageOptions = {},
): void {
  const pageDeps: PageDeps = {
    services: deps.services,
    secureCookies: options.secureCookies ?? 'auto',
    boards: deps.boards ?? new BoardCache(deps.services),
  };
  const web = new Hono<AppEnv>();
  web.onError((err, c) => renderError(c, pageDeps, err));
  registerHome(web, pageDeps);
  registerBoard(web, pageDeps);
  registerDataPage(web, {
    ...pageDeps,
    data: { db: deps.services.db, blobs: deps.blobs, workDir: deps.config.workDir },
  });
  registerCompetitionTabs(web, pageDeps);
  registerHostPage(web, { ...pageDeps, blobs: deps.blobs });
  registerTeamPage(web, pageDeps);
  registerSubmissionPage(web, { ...pageDeps, blobs: deps.blobs });
  registerShakeupPage(web, { ...pageDeps, blobs: deps.blobs });
  registerAuth(web, pageDeps);
  app.route('/', web);
}
