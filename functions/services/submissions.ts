// Submissions: the transactional trigger of a bundle (admission rules, active cap, enqueue), reads, finals.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import { SUBMISSION_PAGE } from '../../core/api/submissions.js';
import { bundles, competitions, type SubmissionRow, submissions, teams } from '../db/schema.js';
import { admit, assertAccepts, checkIdempotencyKey, earlierSubmission, lockTeam } from './admission.js';
import { isUuid, nowOf, type ServiceContext, type Viewer } from './context.js';
import { ServiceError } from './errors.js';
import { withQueueStandings } from './queue-status.js';
import { keepTeamStanding } from './standings-keep.js';
import { phaseOf, type SubmissionView, toSubmissionView } from './views.js';

export type TriggerInput = { teamId: string; bundleId: string; idempotencyKey?: string };

/**
 * Creates a queued submission and its scoring job in ONE transaction. With the team row locked it
 * returns the earlier submission for a repeated `idempotencyKey` (`created: false`), then checks that the
 * competition takes bundles (`forbidden`) and is open (`competition_closed`), the bundle (`not_found`), the
 * daily limit over today's (UTC) submissions that count — queued, running, scored, and failed ones not
 * caused by infrastructure — and the queued-or-running cap (`limit_exceeded`).
 *
 * @example
 * const { submission, created } = await triggerSubmission(ctx, { teamId, bundleId, idempotencyKey });
 * // 202 { submission: { id: submission.id, status: submission.status } }
 */
export async function triggerSubmission(
  ctx: ServiceContext,
  input: TriggerInput,
): Promise<{ submission: SubmissionView; created: boolean }> {
  const queue = ctx.queue;
  if (!queue) throw new Error('triggerSubmission needs ctx.queue');
  const key = input.idempotencyKey;
  checkIdempotencyKey(key);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const { team, competition } = await lockTeam(tx, input.teamId);
    const earlier = await earlierSubmission(tx, team.id, key);
    if (earlier) {
      if (earlier.bundleId !== input.bundleId) {
        throw new ServiceError('conflict', 'this Idempotency-Key was used for another bundle');
      }
      return { submission: toSubmissionView(earlier, false), created: false };
    }
    assertAccepts(competition, 'bundle', now);
    const [bundle] = isUuid(input.bundleId)
      ? await tx
          .select({ id: bundles.id })
          .from(bundles)
          .where(and(eq(bundles.id, input.bundleId), eq(bundles.teamId, team.id)))
      : [];
    if (!bundle) throw new ServiceError('not_found', `no bundle ${input.bundleId}`);
    const { active } = await admit(tx, competition, team, 'bundle', now);
    if (active >= ctx.maxActiveSubmissions) {
      throw new ServiceError(
        'limit_exceeded',
        `at most ${ctx.maxActiveSubmissions} submissions may be queued or running; wait for one to finish`,
      );
    }

    const id = randomUUID();
    const jobId = await queue.enqueueScore(tx, { submissionId: id });
    const [row] = await tx
      .insert(submissions)
      .values({
        id,
        competitionId: competition.id,
        teamId: team.id,
        kind: 'bundle',
        bundleId: bundle.id,
        status: 'queued',
        idempotencyKey: key ?? null,
        jobId,
        createdAt: now,
      })
      .returning();
    await keepTeamStanding(tx, competition.id, team.id, { onlyIfRanked: true }); // its count and last time
    return { submission: toSubmissionView(row, false), created: true };
  });
}

/** May `viewer` see this competition's private scores now? The host always; others after the end. */
async function showPrivate(ctx: ServiceContext, competitionId: string, viewer: Viewer): Promise<boolean> {
  if (viewer.kind === 'host') return true;
  const [c] = await ctx.db.select().from(competitions).where(eq(competitions.id, competitionId));
  return phaseOf(c, nowOf(ctx)) === 'ended';
}

/** The row of a submission `viewer` may see: the host any, a team its own; else `not_found`. */
async function visibleRow(ctx: ServiceContext, id: string, viewer: Viewer): Promise<SubmissionRow> {
  const [row] = isUuid(id) ? await ctx.db.select().from(submissions).where(eq(submissions.id, id)) : [];
  const mine = row && (viewer.kind === 'host' || (viewer.kind === 'team' && viewer.team.id === row.teamId));
  if (!mine) throw new ServiceError('not_found', `no submission ${id}`);
  return row;
}

/** One window of a team's submissions, newest first, and how many the team has in all. */
export type SubmissionPage = { total: number; limit: number; offset: number; submissions: SubmissionView[] };

/**
 * A page of a team's submissions, newest first (ties by id), with scores and errors (private scores only
 * after the end), and the team's total: one query for the page, one for the count and the competition's
 * window. `limit` defaults to SUBMISSION_PAGE's 50; callers validate it (the route caps it at 200).
 *
 * @example
 * const { total, submissions } = await listSubmissions(ctx, team.id, { limit: 50, offset: 100 });
 */
export async function listSubmissions(
  ctx: ServiceContext,
  teamId: string,
  page: { limit?: number; offset?: number } = {},
): Promise<SubmissionPage> {
  const limit = page.limit ?? SUBMISSION_PAGE.defaultLimit;
  const offset = page.offset ?? 0;
  const [[head], rows] = await Promise.all([
    ctx.db
      .select({
        total: sql<number>`(select count(*) from ${submissions} where ${submissions.teamId} = ${teams.id})::int`,
        startsAt: competitions.startsAt,
        endsAt: competitions.endsAt,
      })
      .from(teams)
      .innerJoin(competitions, eq(competitions.id, teams.competitionId))
      .where(eq(teams.id, teamId)),
    ctx.db
      .select()
      .from(submissions)
      .where(eq(submissions.teamId, teamId))
      .orderBy(desc(submissions.createdAt), desc(submissions.id))
      .limit(limit)
      .offset(offset),
  ]);
  if (!head) return { total: 0, limit, offset, submissions: [] };
  const visible = phaseOf(head, nowOf(ctx)) === 'ended';
  const views = await withQueueStandings(
    ctx,
    rows.map((row) => toSubmissionView(row, visible)),
  );
  return { total: head.total, limit, offset, submissions: views };
}

/**
 * One submission for its team or the host; `not_found` for anyone else (ids cannot be probed).
 *
 * @example
 * const s = await getSubmission(ctx, id, principal); // principal from the auth middleware
 */
export async function getSubmission(
  ctx: ServiceContext,
  id: string,
  viewer: Viewer,
): Promise<SubmissionView> {
  const row = await visibleRow(ctx, id, viewer);
  const [view] = await withQueueStandings(ctx, [
    toSubmissionView(row, await showPrivate(ctx, row.competitionId, viewer)),
  ]);
  return view;
}

/**
 * Blob key of a scored submission's `output.csv`; `not_found` when not visible or not scored.
 *
 * @example
 * const stream = await blobs.getStream(await submissionOutputKey(ctx, id, principal));
 */
export async function submissionOutputKey(ctx: ServiceContext, id: string, viewer: Viewer): Promise<string> {
  const row = await visibleRow(ctx, id, viewer);
  if (row.status !== 'scored' || !row.outputKey)
    throw new ServiceError('not_found', `submission ${id} has no output yet`);
  return row.outputKey;
}

/**
 * Selects or unselects a scored submission as one of the team's finals (at most the competition's
 * `finals`), before the end only: `competition_closed` after it, `conflict` beyond N or when unscored.
 *
 * @example
 * await selectFinal(ctx, team.id, submissionId, true);
 */
export async function selectFinal(
  ctx: ServiceContext,
  teamId: string,
  submissionId: string,
  selected: boolean,
): Promise<SubmissionView> {
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const { competition } = await lockTeam(tx, teamId);
    const [row] = isUuid(submissionId)
      ? await tx
          .select()
          .from(submissions)
          .where(and(eq(submissions.id, submissionId), eq(submissions.teamId, teamId)))
      : [];
    if (!row) throw new ServiceError('not_found', `no submission ${submissionId}`);
    if (phaseOf(competition, now) === 'ended') {
      throw new ServiceError('competition_closed', 'finals can only be changed before the end');
    }
    if (selected && row.status !== 'scored')
      throw new ServiceError('conflict', 'only a scored submission can be a final');
    if (selected && !row.selectedFinal) {
      const [{ n }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(submissions)
        .where(
          and(
            eq(submissions.teamId, teamId),
            eq(submissions.selectedFinal, true),
            ne(submissions.id, row.id),
          ),
        );
      if (n >= competition.finals) {
        throw new ServiceError('conflict', `at most ${competition.finals} finals; unselect one first`);
      }
    }
    const [updated] = await tx
      .update(submissions)
      .set({ selectedFinal: selected })
      .where(eq(submissions.id, row.id))
      .returning();
    if (updated.selectedFinal !== row.selectedFinal) await keepTeamStanding(tx, competition.id, teamId);
    return toSubmissionView(updated, false);
  });
}
