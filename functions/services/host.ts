// The host's management of a running competition: update, reopen, disqualify / requalify teams and submissions.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { competitions, submissions, teams } from '../db/schema.js';
import { competitionRow } from './competitions.js';
import { isUuid, nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { keepTeamStanding, rebuildStandingsIn } from './standings-keep.js';
import {
  type CompetitionView,
  type SubmissionView,
  type TeamView,
  toCompetitionView,
  toSubmissionView,
  toTeamView,
} from './views.js';

/** What `PATCH /api/competitions/:slug` may change; absent fields stay as they are. */
export type CompetitionUpdate = {
  title?: string;
  description?: string;
  rules?: string;
  endsAt?: Date;
  dailyLimit?: number;
  finals?: number;
  /** Kaggle's rule: a team with no selected finals has its best `finals` public submissions count. */
  autoFinals?: boolean;
};

/** The fields the boards (HTML header, phase, finals rule) show: changing one raises the board version. */
const BOARD_FIELDS = ['title', 'endsAt', 'dailyLimit', 'finals', 'autoFinals'] as const;

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * Updates a competition's title, markdown, end, daily limit or finals. A change to what the boards show
 * (title, end, daily limit, finals) raises the board version in the same statement; a change of `finals`
 * or `autoFinals` rebuilds the standings (the private board's rule depends on them). Refuses (`conflict`) fewer finals than a
 * team has selected, and (`invalid_argument`) an end not after the start.
 *
 * @example
 * const { competition, boardChanged } = await updateCompetition(ctx, 'sketch-demo', { dailyLimit: 10 });
 */
export async function updateCompetition(
  ctx: ServiceContext,
  slug: string,
  update: CompetitionUpdate,
): Promise<{ competition: CompetitionView; boardChanged: boolean }> {
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(competitions).where(eq(competitions.slug, slug)).for('update');
    if (!row) throw new ServiceError('not_found', `no competition ${slug}`);
    const set: CompetitionUpdate = Object.fromEntries(
      Object.entries(update).filter(([k, v]) => v !== undefined && !same(v, row[k as keyof typeof row])),
    );
    if (set.title !== undefined) set.title = set.title.trim();
    if (set.endsAt !== undefined && set.endsAt <= row.startsAt) {
      throw new ServiceError(
        'invalid_argument',
        `endsAt must be after startsAt (${row.startsAt.toISOString()})`,
      );
    }
    if (set.finals !== undefined && set.finals < row.finals) {
      const [over] = await tx
        .select({ team: teams.name, n: sql<number>`count(*)::int` })
        .from(submissions)
        .innerJoin(teams, eq(teams.id, submissions.teamId))
        .where(and(eq(submissions.competitionId, row.id), eq(submissions.selectedFinal, true)))
        .groupBy(teams.name)
        .having(gt(sql`count(*)`, set.finals))
        .limit(1);
      if (over) {
        throw new ServiceError(
          'conflict',
          `team ${over.team} has ${over.n} finals selected; it must unselect some before finals can be ${set.finals}`,
        );
      }
    }
    const boardChanged = BOARD_FIELDS.some((k) => set[k] !== undefined);
    if (Object.keys(set).length === 0) return { competition: toCompetitionView(row, now), boardChanged };
    const [updated] = await tx
      .update(competitions)
      .set({ ...set, ...(boardChanged ? { boardVersion: sql`${competitions.boardVersion} + 1` } : {}) })
      .where(eq(competitions.id, row.id))
      .returning();
    if (set.finals !== undefined || set.autoFinals !== undefined) await rebuildStandingsIn(tx, row.id);
    const [latest] = await tx.select().from(competitions).where(eq(competitions.id, row.id));
    return { competition: toCompetitionView(latest ?? updated, now), boardChanged };
  });
}

/**
 * Reopens an ended competition until `endsAt` (which must be in the future): triggers and final selections
 * are accepted again and the private board is hidden from teams again. `conflict` unless it has ended.
 *
 * @example
 * await reopenCompetition(ctx, 'sketch-demo', new Date(Date.now() + 7 * 86_400_000));
 */
export async function reopenCompetition(
  ctx: ServiceContext,
  slug: string,
  endsAt: Date,
): Promise<CompetitionView> {
  const row = await competitionRow(ctx, slug);
  const now = nowOf(ctx);
  if (row.endsAt > now)
    throw new ServiceError('conflict', `competition ${slug} has not ended; update endsAt instead`);
  if (endsAt <= now) throw new ServiceError('invalid_argument', 'endsAt must be in the future to reopen');
  const [updated] = await ctx.db
    .update(competitions)
    .set({ endsAt, boardVersion: sql`${competitions.boardVersion} + 1` }) // boards show the phase
    .where(eq(competitions.id, row.id))
    .returning();
  return toCompetitionView(updated, now);
}

/** The disqualification columns for a reason, or cleared for null (requalify). */
const marks = (reason: string | null, now: Date) => ({
  disqualifiedAt: reason === null ? null : now,
  disqualifiedReason: reason,
});

/**
 * Takes a submission off both boards with a reason its team and the host see (`reason` null puts it back),
 * recomputing its team's standings in the same transaction. `not_found` for an unknown id. Returns the
 * submission as the host sees it and its competition's slug.
 *
 * @example
 * const { submission } = await disqualifySubmission(ctx, id, 'trained on the test images');
 */
export async function disqualifySubmission(
  ctx: ServiceContext,
  submissionId: string,
  reason: string | null,
): Promise<{ submission: SubmissionView; slug: string }> {
  if (!isUuid(submissionId)) throw new ServiceError('not_found', `no submission ${submissionId}`);
  const now = nowOf(ctx);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(submissions)
      .set(marks(reason, now))
      .where(eq(submissions.id, submissionId))
      .returning();
    if (!updated) throw new ServiceError('not_found', `no submission ${submissionId}`);
    await keepTeamStanding(tx, updated.competitionId, updated.teamId);
    const [c] = await tx
      .select({ slug: competitions.slug })
      .from(competitions)
      .where(eq(competitions.id, updated.competitionId));
    return { updated, slug: c.slug };
  });
  return { submission: toSubmissionView(row.updated, true), slug: row.slug };
}

/**
 * Takes a team (every submission of it) off both boards with a reason (`reason` null puts it back), in the
 * transaction that recomputes its standings. `not_found` when the team is not in this competition.
 *
 * @example
 * await disqualifyTeam(ctx, 'sketch-demo', teamId, 'two accounts for one team');
 */
export async function disqualifyTeam(
  ctx: ServiceContext,
  slug: string,
  teamId: string,
  reason: string | null,
): Promise<TeamView> {
  const competition = await competitionRow(ctx, slug);
  if (!isUuid(teamId)) throw new ServiceError('not_found', `no team ${teamId} in ${slug}`);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(teams)
      .set(marks(reason, nowOf(ctx)))
      .where(and(eq(teams.id, teamId), eq(teams.competitionId, competition.id)))
      .returning();
    if (!updated) throw new ServiceError('not_found', `no team ${teamId} in ${slug}`);
    await keepTeamStanding(tx, competition.id, teamId);
    return updated;
  });
  return toTeamView(row, slug);
}

/**
 * Every team of a competition with its disqualification, by name (the host's view).
 *
 * @example
 * const all = await listTeams(ctx, 'sketch-demo');
 */
export async function listTeams(ctx: Pick<ServiceContext, 'db'>, slug: string): Promise<TeamView[]> {
  const competition = await competitionRow(ctx, slug);
  const rows = await ctx.db
    .select()
    .from(teams)
    .where(eq(teams.competitionId, competition.id))
    .orderBy(asc(teams.name));
  return rows.map((t) => toTeamView(t, slug));
}
