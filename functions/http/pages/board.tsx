// `GET /c/:slug`: a competition's public leaderboard, and its private tab (after the end; the host any time).
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  type CompetitionView,
  getCompetition,
  type LeaderboardRow,
  type LeaderboardSplit,
  leaderboard,
} from '../../services/index.js';
import { readQuery } from '../body.js';
import type { AppEnv } from '../context.js';
import { headerOf, type PageDeps } from './auth.js';
import { accuracy, rankChange, when } from './format.js';
import { type HeaderInfo, Layout, sendPage } from './layout.js';
import { readSession } from './session.js';

const boardQuery = z.strictObject({ split: z.enum(['public', 'private']).default('public') });

/** Props of the competition page. */
export type BoardProps = {
  header: HeaderInfo;
  competition: CompetitionView;
  split: LeaderboardSplit;
  /** Whether the private tab is offered: after the end, or to the host. */
  privateTab: boolean;
  rows: LeaderboardRow[];
  /** Public rank by team id (private board only), for the rank-change column. */
  publicRanks?: Map<string, number>;
  /** The signed-in team's id, to mark its row and link its score to its submission. */
  myTeamId?: string;
  /** The host is signed in: every score links to its submission. */
  asHost?: boolean;
};

function Tabs(props: { slug: string; split: LeaderboardSplit }) {
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
  if (rows.length === 0) return <p class="card">No scored submissions yet.</p>;
  return (
    <div class="scroll">
      <table>
        <caption>
          {split === 'public'
            ? 'Public leaderboard: each team’s best public score'
            : 'Private leaderboard: best selected final (else best public submission) on the private split'}
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
            <th scope="col" class="num">
              Submissions
            </th>
            <th scope="col">Last submission</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const change = publicRanks ? rankChange(publicRanks.get(row.teamId), row.rank) : undefined;
            return (
              <tr class={row.teamId === props.myTeamId ? 'mine' : undefined}>
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
      {props.privateTab ? (
        <Tabs slug={c.slug} split={props.split} />
      ) : (
        <p class="muted">The private leaderboard appears here when the competition ends.</p>
      )}
      <Standings {...props} />
      <p class="muted">
        As JSON: <a href={`/api/competitions/${slug}/leaderboard?split=${props.split}`}>leaderboard</a>
      </p>
    </Layout>
  );
}

/** Register `GET /c/:slug` (`?split=private` for the private tab). */
export function registerBoard(web: Hono<AppEnv>, deps: PageDeps): void {
  web.get('/c/:slug', async (c) => {
    const { split } = readQuery(c.req.url, boardQuery);
    const [session, competition] = await Promise.all([
      readSession(c, deps.services),
      getCompetition(deps.services, c.req.param('slug')),
    ]);
    const asHost = session.principal.kind === 'host';
    const board = await leaderboard(deps.services, competition.slug, split, { asHost });
    let publicRanks: Map<string, number> | undefined;
    if (split === 'private') {
      const pub = await leaderboard(deps.services, competition.slug, 'public');
      publicRanks = new Map(pub.rows.map((r) => [r.teamId, r.rank]));
    }
    const myTeamId = session.principal.kind === 'team' ? session.principal.team.id : undefined;
    return sendPage(
      c,
      <BoardPage
        header={headerOf(session)}
        competition={competition}
        split={split}
        privateTab={asHost || competition.phase === 'ended'}
        rows={board.rows}
        publicRanks={publicRanks}
        myTeamId={myTeamId}
        asHost={asHost}
      />,
    );
  });
}
