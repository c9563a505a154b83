// Stuck submissions: a `running` row whose attempt outlived every limit is failed with that reason, never left running.
import { and, eq, lt } from 'drizzle-orm';
import { submissions } from '../db/schema.js';
import { nowOf, type ServiceContext } from './context.js';
import { keepTeamStanding } from './standings-keep.js';

/** The stored code of a submission failed for running past its time (the sandbox's own timeouts use it too). */
export const TIMEOUT_CODE = 'timeout';

/** A failed-for-being-stuck submission: which, and of which team (for logs and tests). */
export type SweptSubmission = { id: string; competitionId: string; teamId: string };

/**
 * Fails every submission that has been `running` for longer than `olderThanSeconds` (its attempt started
 * before now − that): the worker holding it died or hung and nothing else settled it (the job was lost, or a
 * one-shot `sketchboard score` was killed). The row becomes `failed` with code `timeout`, counted as an
 * infrastructure fault (the team's daily limit is not charged: the sandbox stops a slow bundle itself, well
 * before this), its lease is cleared (a late result of that worker is refused as stale), and each team's
 * standings are kept in the same transaction. It is not re-queued: whether the queue still holds a job for it
 * is unknown here, and a `queued` row without a job would wait forever. Returns what it failed.
 *
 * @example
 * const swept = await failStuckSubmissions(ctx, { olderThanSeconds: 1_255, limitSeconds: 600 });
 */
export async function failStuckSubmissions(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  options: { olderThanSeconds: number; limitSeconds: number },
): Promise<SweptSubmission[]> {
  const now = nowOf(ctx);
  const cutoff = new Date(now.getTime() - options.olderThanSeconds * 1000);
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .update(submissions)
      .set({
        status: 'failed',
        leaseToken: null,
        errorCode: TIMEOUT_CODE,
        errorMessage:
          `scoring ran past its time limit of ${options.limitSeconds} s without finishing (the scorer ` +
          'stopped responding) and was stopped; this does not count against your limit',
        errorIsInfra: true,
        finishedAt: now,
      })
      .where(and(eq(submissions.status, 'running'), lt(submissions.startedAt, cutoff)))
      .returning({
        id: submissions.id,
        competitionId: submissions.competitionId,
        teamId: submissions.teamId,
      });
    // Lock order as everywhere (submission, team, competition); teams in id order so that sweepers agree.
    const teams = [...new Map(rows.map((r) => [r.teamId, r.competitionId]))].sort(([a], [b]) =>
      a.localeCompare(b),
    );
    for (const [teamId, competitionId] of teams) await keepTeamStanding(tx, competitionId, teamId);
    return rows;
  });
}
