// `GET /api/competitions/:slug/leaderboard`: public or private standings as JSON, or CSV for `Accept: text/csv`.
import { stringify } from 'csv-stringify/sync';
import { slugParams } from '../../../core/api/common.js';
import {
  ACCURACY_DECIMALS,
  type ApiLeaderboard,
  leaderboardQuery,
  leaderboardResponse,
} from '../../../core/api/leaderboard.js';
import { type Leaderboard, leaderboard } from '../../services/index.js';
import type { RouteDeps } from '../context.js';
import { isHost } from '../middleware/auth.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses } from './openapi.js';

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
    'Public: best public submission per team. Private: best of the selected finals, else the best public ' +
    'submission. Ties go to the earlier submission. Send `Accept: text/csv` for CSV (members joined by "; ").',
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
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found'),
  },
});

function toJson(board: Leaderboard): ApiLeaderboard {
  return shape(leaderboardResponse, {
    ...board,
    rows: board.rows.map((r) => ({
      rank: r.rank,
      team: r.team,
      members: r.members,
      accuracy: Number(r.score.toFixed(ACCURACY_DECIMALS)),
      submissions: r.submissions,
      lastSubmissionAt: r.lastSubmissionAt,
    })),
  });
}

function toCsv(board: ApiLeaderboard): string {
  const rows = board.rows.map((r) => [
    r.rank,
    r.team,
    r.members.join('; '),
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

/** Register the leaderboard route. */
export function registerLeaderboard(app: ApiApp, deps: RouteDeps): void {
  app.openapi(documented(app, leaderboardRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const { split } = c.req.valid('query');
    const board = toJson(await leaderboard(deps.services, slug, split, { asHost: isHost(c) }));
    c.header('Vary', 'Accept, Authorization');
    if (!wantsCsv(c.req.header('accept'))) return c.json(board, 200);
    c.header('Content-Disposition', `attachment; filename="${slug}-${split}-leaderboard.csv"`);
    return c.body(toCsv(board), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  });
}
