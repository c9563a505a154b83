// The long-running scorer: pulls score-submission jobs from pg-boss, N at a time, and stops gracefully.
import { availableParallelism } from 'node:os';
import { log } from '../../core/log.js';
import { DEFAULT_BATCH_SIZE } from '../../core/predict/predictor.js';
import { type Env, envDefault } from '../config/env.js';
import type { Db } from '../db/client.js';
import { workDeadLetters } from '../queue/dead-letters.js';
import { attemptOf, isLastAttempt, type JobQueue, SCORE_QUEUE, type ScoreJobData } from '../queue/queue.js';
import type { ServiceContext } from '../services/context.js';
import { abandonSubmission } from '../services/results.js';
import type { BlobStore } from '../storage/blob.js';
import { createPredictionCache } from '../storage/prediction-cache.js';
import { type AttemptOutcome, type ScorerDeps, scoreAttempt } from './attempt.js';
import { RunnerPool } from './sandbox/pool.js';
import type { RunOptions } from './sandbox/protocol.js';
import type { SandboxLimits } from './sandbox/supervisor.js';

/**
 * Default grace period on stop before running children are killed and their jobs handed back: the
 * schema's default of SKETCHBOARD_SCORER_STOP_GRACE_SECONDS.
 */
export const STOP_GRACE_MS = Number(envDefault('SKETCHBOARD_SCORER_STOP_GRACE_SECONDS')) * 1000;

/**
 * The settings a worker reads; without `stopGraceSeconds`, `stop()` waits {@link STOP_GRACE_MS}. Without
 * `predictionCache` (partial settings of tests and benchmarks) the cache is off; loadEnv's default is on.
 */
export type ScorerEnv = Pick<Env, 'maxActiveSubmissions'> & {
  scorer: Omit<Env['scorer'], 'stopGraceSeconds' | 'predictionCache'> &
    Partial<Pick<Env['scorer'], 'stopGraceSeconds' | 'predictionCache'>>;
};

/**
 * The runtime options the server fixes for every bundle: execution providers cuda → cpu, the
 * default batch size, and the CPU threads shared out between concurrent jobs.
 */
export function serverRunOptions(env: { scorer: Pick<Env['scorer'], 'concurrency'> }): RunOptions {
  return {
    batchSize: DEFAULT_BATCH_SIZE,
    executionProviders: ['cuda', 'cpu'],
    threads: Math.max(1, Math.floor(availableParallelism() / env.scorer.concurrency)),
  };
}

/** Wall-clock and memory limits of one run, from the environment. */
export function sandboxLimits(env: {
  scorer: Pick<Env['scorer'], 'timeoutSeconds' | 'memoryMb'>;
}): SandboxLimits {
  return { timeoutMs: env.scorer.timeoutSeconds * 1000, memoryMb: env.scorer.memoryMb };
}

/** Scoring dependencies from the server's parts. */
export function scorerDeps(
  parts: Omit<StartScorerOptions, 'queue' | 'pollingIntervalSeconds' | 'onOutcome'>,
): ScorerDeps {
  const services: ServiceContext = { db: parts.db, maxActiveSubmissions: parts.env.maxActiveSubmissions };
  return {
    services,
    blobs: parts.blobs,
    limits: { ...sandboxLimits(parts.env), ...parts.limits },
    options: { ...serverRunOptions(parts.env), ...parts.options },
    workRoot: parts.workRoot,
    hooks: parts.hooks,
    cache: parts.env.scorer.predictionCache ? { store: createPredictionCache(parts.blobs) } : undefined,
  };
}

export type StartScorerOptions = {
  db: Db;
  queue: JobQueue;
  blobs: BlobStore;
  env: ScorerEnv;
  /** Overrides of the server's runtime options and limits (tests, benchmarks). */
  options?: Partial<RunOptions>;
  limits?: Partial<SandboxLimits>;
  workRoot?: string;
  hooks?: ScorerDeps['hooks'];
  /** How often an idle worker polls for jobs (pg-boss minimum 0.5 s; default 2). */
  pollingIntervalSeconds?: number;
  /** Called after each attempt (logs, tests). */
  onOutcome?(outcome: AttemptOutcome): void;
};

/**
 * A started scorer. `stop` stops claiming, waits up to `graceMs` (default: `env.scorer.stopGraceSeconds`)
 * for running jobs, then kills their runs (the jobs are retried elsewhere), and closes the warm runners.
 */
export type RunningScorer = {
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** Jobs being scored right now. */
  readonly active: number;
};

/**
 * Start scoring jobs from the queue in this process: `env.scorer.concurrency` at a time, each in its
 * own sandboxed child. Used by `sketchboard scorer` and, in embedded mode, by `sketchboard serve`.
 * Also fails submissions whose jobs the queue dead-lettered (retries exhausted) as infra faults.
 *
 * @example
 * const scorer = await startScorer({ db: database.db, queue, blobs, env });
 * process.once('SIGTERM', () => void scorer.stop());
 */
export async function startScorer(parts: StartScorerOptions): Promise<RunningScorer> {
  const pool = new RunnerPool({
    size: parts.env.scorer.concurrency,
    memoryMb: parts.limits?.memoryMb ?? parts.env.scorer.memoryMb,
  });
  try {
    return await startWorkers(parts, pool);
  } catch (err) {
    pool.close();
    throw err;
  }
}

async function startWorkers(parts: StartScorerOptions, pool: RunnerPool): Promise<RunningScorer> {
  const deps = { ...scorerDeps(parts), pool };
  const { boss } = parts.queue;
  const shutdown = new AbortController();
  let active = 0;
  const polling =
    parts.pollingIntervalSeconds === undefined
      ? {}
      : { pollingIntervalSeconds: parts.pollingIntervalSeconds };

  const workId = await boss.work<ScoreJobData>(
    SCORE_QUEUE,
    { localConcurrency: parts.env.scorer.concurrency, batchSize: 1, ...polling },
    async ([job]) => {
      active++;
      try {
        const outcome = await scoreAttempt(deps, {
          submissionId: job.data.submissionId,
          attempt: attemptOf(job),
          lastAttempt: isLastAttempt(parts.queue, job),
          signal: AbortSignal.any([job.signal, shutdown.signal]),
        });
        parts.onOutcome?.(outcome);
        // The submission went back to `queued`: failing the job makes pg-boss retry it (bounded).
        if (outcome.status === 'retry')
          throw new Error(`infrastructure fault, retrying: ${outcome.failure.detail ?? ''}`);
        return { status: outcome.status };
      } finally {
        active--;
      }
    },
  );
  const stopDeadLetters = await workDeadLetters(
    parts.queue,
    (submissionId) => abandonSubmission(deps.services, submissionId),
    {
      ...polling,
      onAbandoned: (submissionId) =>
        log.warn('submission abandoned after its retries ran out', { submissionId }),
    },
  );
  log.info('scorer started', { concurrency: parts.env.scorer.concurrency, ...deps.limits });

  const graceSeconds = parts.env.scorer.stopGraceSeconds;
  const graceMs = graceSeconds === undefined ? STOP_GRACE_MS : graceSeconds * 1000;
  let stopping: Promise<void> | undefined;
  return {
    get active() {
      return active;
    },
    stop(opts = {}) {
      stopping ??= (async () => {
        const drained = boss.offWork(SCORE_QUEUE, { id: workId, wait: true });
        const timer = setTimeout(() => shutdown.abort(new Error('scorer stopping')), opts.graceMs ?? graceMs);
        try {
          await drained;
          await stopDeadLetters();
        } finally {
          clearTimeout(timer);
          pool.close();
        }
        log.info('scorer stopped');
      })();
      return stopping;
    },
  };
}
