// `GET /c/:slug/team` (the signed-in team's page) and `POST /c/:slug/team/final` (the select-as-final toggle).
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { SUBMISSION_PAGE } from '../../../core/api/submissions.js';
import {
  bundleNames,
  type CompetitionView,
  getCompetition,
  getTeam,
  listSubmissions,
  scoreHistory,
  selectFinal,
} from '../../services/index.js';
import { validate } from '../body.js';
import type { AppContext, AppEnv, TeamIdentity } from '../context.js';
import { HttpError, statusOf, toPublicError } from '../errors.js';
import { headerOf, type PageDeps } from './auth.js';
import { Layout, sendPage } from './layout.js';
import { checkCsrf, readForm, readSession, type Session } from './session.js';
import { TeamPage, teamPath } from './team-view.js';

const finalForm = z.object({
  csrf: z.string(),
  submission: z.uuid(),
  selected: z.enum(['true', 'false']),
  /** The page of submissions the toggle was on, to return to it. */
  offset: z.coerce.number().int().min(0).max(1_000_000_000).optional(),
});

/** `?offset=` of the team page: which page of 50 submissions (newest first) to show. */
const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

/** Codes of a refused final selection that the team page explains in place (the rest are error pages). */
const EXPLAINED = new Set(['conflict', 'competition_closed', 'not_found']);

/**
 * The team signed in for `competition`: 401 when nobody is signed in, 403 for the host or a team of
 * another competition.
 */
function teamOf(session: Session, competition: CompetitionView): TeamIdentity {
  const { principal } = session;
  if (principal.kind === 'anonymous') {
    throw new HttpError(
      'unauthenticated',
      `sign in with your team token to see your team in ${competition.title}`,
    );
  }
  if (principal.kind === 'host')
    throw new HttpError('forbidden', 'the host has no team; sign out to sign in as a team');
  if (principal.team.competitionId !== competition.id) {
    throw new HttpError(
      'forbidden',
      `you are signed in as ${principal.team.name} of another competition; sign out first`,
    );
  }
  return principal.team;
}

/** The host's view of `/c/:slug/team`: where to look instead. */
function HostNote(props: { session: Session; competition: CompetitionView }) {
  const slug = encodeURIComponent(props.competition.slug);
  return (
    <Layout title={props.competition.title} header={headerOf(props.session)}>
      <h1>{props.competition.title}</h1>
      <p class="card">
        You are signed in as the host, who has no team. The{' '}
        <a href={`/c/${slug}?split=private`}>private leaderboard</a> is open to you at any time; on either
        leaderboard each score links to the page of the submission it comes from.
      </p>
    </Layout>
  );
}

async function renderTeam(
  c: AppContext,
  deps: PageDeps,
  session: Session,
  competition: CompetitionView,
  team: TeamIdentity,
  offset: number,
  notice?: { message: string; status: ContentfulStatusCode },
) {
  const [view, page, history] = await Promise.all([
    getTeam(deps.services, team.id),
    listSubmissions(deps.services, team.id, { limit: SUBMISSION_PAGE.defaultLimit, offset }),
    scoreHistory(deps.services, team.id),
  ]);
  const bundles = await bundleNames(
    deps.services,
    team.id,
    page.submissions.flatMap((s) => (s.bundleId === null ? [] : [s.bundleId])),
  );
  return sendPage(
    c,
    <TeamPage
      header={headerOf(session)}
      competition={competition}
      team={view}
      page={page}
      history={history}
      bundles={bundles}
      notice={notice?.message}
    />,
    notice?.status ?? 200,
  );
}

/** Register the team page and its final toggle. */
export function registerTeamPage(web: Hono<AppEnv>, deps: PageDeps): void {
  web.get('/c/:slug/team', async (c) => {
    const competition = await getCompetition(deps.services, c.req.param('slug'));
    const session = await readSession(c, deps.services);
    if (session.principal.kind === 'host') {
      return sendPage(c, <HostNote session={session} competition={competition} />);
    }
    const team = teamOf(session, competition);
    const { offset } = validate(pageQuery, c.req.query(), 'query');
    return renderTeam(c, deps, session, competition, team, offset);
  });

  web.post('/c/:slug/team/final', async (c) => {
    const form = await readForm(c);
    const competition = await getCompetition(deps.services, c.req.param('slug'));
    const session = await readSession(c, deps.services);
    const team = teamOf(session, competition);
    checkCsrf(session, form.csrf);
    const input = validate(finalForm, form, 'form');
    try {
      await selectFinal(deps.services, team.id, input.submission, input.selected === 'true');
    } catch (err) {
      const { code, message } = toPublicError(err);
      if (!EXPLAINED.has(code)) throw err;
      const notice = { message, status: statusOf(code) };
      return renderTeam(c, deps, session, competition, team, input.offset ?? 0, notice);
    }
    return c.redirect(teamPath(competition.slug, input.offset), 303);
  });
}
