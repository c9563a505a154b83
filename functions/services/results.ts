// Scorer-side writes: claim an attempt with a fresh lease, then complete or fail it; stale leases are refused.
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Manifest } from '../../core/bundle/manifest.js';
import {
  bundles,
  competitions,
  type MemberScore,
  type RuntimeStamp,
  type Split,
  submissions,
  testItems,
} from '../db/schema.js';
import { isUuid, nowOf, type ServiceContext } from './context.js';
import { ServiceError, StaleLeaseError } from './errors.js';
import { type SubmissionView, toSubmissionView } from './views.js';

/** What a scorer needs to run one attempt. `leaseToken` must accompany its result. */
export type Claim = {
  submissionId: string;
  teamId: string;
  attempt: number;
  leaseToken: string;
  bundle: { id: string; sha256: string; blobKey: string; manifest: Manifest };
  competition: { id: string; slug: string; classes: number; datasetDir: string; datasetSha256: string };
};

/** The labelled test set, in test.csv order. SERVER-ONLY: the scorer compares with it; never send it anywhere. */
export type AnswerKey = { id: string; imagePath: string; label: number; split: Split }[];

export type Count = { correct: number; total: number };

export type ScoreResults = {
  public: Count;
  private: Count;
  memberScores?: MemberScore[];
  imagesPerSecond?: number;
  runtime: RuntimeStamp;
  /** Blob key of the stored output.csv (`outputKey(submissionId)`). */
  outputKey: string;
};

/** A failure the team can read: a short code and a one-line message without stack traces or labels. */
export type Failure = {
  code: string;
  message: string;
  /** Our fault (node lost, storage down): does not count against the daily limit. */
  isInfra: boolean;
  /** Infrastructure only: the job will be retried, so the submission goes back to `queued`. */
  retry?: boolean;
};

/**
 * Claims a submission for one attempt: `queued` (or `running` under an older attempt whose worker died)
 * → `running` with a fresh lease token. `attempt` is the queue's 1-based attempt (`attemptOf(job)`);
 * omitted, it is the stored attempt + 1 (one-shot scoring). Returns null when the submission is already
 * finished or a newer attempt holds it; `not_found` when there is no such submission.
 *
 * @example
 * const claim = await claimSubmission(ctx, job.data.submissionId, attemptOf(job));
 * if (!claim) return boss.complete(SCORE_QUEUE, job.id); // nothing left to do
 */
export async function claimSubmission(
  ctx: ServiceContext,
  submissionId: string,
  attempt?: number,
): Promise<Claim | null> {
  if (!isUuid(submissionId)) throw new ServiceError('not_found', `no submission ${submissionId}`);
  const next: SQL | number = attempt ?? sql`${submissions.attempt} + 1`;
  const leaseToken = randomBytes(24).toString('base64url');
  const claimable = [eq(submissions.id, submissionId), inArray(submissions.status, ['queued', 'running'])];
  if (attempt !== undefined) claimable.push(lt(submissions.attempt, attempt));
  const [row] = await ctx.db
    .update(submissions)
    .set({ status: 'running', attempt: next, leaseToken, startedAt: nowOf(ctx), finishedAt: null })
    .where(and(...claimable))
    .returning();
  if (!row) {
    const [exists] = await ctx.db
      .select({ id: submissions.id })
      .from(submissions)
      .where(eq(submissions.id, submissionId));
    if (!exists) throw new ServiceError('not_found', `no submission ${submissionId}`);
    return null;
  }
  const [ctxRow] = await ctx.db
    .select({ bundle: bundles, competition: competitions })
    .from(bundles)
    .innerJoin(competitions, eq(competitions.id, bundles.competitionId))
    .where(eq(bundles.id, row.bundleId));
  const { bundle: b, competition: c } = ctxRow;
  return {
    submissionId: row.id,
    teamId: row.teamId,
    attempt: row.attempt,
    leaseToken,
    bundle: { id: b.id, sha256: b.sha256, blobKey: b.blobKey, manifest: b.manifest },
    competition: {
      id: c.id,
      slug: c.slug,
      classes: c.classes,
      datasetDir: c.datasetDir,
      datasetSha256: c.datasetSha256,
    },
  };
}

/**
 * The labelled test items of a competition, for the scorer only.
 *
 * @example
 * const key = await loadAnswerKey(ctx, claim.competition.id);
 */
export async function loadAnswerKey(ctx: ServiceContext, competitionId: string): Promise<AnswerKey> {
  return ctx.db
    .select({
      id: testItems.itemId,
      imagePath: testItems.imagePath,
      label: testItems.label,
      split: testItems.split,
    })
    .from(testItems)
    .where(eq(testItems.competitionId, competitionId))
    .orderBy(asc(testItems.position));
}

function accuracy(c: Count): number {
  if (
    !Number.isInteger(c.correct) ||
    !Number.isInteger(c.total) ||
    c.total <= 0 ||
    c.correct < 0 ||
    c.correct > c.total
  ) {
    throw new ServiceError('invalid_argument', `bad count ${c.correct}/${c.total}`);
  }
  return c.correct / c.total;
}

/** Where an update may land: this submission, still running under this lease. */
function leased(submissionId: string, leaseToken: string) {
  return and(
    eq(submissions.id, submissionId),
    eq(submissions.leaseToken, leaseToken),
    eq(submissions.status, 'running'),
  );
}

/**
 * Stores the result of the attempt holding `leaseToken` and marks the submission `scored`.
 * Throws {@link StaleLeaseError} when that lease no longer holds (exactly one result per submission).
 *
 * @example
 * await completeSubmission(ctx, claim.submissionId, claim.leaseToken, { public: { correct: 80, total: 100 }, ... });
 */
export async function completeSubmission(
  ctx: ServiceContext,
  submissionId: string,
  leaseToken: string,
  results: ScoreResults,
): Promise<SubmissionView> {
  const [row] = await ctx.db
    .update(submissions)
    .set({
      status: 'scored',
      leaseToken: null,
      publicAccuracy: accuracy(results.public),
      publicCorrect: results.public.correct,
      publicTotal: results.public.total,
      privateAccuracy: accuracy(results.private),
      privateCorrect: results.private.correct,
      privateTotal: results.private.total,
      memberScores: results.memberScores ?? null,
      imagesPerSecond: results.imagesPerSecond ?? null,
      runtime: results.runtime,
      outputKey: results.outputKey,
      errorCode: null,
      errorMessage: null,
      errorIsInfra: false,
      finishedAt: nowOf(ctx),
    })
    .where(leased(submissionId, leaseToken))
    .returning();
  if (!row) throw new StaleLeaseError(submissionId);
  return toSubmissionView(row, true);
}

/**
 * Records a failed attempt under `leaseToken`: `failed` for good, or back to `queued` when an
 * infrastructure fault will be retried. Throws {@link StaleLeaseError} when the lease no longer holds.
 *
 * @example
 * await failSubmission(ctx, id, lease, { code: 'timeout', message: 'scoring took longer than 600 s', isInfra: false });
 */
export async function failSubmission(
  ctx: ServiceContext,
  submissionId: string,
  leaseToken: string,
  failure: Failure,
): Promise<SubmissionView> {
  if (failure.retry && !failure.isInfra)
    throw new Error('failSubmission: only infrastructure faults are retried');
  const [row] = await ctx.db
    .update(submissions)
    .set({
      status: failure.retry ? 'queued' : 'failed',
      leaseToken: null,
      errorCode: failure.code.slice(0, 64),
      errorMessage: failure.message.slice(0, 2000),
      errorIsInfra: failure.isInfra,
      finishedAt: failure.retry ? null : nowOf(ctx),
    })
    .where(leased(submissionId, leaseToken))
    .returning();
  if (!row) throw new StaleLeaseError(submissionId);
  return toSubmissionView(row, true);
}

// Kept importable from here too (the scorer imports them from this module).
export { abandonSubmission, drainDeadLetters } from '../queue/dead-letters.js';
