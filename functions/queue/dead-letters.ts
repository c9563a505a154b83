// Dead letters: submissions whose scoring job the queue gave up on are failed as infrastructure faults.
import { and, eq, inArray } from 'drizzle-orm';
import { submissions } from '../db/schema.js';
import { INFRA_CODE } from '../scorer/failures.js';
import { isUuid, nowOf, type ServiceContext } from '../services/context.js';
import { type JobQueue, SCORE_DEAD_QUEUE, type ScoreJobData } from './queue.js';

/**
 * Fails a submission whose job the queue gave up on (dead-letter queue: retries exhausted, or its last
 * worker died) as an infrastructure fault, code `infra` like the scorer's. No lease needed; a finished
 * submission is left alone. Returns whether it changed anything.
 *
 * @example
 * await boss.work(SCORE_DEAD_QUEUE, async ([job]) => { await abandonSubmission(ctx, job.data.submissionId); });
 */
export async function abandonSubmission(
  ctx: ServiceContext,
  submissionId: string,
  message = 'scoring could not be completed because of a server problem; this does not count against your limit',
): Promise<boolean> {
  if (!isUuid(submissionId)) return false;
  const rows = await ctx.db
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
    .returning({ id: submissions.id });
  return rows.length === 1;
}

/**
 * Fails (as infrastructure) every submission whose job sits in the dead-letter queue, and settles
 * those jobs. Returns how many submissions changed. Run it from a timer or `boss.work(SCORE_DEAD_QUEUE)`.
 *
 * @example
 * setInterval(() => void drainDeadLetters(ctx, queue), 30_000);
 */
export async function drainDeadLetters(ctx: ServiceContext, queue: Pick<JobQueue, 'boss'>): Promise<number> {
  let changed = 0;
  for (;;) {
    const jobs = await queue.boss.fetch<ScoreJobData>(SCORE_DEAD_QUEUE, { batchSize: 50 });
    if (jobs.length === 0) return changed;
    for (const job of jobs) {
      if (await abandonSubmission(ctx, String(job.data?.submissionId ?? ''))) changed += 1;
    }
    await queue.boss.complete(
      SCORE_DEAD_QUEUE,
      jobs.map((j) => j.id),
    );
  }
}
