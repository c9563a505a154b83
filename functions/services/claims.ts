// Taking work: a scorer claims an attempt of a submission under a fresh lease and reads the answer key.
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { FileDigest } from '../../core/bundle/digest.js';
import type { Manifest } from '../../core/bundle/manifest.js';
import { bundles, competitions, type Split, submissions, testItems } from '../db/schema.js';
import { isUuid, nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';

/** What a scorer needs to run one attempt. `leaseToken` must accompany its result. */
export type Claim = {
  submissionId: string;
  teamId: string;
  attempt: number;
  leaseToken: string;
  bundle: { id: string; sha256: string; blobKey: string; manifest: Manifest; files: FileDigest[] | null };
  competition: { id: string; slug: string; classes: number; datasetDir: string; datasetSha256: string };
};

/** The labelled test set, in test.csv order. SERVER-ONLY: the scorer compares with it; never send it anywhere. */
export type AnswerKey = { id: string; imagePath: string; label: number; split: Split }[];

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
  // A prediction-file submission is scored when it arrives: there is nothing to claim.
  const claimable = [
    eq(submissions.id, submissionId),
    eq(submissions.kind, 'bundle'),
    inArray(submissions.status, ['queued', 'running']),
  ];
  if (attempt !== undefined) claimable.push(lt(submissions.attempt, attempt));
  const [row] = await ctx.db
    .update(submissions)
    .set({
      status: 'running',
      attempt: next,
      leaseToken,
      startedAt: nowOf(ctx),
      finishedAt: null,
      progressDone: null,
      progressTotal: null,
    })
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
  const bundleId = row.bundleId;
  if (bundleId === null) throw new Error(`submission ${row.id}: a bundle submission without a bundle`);
  const [ctxRow] = await ctx.db
    .select({ bundle: bundles, competition: competitions })
    .from(bundles)
    .innerJoin(competitions, eq(competitions.id, bundles.competitionId))
    .where(eq(bundles.id, bundleId));
  const { bundle: b, competition: c } = ctxRow;
  return {
    submissionId: row.id,
    teamId: row.teamId,
    attempt: row.attempt,
    leaseToken,
    bundle: { id: b.id, sha256: b.sha256, blobKey: b.blobKey, manifest: b.manifest, files: b.files },
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
