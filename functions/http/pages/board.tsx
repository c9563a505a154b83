// `GET /c/:slug`: a competition's public leaderboard, and its private tab (after the end; the host any time).
import type { Hono } from 'hono';
import { z } from 'zod';
import { type Split, splitSchema } from '../../../core/api/common.js';
import { BOARD_PAGE } from '../../../core/api/leaderboard.js';
import {
  assertBoardVisible,
  type CompetitionView,
  getCompetition,
  type LeaderboardRow,
  leaderboard,
  ranksOf,
  standingOf,
} from '../../services/index.js';
import {
  boardEtag,
  notModified,
  PRIVATE_BOARD_CACHE,
  PUBLIC_BOARD_CACHE,
  wantsFresh,
} from '../board-cache.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../context.js';
import { headerOf, type PageDeps } from './auth.js';
import { CompetitionTabs } from './competition-tabs.js';
import { accuracy, KIND_LABEL, rankChange, when } from './format.js';
import { type HeaderInfo, Layout, pageHeaders, renderPage } from './layout.js';
import { csrfToken, readSession } from './session.js';

const boardQuery = z.strictObject({
  split: splitSchema.default('public'),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

/** Rows on one page of the HTML board. */
export const BOARD_PAGE_ROWS = BOARD_PAGE.defaultLimit;

/** Props of the competition page. */
export type BoardProps = {
  header: HeaderInfo;
  competition: CompetitionView;
  split: Split;
  /** Whether the private tab is offered: after the end, or to the host. */
  privateTab: boolean;
  rows: LeaderboardRow[];
  /** Where this page sits: 1-based page number, rows per page, ranked teams in all. */
  page: { number: number; size: number; total: number };
  /** The signed-in team's own row when it is not on this page (shown under the page, highlighted). */
  ownRow?: LeaderboardRow;
  /** Public rank by team id (private board only), for the rank-change column. */
  publicRanks?: Map<string, number>;
  /** The signed-in team's id, to mark its row and link its score to its submission. */
  myTeamId?: string;
  /** The host is signed in: every score links to its submission. */
  asHost?: boolean;
};

function Tabs(props: { slug: string; split: Split }) {
  const base = `/c/${encodeURIComponent(props.slug)}`;
  return (
    <nav aria-label="Leaderboards">
      <ul class="tabs">
        <li>
          <a href={base} aria-current={props.split === 'public' ? 'page' : undefined}>
            Public
          </a>
        </li>
        <li>
          <a href={`${base}?split=private`} aria-current={props.split === 'private' ? 'page' : undefined}>
            Private
          </a>
        </li>
      </ul>
    </nav>
  );
}

function Standings(props: BoardProps) {
  const { split, rows, publicRanks } = props;
  if (props.page.total === 0) return <p class="card">No scored submissions yet.</p>;
  const shown = props.ownRow ? [...rows, props.ownRow] : rows;
  return (
    <div class="scroll">
      <table>
        <caption>
          {split === 'public'
            ? 'Public leaderboard: each team’s best public score'
            : 'Private leaderboard: best selected final (without a selection, the best of the team’s top public submissions) on the private split'}
        </caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Rank
            </th>
            {split === 'private' && <th scope="col">Change</th>}
            <th scope="col">Team</th>
            <th scope="col">Members</th>
            <th scope="col" class="num">
              Accuracy
            </th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">
              Submissions
            </th>
            <th scope="col">Last submission</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const change = publicRanks ? rankChange(publicRanks.get(row.teamId), row.rank) : undefined;
            return (
              <tr
                class={row.teamId === props.myTeamId ? 'mine' : undefined}
                id={row.teamId === props.myTeamId ? 'you' : undefined}
              >
                <td class="num">{row.rank}</td>
                {change && (
                  <td class={change.kind}>
                    <span aria-hidden="true">{change.symbol}</span>
                    <span class="sr">{change.text}</span>
                  </td>
                )}
                <th scope="row" class="wrap">
                  {row.team}
                  {row.teamId === props.myTeamId && ' (you)'}
                </th>
                <td class="wrap">{row.members.join(', ')}</td>
                <td class="num">
                  {props.asHost || row.teamId === props.myTeamId ? (
                    <a href={`/submissions/${row.submissionId}`}>{accuracy(row.score)}</a>
                  ) : (
                    accuracy(row.score)
                  )}
                </td>
                <td>{KIND_LABEL[row.kind]}</td>
                <td class="num">{row.submissions}</td>
                <td>
                  {row.lastSubmissionAt && (
                    <time datetime={row.lastSubmissionAt.toISOString()}>{when(row.lastSubmissionAt)}</time>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Links to the neighbouring pages of a board, and where this one sits. */
function Pager(props: { slug: string; split: Split; page: BoardProps['page'] }) {
  const { number, size, total } = props.page;
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return null;
  const href = (n: number) =>
    `/c/${encodeURIComponent(props.slug)}?${props.split === 'private' ? 'split=private&' : ''}page=${n}`;
  const first = (number - 1) * size + 1;
  return (
    <nav aria-label="Pages" class="pager">
      {number > 1 && <a href={href(number - 1)}>← Previous</a>}{' '}
      <span class="muted">
        Ranks {Math.min(first, total)}–{Math.min(number * size, total)} of {total} · page {number} of {pages}
      </span>{' '}
      {number < pages && <a href={href(number + 1)}>Next →</a>}
    </nav>
  );
}

/** The competition page. */
export function BoardPage(props: BoardProps) {
  const c = props.competition;
  const slug = encodeURIComponent(c.slug);
  return (
    <Layout title={c.title} header={props.header}>
      <h1>{c.title}</h1>
      <p>
        <span class={`badge ${c.phase}`}>{c.phase}</span>{' '}
        <time datetime={c.startsAt.toISOString()}>{when(c.startsAt)}</time>
        {' → '}
        <time datetime={c.endsAt.toISOString()}>{when(c.endsAt)}</time>
      </p>
      <p class="muted">
        {c.classes} classes · {c.testItems.public} public / {c.testItems.private} private test images · up to{' '}
        {c.dailyLimit} submissions a day · {c.finals} finals ·{' '}
        <a href={`/c/${slug}/team`}>Your team’s page</a>
      </p>
      <CompetitionTabs slug={c.slug} current="leaderboard" />
      {props.privateTab ? (
        <Tabs slug={c.slug} split={props.split} />
      ) : (
        <p class="muted">The private leaderboard appears here when the competition ends.</p>
      )}
      <Standings {...props} />
      <Pager slug={c.slug} split={props.split} page={props.page} />
      <p class="muted">
        As JSON: <a href={`/api/competitions/${slug}/leaderboard?split=${props.split}`}>leaderboard</a>
      </p>
    </Layout>
  );
}

/** Register `GET /c/:slug` (`?split=private` for the private tab, `?page=N` for ranks 100(N-1)+1…). */
export function registerBoard(web: Hono<AppEnv>, deps: PageDeps): void {
  web.get('/c/:slug', async (c) => {
    const { split, page } = readQuery(c.req.url, boardQuery);
    const slug = c.req.param('slug');
    const fresh = wantsFresh(c);
    const [session, state] = await Promise.all([
      readSession(c, deps.services),
      deps.boards.state(slug, { fresh }),
    ]);
    const asHost = session.principal.kind === 'host';
    assertBoardVisible(split, state.phase, asHost);
    const myTeamId = session.principal.kind === 'team' ? session.principal.team.id : undefined;
    const viewer = asHost ? 'host' : (myTeamId ?? 'anyone');
    const key = [
      state.boardVersion,
      state.phase,
      split,
      page,
      'html',
      viewer,
      csrfToken(session).slice(0, 12),
    ];
    const etag = boardEtag(key);
    const personal = viewer !== 'anyone' || (split === 'private' && state.phase !== 'ended');
    pageHeaders(c, personal ? PRIVATE_BOARD_CACHE : PUBLIC_BOARD_CACHE);
    c.header('Vary', 'Cookie');
    if (notModified(c, etag)) {
      c.header('ETag', etag);
      return c.body(null, 304);
    }
    const render = async () => {
      const competition = await getCompetition(deps.services, slug);
      const offset = (page - 1) * BOARD_PAGE_ROWS;
      const board = await leaderboard(deps.services, slug, split, {
        asHost: true,
        limit: BOARD_PAGE_ROWS,
        offset,
      });
      const onPage = board.rows.some((r) => r.teamId === myTeamId);
      const ownRow =
        myTeamId && !onPage
          ? ((await standingOf(deps.services, state.competitionId, split, myTeamId)) ?? undefined)
          : undefined;
      const teamIds = [...board.rows, ...(ownRow ? [ownRow] : [])].map((r) => r.teamId);
      const publicRanks =
        split === 'private'
          ? await ranksOf(deps.services, state.competitionId, 'public', teamIds)
          : undefined;
      const body = await renderPage(
        <BoardPage
          header={headerOf(session)}
          competition={competition}
          split={split}
          privateTab={asHost || competition.phase === 'ended'}
          rows={board.rows}
          page={{ number: page, size: BOARD_PAGE_ROWS, total: board.total }}
          ownRow={ownRow}
          publicRanks={publicRanks}
          myTeamId={myTeamId}
          asHost={asHost}
        />,
      );
      return { body: Buffer.from(body), etag };
    };
    // Only the page anyone sees is shared between requests; a signed-in viewer's page is built for them.
    // The shared page may be the slot's previous version while this one is built: its own ETag goes with it.
    const served = personal
      ? await render()
      : await deps.boards.page(
          `${state.competitionId}|${key.join('|')}`,
          render,
          [slug, ...key.slice(1)].join('|'),
          { fresh },
        );
    c.header('ETag', served.etag);
    return c.body(served.body, 200, { 'Content-Type': 'text/html; charset=UTF-8' });
  });
}
