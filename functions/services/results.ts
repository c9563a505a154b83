// Recording results: complete or fail a claimed attempt under its lease (stale leases refused); abandon dead letters.
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import {
  type InferenceRecord,
  type MemberScore,
  type RuntimeStamp,
  type SubmissionRow,
  submissions,
} from '../db/schema.js';
import { drainDeadQueue } from '../queue/dead-letters.js';
import type { JobQueue } from '../queue/queue.js';
import { isUuid, nowOf, type ServiceContext } from './context.js';
import { ServiceError, StaleLeaseError } from './errors.js';
import { keepTeamStanding } from './standings-keep.js';
import { type SubmissionView, toSubmissionView } from './views.js';

/** Correct predictions out of the items of one split. */
export type Count = { correct: number; total: number };

/** What a scored attempt records through {@link completeSubmission}. */
export type ScoreResults = {
  public: Count;
  private: Count;
  memberScores?: MemberScore[];
  imagesPerSecond?: number;
  runtime: RuntimeStamp;
  /** Which leaves came from the prediction cache and how many images were inferred. */
  inference?: InferenceRecord;
  /** Blob key of the stored output.csv (`outputKey(submissionId)`). */
  outputKey: string;
};

/**
 * Failure codes stored on a failed submission. All but `infra` are the bundle's doing and count
 * against the team's daily limit; `infra` (database, blob store, queue, missing test images, no
 * runtime) is retried a bounded number of times and never counts.
 */
export type FailureCode = 'invalid_bundle' | 'model_output' | 'timeout' | 'out_of_memory' | 'crash' | 'infra';

/** The stored code of every infrastructure failure, the scorer's and the dead-letter drain's alike. */
export const INFRA_CODE = 'infra' satisfies FailureCode;

/** A failure the team can read: a short code and a one-line message without stack traces or labels. */
export type Failure = {
  code: string;
  message: string;
  /** Our fault (node lost, storage down): does not count against the daily limit. */
  isInfra: boolean;
  /** Infrastructure only: the job will be retried, so the submission goes back to `queued`. */
  retry?: boolean;
};

/** correct / total of a count, refused (`invalid_argument`) unless 0 <= correct <= total and total > 0. */
export function accuracy(c: Count): number {
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
 * Runs one submission update and, when it changed a row, keeps the team's standings in the same
 * transaction. `changesBoard: false` for an update no board shows (a retry back to queued counts as the
 * running attempt did), so cached boards are not renewed for nothing.
 */
async function recorded(
  ctx: ServiceContext,
  update: (tx: Tx) => Promise<SubmissionRow[]>,
  changesBoard = true,
): Promise<SubmissionRow | undefined> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await update(tx);
    if (row && changesBoard) await keepTeamStanding(tx, row.competitionId, row.teamId);
    return row;
  });
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
  const row = await recorded(ctx, (tx) =>
    tx
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
        inference: results.inference ?? null,
        outputKey: results.outputKey,
        errorCode: null,
        errorMessage: null,
        errorIsInfra: false,
        finishedAt: nowOf(ctx),
      })
      .where(leased(submissionId, leaseToken))
      .returning(),
  );
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
  const row = await recorded(
    ctx,
    (tx) =>
      tx
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
        .returning(),
    !failure.retry,
  );
  if (!row) throw new StaleLeaseError(submissionId);
  return toSubmissionView(row, true);
}

/**
 * Fails a submission whose job the queue gave up on (dead-letter queue: retries exhausted, or its last
 * worker died) as an infrastructure fault, code {@link INFRA_CODE} like the scorer's. No lease needed; a
 * finished submission is left alone. Returns whether it changed anything.
 *
 * @example
 * await workDeadLetters(queue, (id) => abandonSubmission(ctx, id));
 */
export async function abandonSubmission(
  ctx: ServiceContext,
  submissionId: string,
  message = 'scoring could not be completed because of a server problem; this does not count against your limit',
): Promise<boolean> {
  if (!isUuid(submissionId)) return false;
  const row = await recorded(ctx, (tx) =>
    tx
      .update(submissions)
      .set({
        status: 'failed',
        leaseToken: null,
        errorCode: INFRA_CODE,
        errorMessage: message,
        errorIsInfra: true,
        finishedAt: nowOf(ctx),
      })
      .where(and(eq(submissions.id, submissionId), inArray(submissions.status, ['queued', 'running'])))
      .returning(),
  );
  return row !== undefined;
}

/**
 * Abandons (as infrastructure faults) the submissions of every job in the dead-letter queue and settles
 * those jobs. Returns how many submissions changed.
 *
 * @example
 * setInterval(() => void drainDeadLetters(ctx, queue), 30_000);
 */
export function drainDeadLetters(ctx: ServiceContext, queue: Pick<JobQueue, 'boss'>): Promise<number> {
  return drainDeadQueue(queue, (id) => abandonSubmission(ctx, id));
}
