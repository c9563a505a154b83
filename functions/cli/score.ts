// `sketchboard score --submission ID | --next`: score one submission now and exit (serverless, batch and KEDA Jobs).

import { type Command, parse, UsageError } from '../../core/cli/args.js';
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { loadEnv } from '../config/env.js';
import { drainDeadQueue } from '../queue/dead-letters.js';
import { attemptOf, isLastAttempt, type JobQueue, SCORE_QUEUE, type ScoreJobData } from '../queue/queue.js';
import { type AttemptOutcome, type ScorerDeps, scoreAttempt } from '../scorer/attempt.js';
import { openScorerParts } from '../scorer/standalone.js';
import { scorerDeps } from '../scorer/worker.js';
import { abandonSubmission } from '../services/results.js';

const usage = `Usage: sketchboard score --submission ID
       sketchboard score --next

Scores one submission in a sandboxed child process, stores its public and private accuracy and
output.csv, and exits: for serverless or batch runtimes that start one process per submission.
Same environment as \`sketchboard scorer\`; no queue worker runs.

  --submission ID   score this queued (or abandoned running) submission; a worker that later picks
                    up its job finds it finished and skips it
  --next            claim the next job of the scoring queue (as a scorer would: heartbeat, retries),
                    score its submission, settle the job and exit; exits at once when the queue is
                    empty. Also settles dead-lettered jobs first. Used by the KEDA ScaledJob
                    (infra/k8s/scale-to-zero): one Kubernetes Job per queued submission.

Exit code 0 when a result (scored or failed) was recorded or there was nothing to do; 1 when an
infrastructure fault kept it from scoring (--next: the job goes back to the queue for a retry).`;

/** What `--next` did: an attempt's outcome, or `empty` when no job was waiting. */
export type NextOutcome = AttemptOutcome | { status: 'empty' };

/**
 * Claims the next ready job of the scoring queue, scores its submission, and settles the job the way
 * the long-running worker does: completed, or failed (so that pg-boss retries it) when the attempt asks
 * for a retry or throws. Touches the job while it runs so its heartbeat does not lapse. Returns
 * `{ status: 'empty' }` when nothing is queued.
 *
 * @example
 * const out = await scoreNext(queue, scorerDeps({ db, blobs, env }));
 * if (out.status === 'empty') console.log('queue empty');
 */
export async function scoreNext(
  queue: JobQueue,
  deps: ScorerDeps,
  signal?: AbortSignal,
): Promise<NextOutcome> {
  const [job] = await queue.boss.fetch<ScoreJobData>(SCORE_QUEUE, { batchSize: 1 });
  if (!job) return { status: 'empty' };
  const held = { id: job.id, retryCount: job.retryCount };
  const heartbeat = job.heartbeatSeconds
    ? setInterval(
        () =>
          void queue.boss
            .touch(SCORE_QUEUE, held)
            .catch((err: unknown) => log.warn('heartbeat failed', { job: job.id, error: errorMessage(err) })),
        (job.heartbeatSeconds * 1000) / 2,
      )
    : undefined;
  try {
    const outcome = await scoreAttempt(deps, {
      submissionId: job.data.submissionId,
      attempt: attemptOf(job),
      lastAttempt: isLastAttempt(queue, job),
      signal,
    });
    if (outcome.status === 'retry')
      await queue.boss.fail(SCORE_QUEUE, held, { message: outcome.failure.message });
    else await queue.boss.complete(SCORE_QUEUE, held, { status: outcome.status });
    return outcome;
  } catch (err) {
    await queue.boss.fail(SCORE_QUEUE, held, { message: errorMessage(err) }).catch(() => {});
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

/** The line printed for an outcome, and the exit code. */
function report(submissionId: string, out: AttemptOutcome): [string, number] {
  switch (out.status) {
    case 'scored':
      return [
        `submission ${submissionId}: scored, public ${out.public.toFixed(4)}, ${out.imagesPerSecond.toFixed(1)} images/s`,
        0,
      ];
    case 'failed':
      return [
        `submission ${submissionId}: failed (${out.failure.code}): ${out.failure.message}`,
        out.failure.isInfra ? 1 : 0,
      ];
    case 'skipped':
      return [`submission ${submissionId}: nothing to do (already finished or held by a newer attempt)`, 0];
    case 'retry':
      return [`submission ${submissionId}: infrastructure fault, handed back for a retry`, 1];
    default:
      return [`submission ${submissionId}: ${out.status}`, 1];
  }
}

/** Aborted `graceMs` after SIGINT/SIGTERM: the run is killed and the attempt recorded as an infra fault. */
function stopSignal(graceMs: number): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onSignal = () => {
    timer ??= setTimeout(() => ctl.abort(new Error('score stopping')), graceMs);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: ctl.signal,
    dispose() {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { submission: { type: 'string' }, next: { type: 'boolean' } }, false);
  if ((values.submission === undefined) === (values.next !== true))
    throw new UsageError('give either --submission ID or --next');
  const env = loadEnv();
  const next = values.next === true;
  const parts = await openScorerParts(env, { queue: next });
  const stop = stopSignal(env.scorer.stopGraceSeconds * 1000);
  try {
    const deps = scorerDeps({ db: parts.database.db, blobs: parts.blobs, env });
    if (!next) {
      const submissionId = values.submission as string;
      const out = await scoreAttempt(deps, { submissionId, lastAttempt: true, signal: stop.signal });
      const [line, code] = report(submissionId, out);
      process.stdout.write(`${line}\n`);
      return code;
    }
    const queue = parts.queue;
    if (!queue) throw new Error('queue did not start');
    const abandoned = await drainDeadQueue(queue, (id) => abandonSubmission(deps.services, id));
    if (abandoned > 0) process.stdout.write(`settled ${abandoned} dead-lettered submission(s)\n`);
    const out = await scoreNext(queue, deps, stop.signal);
    if (out.status === 'empty') {
      process.stdout.write('score --next: the scoring queue is empty\n');
      return 0;
    }
    const [line, code] = report(out.submissionId, out);
    process.stdout.write(`${line}\n`);
    return code;
  } finally {
    stop.dispose();
    await parts.close();
  }
}

/** The `score` verb. */
export const command: Command = {
  name: 'score',
  summary: 'score one submission (or the next queued one) now and exit',
  usage,
  run,
};
