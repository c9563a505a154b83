// `GET /api/competitions/:slug/leaderboard`: public or private standings as JSON, or CSV for `Accept: text/csv`.
import { stringify } from 'csv-stringify/sync';
import type { Hono } from 'hono';
import { z } from 'zod';
import { type Leaderboard, leaderboard } from '../../services/index.js';
import { readQuery, validate } from '../body.js';
import type { AppEnv, RouteDeps } from '../context.js';
import { isHost } from '../middleware/auth.js';
import { shape } from '../respond.js';
import type { RouteDoc } from './openapi.js';
import { slugParams } from './teams.js';

export const leaderboardQuery = z.strictObject({
  split: z
    .enum(['public', 'private'])
    .default('public')
    .describe('private: after the end, or the host any time'),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuery>;

/** Decimals of the accuracy column. */
export const ACCURACY_DECIMALS = 4;

export const leaderboardRowJson = z.object({
  rank: z.number().int(),
  team: z.string(),
  members: z.array(z.string()),
  accuracy: z.number().describe(`on the board's split, ${ACCURACY_DECIMALS} decimals`),
  submissions: z.number().int().describe('submissions that count (infrastructure failures excluded)'),
  lastSubmissionAt: z.iso.datetime({ offset: true }).nullable(),
});
export const leaderboardResponse = z.object({
  competition: z.string(),
  split: z.enum(['public', 'private']),
  phase: z.enum(['upcoming', 'open', 'ended']),
  rows: z.array(leaderboardRowJson),
});
export type LeaderboardResponse = z.infer<typeof leaderboardResponse>;

/** Columns of the CSV form, in order. */
export const LEADERBOARD_CSV_COLUMNS = [
  'rank',
  'team',
  'members',
  'accuracy',
  'submissions',
  'last_submission_at',
];

/** The route docs of this file. */
export const leaderboardDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/competitions/{slug}/leaderboard',
    summary: 'Standings',
    description:
      'Public: best public submission per team. Private: best of the selected finals, else the best public ' +
      'submission. Ties go to the earlier submission. Send `Accept: text/csv` for CSV (members joined by "; ").',
    tag: 'leaderboard',
    access: 'any-or-host',
    params: slugParams,
    query: leaderboardQuery,
    responses: {
      200: { description: 'standings (JSON, or CSV when asked)', schema: leaderboardResponse },
    },
    errors: ['invalid_argument', 'unauthenticated', 'forbidden', 'not_found'],
  },
];

function toJson(board: Leaderboard): LeaderboardResponse {
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

function toCsv(board: LeaderboardResponse): string {
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
export function registerLeaderboard(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get('/api/competitions/:slug/leaderboard', async (c) => {
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const { split } = readQuery(c.req.url, leaderboardQuery);
    const board = toJson(await leaderboard(deps.services, slug, split, { asHost: isHost(c) }));
    c.header('Vary', 'Accept, Authorization');
    if (!wantsCsv(c.req.header('accept'))) return c.json(board);
    c.header('Content-Disposition', `attachment; filename="${slug}-${split}-leaderboard.csv"`);
    return c.body(toCsv(board), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  });
}
