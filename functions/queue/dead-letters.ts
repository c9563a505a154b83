// Dead letters: jobs the queue gave up on (retries exhausted, or the last worker died), handed to whoever settles them.
import { type JobQueue, SCORE_DEAD_QUEUE, type ScoreJobData } from './queue.js';

/**
 * Settles a dead-lettered submission and says whether it changed anything. The queue does not know
 * what that means: the services' `abandonSubmission` fails it as an infrastructure fault.
 */
export type Abandon = (submissionId: string) => Promise<boolean>;

/**
 * Hands every job waiting in the dead-letter queue to `abandon`, then settles those jobs. Returns how
 * many submissions `abandon` changed. Run it from a timer, or let {@link workDeadLetters} do it.
 *
 * @example
 * const changed = await drainDeadQueue(queue, (id) => abandonSubmission(ctx, id));
 */
export async function drainDeadQueue(queue: Pick<JobQueue, 'boss'>, abandon: Abandon): Promise<number> {
  let changed = 0;
  for (;;) {
    const jobs = await queue.boss.fetch<ScoreJobData>(SCORE_DEAD_QUEUE, { batchSize: 50 });
    if (jobs.length === 0) return changed;
    for (const job of jobs) {
      if (await abandon(String(job.data?.submissionId ?? ''))) changed += 1;
    }
    await queue.boss.complete(
      SCORE_DEAD_QUEUE,
      jobs.map((j) => j.id),
    );
  }
}

/**
 * Works the dead-letter queue in this process: each job's submission goes to `abandon` as it arrives
 * (`onAbandoned` is told when that changed something). Returns a stop function that waits for the job
 * in hand.
 *
 * @example
 * const stopDead = await workDeadLetters(queue, (id) => abandonSubmission(ctx, id));
 * await stopDead();
 */
export async function workDeadLetters(
  queue: Pick<JobQueue, 'boss'>,
  abandon: Abandon,
  options: { pollingIntervalSeconds?: number; onAbandoned?(submissionId: string): void } = {},
): Promise<() => Promise<void>> {
  const polling =
    options.pollingIntervalSeconds === undefined
      ? {}
      : { pollingIntervalSeconds: options.pollingIntervalSeconds };
  const id = await queue.boss.work<ScoreJobData>(
    SCORE_DEAD_QUEUE,
    { batchSize: 1, ...polling },
    async ([job]) => {
      if (await abandon(job.data.submissionId)) options.onAbandoned?.(job.data.submissionId);
    },
  );
  return () => queue.boss.offWork(SCORE_DEAD_QUEUE, { id, wait: true });
}
