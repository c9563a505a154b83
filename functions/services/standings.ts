// Leaderboards as read: pages of the kept standings (O(rows shown)), a team's own row, the board version.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Split } from '../../core/api/common.js';
import { competitions, type SubmissionKind, standings, submissions, teams } from '../db/schema.js';
import { competitionRow } from './competitions.js';
import { nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { type CompetitionPhase, phaseOf } from './views.js';

export { type RebuildResult, rebuildStandings } from './standings-keep.js';

export type LeaderboardRow = {
  rank: number;
  teamId: string;
  team: string;
  members: string[];
  /** Accuracy on the board's split (the HTTP layer prints 4 decimals). */
  score: number;
  /** The submission the score comes from, and its kind (a bundle or a prediction file). */
  submissionId: string;
  kind: SubmissionKind;
  /** Submissions that count (infrastructure failures excluded). */
  submissions: number;
  lastSubmissionAt: Date | null;
};

export type Leaderboard = {
  competition: string;
  split: Split;
  phase: CompetitionPhase;
  /** Ranked teams on this board; `rows` is the window `offset`..`offset + limit`. */
  total: number;
  limit: number;
  offset: number;
  /** The competition's board version when read: equal versions, equal boards. */
  boardVersion: number;
  rows: LeaderboardRow[];
};

/** What a board's cache key and ETag are made of: one indexed lookup, no standings read. */
export type BoardState = {
  competitionId: string;
  slug: string;
  boardVersion: number;
  /** The window: a board's phase is `phaseOf(state, now)` at the time of each read. */
  startsAt: Date;
  endsAt: Date;
};

/**
 * The board version and window of a competition (`not_found` for an unknown slug).
 *
 * @example
 * const { boardVersion } = await boardState(ctx, 'sketch-demo');
 */
export async function boardState(ctx: Pick<ServiceContext, 'db'>, slug: string): Promise<BoardState> {
  const [row] = await ctx.db
    .select({
      competitionId: competitions.id,
      startsAt: competitions.startsAt,
      endsAt: competitions.endsAt,
      boardVersion: competitions.boardVersion,
    })
    .from(competitions)
    .where(eq(competitions.slug, slug));
  if (!row) throw new ServiceError('not_found', `no competition ${slug}`);
  return { slug, ...row };
}

/**
 * The one visibility rule of boards: the private board is `forbidden` before the end, except to the host.
 *
 * @example
 * assertBoardVisible('private', state.phase, isHost(c)); // throws for a team before the end
 */
export function assertBoardVisible(split: Split, phase: CompetitionPhase, asHost: boolean): void {
  if (split === 'private' && phase !== 'ended' && !asHost) {
    throw new ServiceError('forbidden', 'the private leaderboard opens when the competition ends');
  }
}

/** Board order: higher score first; on a tie the earlier submission, then the smaller id. */
const BOARD_ORDER = [desc(standings.score), asc(standings.submittedAt), asc(standings.submissionId)];

const ROW_FIELDS = {
  teamId: standings.teamId,
  team: teams.name,
  members: teams.members,
  score: standings.score,
  submissionId: standings.submissionId,
  kind: submissions.kind,
  submissions: standings.submissions,
  lastSubmissionAt: standings.lastSubmissionAt,
};

/**
 * One page of a competition's standings, read from the kept `standings` rows (one range scan of
 * `standings_board_idx` plus a count). Public: each team's best public accuracy. Private: the best private
 * accuracy among the team's selected finals, or, without a selection and with `autoFinals` on, among its best
 * `finals` public submissions (standings-keep.ts). Ties go to the earlier submission. The private board is `forbidden` before the end unless
 * `asHost`. Teams without a scored submission are not ranked. Default page: the first 100 rows.
 *
 * @example
 * const board = await leaderboard(ctx, 'sketch-demo', 'public', { limit: 100, offset: 0 });
 * board.rows[0]; // { rank: 1, team: 'Voters', score: 0.8123, submissions: 4, ... }
 */
export async function leaderboard(
  ctx: ServiceContext,
  slug: string,
  split: Split,
  options: { asHost?: boolean; limit?: number; offset?: number } = {},
): Promise<Leaderboard> {
  const competition = await competitionRow(ctx, slug);
  const phase = phaseOf(competition, nowOf(ctx));
  assertBoardVisible(split, phase, options.asHost ?? false);
  const limit = options.limit ?? 100;
  const offset = options.offset ?? 0;
  const board = and(eq(standings.competitionId, competition.id), eq(standings.split, split));
  const [rows, [{ total }]] = await Promise.all([
    ctx.db
      .select(ROW_FIELDS)
      .from(standings)
      .innerJoin(teams, eq(teams.id, standings.teamId))
      .innerJoin(submissions, eq(submissions.id, standings.submissionId))
      .where(board)
      .orderBy(...BOARD_ORDER)
      .limit(limit)
      .offset(offset),
    ctx.db.select({ total: sql<number>`count(*)::int` }).from(standings).where(board),
  ]);
  return {
    competition: slug,
    split,
    phase,
    total,
    limit,
    offset,
    boardVersion: competition.boardVersion,
    rows: rows.map((r, i) => ({ rank: offset + i + 1, ...r })),
  };
}

/**
 * Ranks of the given teams on a competition's board (teams not ranked there are absent): for the
 * rank-change column and a team's own row off the page.
 *
 * @example
 * const ranks = await ranksOf(ctx, competition.id, 'public', rows.map((r) => r.teamId));
 */
export async function ranksOf(
  ctx: Pick<ServiceContext, 'db'>,
  competitionId: string,
  split: Split,
  teamIds: string[],
): Promise<Map<string, number>> {
  if (teamIds.length === 0) return new Map();
  const ranked = ctx.db
    .select({
      teamId: standings.teamId,
      rank: sql<number>`(row_number() over (order by ${standings.score} desc, ${standings.submittedAt}, ${standings.submissionId}))::int`.as(
        'rank',
      ),
    })
    .from(standings)
    .where(and(eq(standings.competitionId, competitionId), eq(standings.split, split)))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(inArray(ranked.teamId, teamIds));
  return new Map(rows.map((r) => [r.teamId, r.rank]));
}

/**
 * One team's row on a board with its rank, or null when the team is not ranked there: the signed-in
 * team's own row, shown even when it is off the page. Costs an index lookup and a count of the rows ahead.
 *
 * @example
 * const mine = await standingOf(ctx, competition.id, 'public', team.id);
 */
export async function standingOf(
  ctx: Pick<ServiceContext, 'db'>,
  competitionId: string,
  split: Split,
  teamId: string,
): Promise<LeaderboardRow | null> {
  const [row] = await ctx.db
    .select({ ...ROW_FIELDS, submittedAt: standings.submittedAt })
    .from(standings)
    .innerJoin(teams, eq(teams.id, standings.teamId))
    .innerJoin(submissions, eq(submissions.id, standings.submissionId))
    .where(
      and(
        eq(standings.competitionId, competitionId),
        eq(standings.split, split),
        eq(standings.teamId, teamId),
      ),
    );
  if (!row) return null;
  const [{ ahead }] = await ctx.db
    .select({ ahead: sql<number>`count(*)::int` })
    .from(standings)
    .where(
      and(
        eq(standings.competitionId, competitionId),
        eq(standings.split, split),
        sql`(${standings.score} > ${row.score} or (${standings.score} = ${row.score} and (${standings.submittedAt}, ${standings.submissionId}) < (${row.submittedAt.toISOString()}::timestamptz, ${row.submissionId}::uuid)))`,
      ),
    );
  const { submittedAt: _, ...rest } = row;
  return { rank: ahead + 1, ...rest };
}
