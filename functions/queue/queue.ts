// pg-boss 12 over the service's own database: the `score-submission` queue, enqueued inside the caller's transaction.
import { sql as drizzleSql, type SQL } from 'drizzle-orm';
import { type Db as BossDb, fromDrizzle, fromPglite, type Job, PgBoss, type QueueResult } from 'pg-boss';
import postgres from 'postgres';
import { log } from '../../core/log.js';
import type { Database, Tx } from '../db/client.js';

/** The queue the scorer pulls from: one job per submission attempt chain. */
export const SCORE_QUEUE = 'score-submission';
/** Jobs whose retries ran out (or whose worker died on the last attempt) land here. */
export const SCORE_DEAD_QUEUE = 'score-submission-dead';

/** Payload of a scoring job. */
export type ScoreJobData = { submissionId: string };

export type QueueOptions = {
  /** Attempts per submission, the first included (env SKETCHBOARD_SCORER_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The scorer's wall-clock limit per run (env SKETCHBOARD_SCORER_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
  /** A worker silent this long is presumed dead and its job retried (pg-boss minimum 10). */
  heartbeatSeconds?: number;
  /** How often this instance's supervisor wakes up (its maintenance pass). */
  superviseIntervalSeconds?: number;
  /**
   * How often a supervising instance expires jobs and checks heartbeats (the pass's monitor step, shared by
   * every instance through the queue row; pg-boss's own default is 60 s).
   */
  monitorIntervalSeconds?: number;
  /** Run pg-boss maintenance in this process (default true; API-only replicas may turn it off). */
  supervise?: boolean;
};

/**
 * Defaults for {@link QueueOptions}: the one place they live. A killed worker's job is retried within
 * `recoverySeconds()` = heartbeat + monitor + supervise interval + first retry delay = 55 s.
 */
export const QUEUE_DEFAULTS = {
  heartbeatSeconds: 30,
  superviseIntervalSeconds: 10,
  monitorIntervalSeconds: 10,
  /** Slack on top of the scorer timeout before pg-boss expires an active job (model load, output upload). */
  expireSlackSeconds: 300,
  retryDelaySeconds: 5,
  retryDelayMaxSeconds: 300,
} as const;

/** A started queue: `boss` is the full pg-boss API (`work`, `fetch`, `complete`, `fail`, `touch`, `supervise`). */
export type JobQueue = {
  boss: PgBoss;
  maxAttempts: number;
  /**
   * Inserts the scoring job through `tx`, so it commits or rolls back with the submission row.
   * Returns the pg-boss job id.
   */
  enqueueScore(tx: Tx, data: ScoreJobData): Promise<string>;
  /** Stops workers and maintenance; closes only what the queue opened itself. */
  stop(): Promise<void>;
};

/** 1-based attempt number of a job as fetched: pg-boss counts retries from 0. */
export function attemptOf(job: Pick<Job<unknown>, 'retryCount'>): number {
  return job.retryCount + 1;
}

/** True when pg-boss will not retry this job again after a failure. */
export function isLastAttempt(
  queue: Pick<JobQueue, 'maxAttempts'>,
  job: Pick<Job<unknown>, 'retryCount'>,
): boolean {
  return attemptOf(job) >= queue.maxAttempts;
}

/**
 * Worst case, in seconds, from a worker's death to its job being claimable again: the heartbeat runs out,
 * the next monitor step notices (at most a monitor interval plus a supervise tick later), then the first
 * retry delay passes.
 *
 * @example
 * recoverySeconds({}); // 55 with QUEUE_DEFAULTS
 */
export function recoverySeconds(
  options: Pick<QueueOptions, 'heartbeatSeconds' | 'monitorIntervalSeconds' | 'superviseIntervalSeconds'>,
): number {
  return (
    (options.heartbeatSeconds ?? QUEUE_DEFAULTS.heartbeatSeconds) +
    (options.monitorIntervalSeconds ?? QUEUE_DEFAULTS.monitorIntervalSeconds) +
    (options.superviseIntervalSeconds ?? QUEUE_DEFAULTS.superviseIntervalSeconds) +
    QUEUE_DEFAULTS.retryDelaySeconds
  );
}

/** pg-boss's `db` over a dedicated postgres.js client (drizzle's client has its date parsers replaced). */
function fromPostgresJs(client: postgres.Sql): BossDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const params = (values ?? []) as postgres.ParameterOrJSON<never>[];
      if (params.length > 0) return { rows: await client.unsafe(text, params) };
      // Without parameters pg-boss may send a whole `BEGIN; ...; COMMIT` block: postgres.js allows that
      // only on a reserved connection.
      const reserved = await client.reserve();
      try {
        return { rows: flattenRows((await reserved.unsafe(text)) as unknown[]) };
      } finally {
        reserved.release();
      }
    },
  };
}

/** pg-boss's `db` running inside a drizzle transaction (either driver). */
function inTransaction(tx: Tx): BossDb {
  const execute = async (query: unknown) =>
    (await tx.execute(query as SQL)) as unknown as { rows: unknown[] };
  return fromDrizzle({ execute }, drizzleSql);
}

/** postgres.js returns one row list per statement for a multi-statement simple query. */
function flattenRows(result: unknown[]): unknown[] {
  if (result.length > 0 && result.every((r) => Array.isArray(r))) return (result as unknown[][]).flat();
  return result;
}

/**
 * Starts pg-boss on the same database as `database` (its own schema `pgboss`), installing or migrating
 * its tables, and creates the scoring queue with bounded retries, expiry and heartbeats.
 *
 * @example
 * const queue = await startQueue(database, { maxAttempts: env.scorer.maxAttempts, timeoutSeconds: 600 });
 * await database.db.transaction(async (tx) => {
 *   // ... insert the submission through tx ...
 *   await queue.enqueueScore(tx, { submissionId });
 * });
 * await queue.stop();
 */
export async function startQueue(database: Database, options: QueueOptions): Promise<JobQueue> {
  let own: postgres.Sql | undefined;
  let bossDb: BossDb;
  if (database.kind === 'pglite') {
    bossDb = fromPglite(database.pglite);
  } else {
    own = postgres(database.url, { max: 4, onnotice: () => {} });
    bossDb = fromPostgresJs(own);
  }
  const boss = new PgBoss({
    db: bossDb,
    backend: database.kind === 'pglite' ? 'pglite' : 'postgres',
    supervise: options.supervise ?? true,
    superviseIntervalSeconds: options.superviseIntervalSeconds ?? QUEUE_DEFAULTS.superviseIntervalSeconds,
    monitorIntervalSeconds: options.monitorIntervalSeconds ?? QUEUE_DEFAULTS.monitorIntervalSeconds,
    schedule: false,
    registerInstance: false,
  });
  boss.on('error', (err: unknown) => log.warn('queue error', { error: String(err) }));
  try {
    await boss.start();
    await ensureQueues(boss, options);
  } catch (err) {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await own?.end({ timeout: 5 });
    throw err;
  }
  return {
    boss,
    maxAttempts: options.maxAttempts,
    async enqueueScore(tx, data) {
      const id = await boss.send(SCORE_QUEUE, data, { db: inTransaction(tx) });
      if (!id) throw new Error(`queue ${SCORE_QUEUE} refused the job for submission ${data.submissionId}`);
      return id;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000, close: true });
      await own?.end({ timeout: 5 });
    },
  };
}

/** The scoring queue's settings for `options`: what every process writes, and compares before writing. */
export function scoreQueueSettings(options: QueueOptions) {
  return {
    retryLimit: options.maxAttempts - 1,
    retryDelay: QUEUE_DEFAULTS.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: QUEUE_DEFAULTS.retryDelayMaxSeconds,
    expireInSeconds: options.timeoutSeconds + QUEUE_DEFAULTS.expireSlackSeconds,
    heartbeatSeconds: options.heartbeatSeconds ?? QUEUE_DEFAULTS.heartbeatSeconds,
    deadLetter: SCORE_DEAD_QUEUE,
  };
}

/** Names of the settings whose stored value differs from `wanted` (empty: nothing to write). */
export function differingSettings(
  stored: Pick<QueueResult, keyof ReturnType<typeof scoreQueueSettings>>,
  wanted: ReturnType<typeof scoreQueueSettings>,
): string[] {
  const keys = Object.keys(wanted) as (keyof typeof wanted)[];
  return keys.filter((k) => (stored[k] ?? null) !== wanted[k]);
}

/**
 * Creates the dead-letter and scoring queues, or re-configures the scoring queue when its stored settings
 * differ from this process's. Matching settings are left alone (no write, so a process starting does not
 * race others' updates); differing ones mean the processes were given different values: ours win, with a
 * warning, as the last process to start. Safe to run from many replicas (creation is idempotent).
 */
async function ensureQueues(boss: PgBoss, options: QueueOptions): Promise<void> {
  const wanted = scoreQueueSettings(options);
  if (!(await boss.getQueue(SCORE_DEAD_QUEUE))) await boss.createQueue(SCORE_DEAD_QUEUE, { retryLimit: 5 });
  if (!(await boss.getQueue(SCORE_QUEUE))) await boss.createQueue(SCORE_QUEUE, wanted);
  const stored = await boss.getQueue(SCORE_QUEUE);
  if (!stored) throw new Error(`queue ${SCORE_QUEUE} was not created`);
  const changed = differingSettings(stored, wanted);
  if (changed.length === 0) return;
  log.warn('queue settings differ from this process: applying ours (give every process the same values)', {
    queue: SCORE_QUEUE,
    settings: changed.join(', '),
  });
  await boss.updateQueue(SCORE_QUEUE, wanted);
}
