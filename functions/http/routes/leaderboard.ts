// `GET /api/competitions/:slug/leaderboard`: public or private standings as JSON, or CSV for `Accept: text/csv`.

import { stringify } from 'csv-stringify/sync';
import { slugParams } from '../../../core/api/common.js';
import {
  ACCURACY_DECIMALS,
  type ApiLeaderboard,
  leaderboardQuery,
  leaderboardResponse,
  rebuildStandingsResponse,
} from '../../../core/api/leaderboard.js';
import { csvSafe } from '../../../core/text.js';
import { assertBoardVisible, type Leaderboard, leaderboard, rebuildStandings } from '../../services/index.js';
import {
  boardEtag,
  notModified,
  PRIVATE_BOARD_CACHE,
  PUBLIC_BOARD_CACHE,
  wantsFresh,
} from '../board-cache.js';
import type { RouteDeps } from '../context.js';
import { isHost } from '../middleware/auth.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export { ACCURACY_DECIMALS };

/** Columns of the CSV form, in order. */
export const LEADERBOARD_CSV_COLUMNS = [
  'rank',
  'team',
  'members',
  'accuracy',
  'submissions',
  'last_submission_at',
];

export const leaderboardRoute = apiRoute('any-or-host', {
  method: 'get',
  path: '/api/competitions/{slug}/leaderboard',
  summary: 'Standings',
  description:
    'Public: best public submission per team. Private: best of the selected finals; a team that selected ' +
    'none has its best `finals` public submissions count, unless the host turned `autoFinals` off. Ties go to the earlier submission. Send `Accept: text/csv` for CSV (members joined by "; "). ' +
    'Pages of `limit` rows (default 100, at most 1,000) from `offset`; `total` counts every ranked team. ' +
    'A strong `ETag` follows the board version: send it back in `If-None-Match` for a 304.',
  tags: ['leaderboard'],
  request: { params: slugParams, query: leaderboardQuery },
  responses: {
    200: {
      description: 'standings (JSON, or CSV when asked)',
      content: {
        'application/json': { schema: leaderboardResponse },
        'text/csv': { schema: { type: 'string' as const } },
      },
    },
    304: { description: "not modified: the `If-None-Match` ETag is still the board's" },
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found'),
  },
});

export const rebuildStandingsRoute = apiRoute('host', {
  method: 'post',
  path: '/api/competitions/{slug}/standings/rebuild',
  summary: 'Rebuild the standings from the submissions table',
  description:
    'Recomputes every kept board row of the competition in one transaction (repair, or after bulk changes) ' +
    'and raises the board version, so every cached board and ETag is renewed.',
  tags: ['leaderboard'],
  request: { params: slugParams },
  responses: {
    200: { description: 'ranked teams per board after the rebuild', content: json(rebuildStandingsResponse) },
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found'),
  },
});

function toJson(board: Leaderboard): ApiLeaderboard {
  return shape(leaderboardResponse, {
    competition: board.competition,
    split: board.split,
    phase: board.phase,
    total: board.total,
    limit: board.limit,
    offset: board.offset,
    rows: board.rows.map((r) => ({
      rank: r.rank,
      team: r.team,
      members: r.members,
      accuracy: Number(r.score.toFixed(ACCURACY_DECIMALS)),
      kind: r.kind,
      submissions: r.submissions,
      lastSubmissionAt: r.lastSubmissionAt,
    })),
  });
}

function toCsv(board: ApiLeaderboard): string {
  const rows = board.rows.map((r) => [
    r.rank,
    csvSafe(r.team),
    csvSafe(r.members.join('; ')),
    r.accuracy.toFixed(ACCURACY_DECIMALS),
    r.submissions,
    r.lastSubmissionAt ?? '',
  ]);
  return stringify([LEADERBOARD_CSV_COLUMNS, ...rows]);
}

/** True when the Accept header asks for CSV rather than JSON. */
export function wantsCsv(accept: string | undefined): boolean {
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? '');
}

/** Register the leaderboard routes. */
export function registerLeaderboard(app: ApiApp, deps: RouteDeps): void {
  app.openapi(documented(app, rebuildStandingsRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const { teams, boardVersion } = await rebuildStandings(deps.services, slug);
    deps.boards.forget(slug);
    return c.json(shape(rebuildStandingsResponse, { competition: slug, teams, boardVersion }), 200);
  });

  app.openapi(documented(app, leaderboardRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const { split, limit, offset } = c.req.valid('query');
    const asHost = isHost(c);
    const fresh = wantsFresh(c);
    const state = await deps.boards.state(slug, { fresh });
    assertBoardVisible(split, state.phase, asHost);
    const format = wantsCsv(c.req.header('accept')) ? 'csv' : 'json';
    const key = [state.boardVersion, state.phase, split, offset, limit, format];
    const { body, etag } = await deps.boards.page(
      `${state.competitionId}|${key.join('|')}`,
      async () => {
        const board = toJson(await leaderboard(deps.services, slug, split, { asHost: true, limit, offset }));
        const text = format === 'csv' ? toCsv(board) : JSON.stringify(board);
        return { body: Buffer.from(text), etag: boardEtag(key) };
      },
      [slug, state.phase, split, offset, limit, format].join('|'),
      { fresh },
    );
    // The private board before the end is the host's alone: never stored by a shared cache.
    const personal = split === 'private' && state.phase !== 'ended';
    c.header('Cache-Control', personal ? PRIVATE_BOARD_CACHE : PUBLIC_BOARD_CACHE);
    c.header('ETag', etag);
    c.header('Vary', 'Accept, Authorization');
    if (notModified(c, etag)) return c.body(null, 304);
    if (format === 'json') return c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8' });
    c.header('Content-Disposition', `attachment; filename="${slug}-${split}-leaderboard.csv"`);
    return c.body(body, 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  });
}
