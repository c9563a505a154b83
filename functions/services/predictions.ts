// Prediction-file submissions: recorded already scored, under the same admission rules as a bundle, boards kept in the same transaction.
import { submissions } from '../db/schema.js';
import { admit, checkIdempotencyKey, earlierSubmission, lockTeam } from './admission.js';
import { nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { accuracy, type Count } from './results.js';
import { keepTeamStanding } from './standings-keep.js';
import { type SubmissionView, toSubmissionView } from './views.js';

/** A checked and scored prediction file, its output.csv already in the blob store. */
export type ScoredPredictions = {
  teamId: string;
  /** Id of the new submission (its output key is named after it). */
  submissionId: string;
  idempotencyKey?: string;
  /** sha256 of the stored output.csv: a retried request with the same key must carry the same predictions. */
  sha256: string;
  /** Blob key of the stored output.csv: `outputKey(predictionsOutputName(submissionId, sha256))`. */
  outputKey: string;
  public: Count;
  private: Count;
};

/** The name of a prediction file's stored output.csv (`outputKey(name)`): the submission id and the file's sha256. */
export function predictionsOutputName(submissionId: string, sha256: string): string {
  return `${submissionId}-${sha256}`;
}

/**
 * Records a scored prediction-file submission in ONE transaction, under a bundle's admission rules: with the
 * team row locked, a repeated `idempotencyKey` returns the earlier submission (`created: false`; `conflict`
 * when that key was used for a bundle or another file), then the competition must take prediction files
 * (`forbidden`) and be open (`competition_closed`), and the team be under its daily limit (`limit_exceeded`).
 * The row goes straight to `scored` (no queue job, no runner), and the team's standings and the board
 * version are kept in the same transaction, as a completed bundle's are.
 *
 * @example
 * const { submission, created } = await recordPredictions(ctx, { teamId, submissionId, sha256, outputKey,
 *   public: { correct: 40, total: 50 }, private: { correct: 38, total: 50 } });
 */
export async function recordPredictions(
  ctx: ServiceContext,
  input: ScoredPredictions,
): Promise<{ submission: SubmissionView; created: boolean }> {
  const key = input.idempotencyKey;
  checkIdempotencyKey(key);
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    const { team, competition } = await lockTeam(tx, input.teamId);
    const earlier = await earlierSubmission(tx, team.id, key);
    if (earlier) {
      const same = earlier.kind === 'predictions' && earlier.outputKey?.endsWith(`-${input.sha256}.csv`);
      if (!same) throw new ServiceError('conflict', 'this Idempotency-Key was used for another submission');
      return { submission: toSubmissionView(earlier, false), created: false };
    }
    await admit(tx, competition, team, 'predictions', now);
    const [row] = await tx
      .insert(submissions)
      .values({
        id: input.submissionId,
        competitionId: competition.id,
        teamId: team.id,
        kind: 'predictions',
        bundleId: null,
        status: 'scored',
        attempt: 1,
        idempotencyKey: key ?? null,
        publicAccuracy: accuracy(input.public),
        publicCorrect: input.public.correct,
        publicTotal: input.public.total,
        privateAccuracy: accuracy(input.private),
        privateCorrect: input.private.correct,
        privateTotal: input.private.total,
        outputKey: input.outputKey,
        createdAt: now,
        startedAt: now,
        finishedAt: now,
      })
      .returning();
    await keepTeamStanding(tx, competition.id, team.id);
    return { submission: toSubmissionView(row, false), created: true };
  });
}
