// Keeping the boards: the standings rules as one SQL statement, applied per team in the transaction that
// changes a team's submissions, or to a whole competition by a rebuild.
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { competitions, standings, submissions, teams } from '../db/schema.js';
import { competitionRow } from './competitions.js';
import type { ServiceContext } from './context.js';

/**
 * The standings of the submissions `where` selects, as rows of the `standings` table. The rules:
 * - public: the team's best public accuracy among its scored submissions;
 * - private: the best private accuracy among its selected finals; a team that selected none has its best
 *   `finals` public submissions (ties: the earlier) count instead when the competition's `auto_finals` is on
 *   (Kaggle's rule), and no private row when it is off;
 * - ties go to the earlier submission, then the smaller id;
 * - a disqualified submission, and every submission of a disqualified team, is never chosen;
 * - `submissions` counts those that count (infrastructure failures excluded), `last_submission_at` the
 *   newest of those; teams without a scored submission have no row.
 */
function standingsOf(where: SQL) {
  // Disqualified submissions and every submission of a disqualified team are off both boards.
  const scored = sql`${where} and s.status = 'scored' and s.disqualified_at is null
    and not exists (select 1 from ${teams} t where t.id = s.team_id and t.disqualified_at is not null)`;
  return sql`
    with counted as (
      select s.team_id, count(*)::int as n, max(s.created_at) as last
      from ${submissions} s
      where ${where} and (s.status <> 'failed' or s.error_is_infra = false)
      group by s.team_id
    ), pub as (
      select distinct on (s.team_id) s.competition_id, s.team_id, s.id,
        coalesce(s.public_accuracy, 0) as score, s.created_at
      from ${submissions} s
      where ${scored}
      order by s.team_id, s.public_accuracy desc nulls last, s.created_at, s.id
    ), ranked as (
      select s.competition_id, s.team_id, s.id, s.private_accuracy, s.created_at, s.selected_final,
        bool_or(s.selected_final) over (partition by s.team_id) as has_finals,
        row_number() over (partition by s.team_id
          order by s.public_accuracy desc nulls last, s.created_at, s.id) as public_rank
      from ${submissions} s
      where ${scored}
    ), priv as (
      select distinct on (r.team_id) r.competition_id, r.team_id, r.id,
        coalesce(r.private_accuracy, 0) as score, r.created_at
      from ranked r join ${competitions} k on k.id = r.competition_id
      where r.selected_final or (not r.has_finals and k.auto_finals and r.public_rank <= k.finals)
      order by r.team_id, r.private_accuracy desc nulls last, r.created_at, r.id
    )
    select b.competition_id, 'public', b.team_id, b.id, b.score, b.created_at, c.n, c.last
      from pub b join counted c on c.team_id = b.team_id
    union all
    select b.competition_id, 'private', b.team_id, b.id, b.score, b.created_at, c.n, c.last
      from priv b join counted c on c.team_id = b.team_id`;
}

const COLUMNS = sql`(competition_id, split, team_id, submission_id, score, submitted_at, submissions, last_submission_at)`;

/** Raises the competition's board version (and takes its row lock until the transaction ends). */
async function bumpBoardVersion(tx: Tx, competitionId: string): Promise<number> {
  const [row] = await tx
    .update(competitions)
    .set({ boardVersion: sql`${competitions.boardVersion} + 1` })
    .where(eq(competitions.id, competitionId))
    .returning({ version: competitions.boardVersion });
  return row?.version ?? 0;
}

/**
 * Recomputes one team's public and private standing from its submissions, inside the caller's transaction
 * (the one that changed them), and raises the board version. Locks the team row first, so two
 * transactions changing the same team's submissions apply one after the other, each seeing the other's
 * committed rows. Lock order everywhere: submission, team, competition.
 *
 * @example
 * await ctx.db.transaction(async (tx) => {
 *   const [row] = await tx.update(submissions).set({ status: 'scored', ... }).where(...).returning();
 *   await keepTeamStanding(tx, row.competitionId, row.teamId);
 * });
 */
export async function keepTeamStanding(
  tx: Tx,
  competitionId: string,
  teamId: string,
  options: { onlyIfRanked?: boolean } = {},
): Promise<void> {
  await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).for('update');
  if (options.onlyIfRanked) {
    // A new queued submission changes only the counts a ranked team's rows show.
    const [ranked] = await tx
      .select({ teamId: standings.teamId })
      .from(standings)
      .where(and(eq(standings.competitionId, competitionId), eq(standings.teamId, teamId)))
      .limit(1);
    if (!ranked) return;
  }
  await bumpBoardVersion(tx, competitionId);
  await tx
    .delete(standings)
    .where(sql`${standings.competitionId} = ${competitionId} and ${standings.teamId} = ${teamId}`);
  await tx.execute(
    sql`insert into ${standings} ${COLUMNS} ${standingsOf(sql`s.competition_id = ${competitionId} and s.team_id = ${teamId}`)}`,
  );
}

/** Ranked teams per board after a rebuild, and the board version it left. */
export type RebuildResult = { teams: { public: number; private: number }; boardVersion: number };

/**
 * Rebuilds every standing of a competition from its submissions table (repair, or after bulk changes)
 * in one transaction, and raises the board version. The result equals what the per-team updates keep.
 *
 * @example
 * const { teams } = await rebuildStandings(ctx, 'sketch-demo'); // { public: 12, private: 12 }
 */
export async function rebuildStandings(
  ctx: Pick<ServiceContext, 'db'>,
  slug: string,
): Promise<RebuildResult> {
  const competition = await competitionRow(ctx, slug);
  return ctx.db.transaction((tx) => rebuildStandingsIn(tx, competition.id));
}

/**
 * {@link rebuildStandings} inside the caller's transaction (one that changed many submissions at once, such
 * as a label replacement's rescoring).
 *
 * @example
 * await ctx.db.transaction(async (tx) => { ...; await rebuildStandingsIn(tx, competition.id); });
 */
export async function rebuildStandingsIn(tx: Tx, competitionId: string): Promise<RebuildResult> {
  const boardVersion = await bumpBoardVersion(tx, competitionId);
  await tx.delete(standings).where(eq(standings.competitionId, competitionId));
  await tx.execute(
    sql`insert into ${standings} ${COLUMNS} ${standingsOf(sql`s.competition_id = ${competitionId}`)}`,
  );
  const counts = await tx
    .select({ split: standings.split, n: sql<number>`count(*)::int` })
    .from(standings)
    .where(eq(standings.competitionId, competitionId))
    .groupBy(standings.split);
  const n = (split: string) => counts.find((c) => c.split === split)?.n ?? 0;
  return { teams: { public: n('public'), private: n('private') }, boardVersion };
}
