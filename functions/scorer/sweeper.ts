// The stuck-submission sweeper: a timer that fails submissions left `running` past every limit (services/sweep.ts).
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import { QUEUE_DEFAULTS, type QueueOptions, recoverySeconds } from '../queue/queue.js';
import type { ServiceContext } from '../services/context.js';
import { failStuckSubmissions } from '../services/sweep.js';

/** How often the sweeper looks, by default. */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * How long a submission may stay `running` before the sweeper fails it: the scorer's timeout, then the slack
 * after which pg-boss expires the job, then the time pg-boss takes to hand a dead worker's job on (a retry
 * re-claims the row and restarts this clock). Past that, nothing else will settle it.
 *
 * @example
 * stuckAfterSeconds({ timeoutSeconds: 600 }); // 600 + 300 + 55 = 955
 */
export function stuckAfterSeconds(
  options: Pick<
    QueueOptions,
    'timeoutSeconds' | 'heartbeatSeconds' | 'monitorIntervalSeconds' | 'superviseIntervalSeconds'
  >,
): number {
  return options.timeoutSeconds + QUEUE_DEFAULTS.expireSlackSeconds + recoverySeconds(options);
}

/**
 * Sweeps every `intervalMs` (and once at start) until stopped. Any process may run it (the API service
 * does): the update is idempotent, so replicas sweeping at once settle each row once.
 *
 * @example
 * const stop = startSweeper(services, { timeoutSeconds: env.scorer.timeoutSeconds });
 * await stop();
 */
export function startSweeper(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  options: Parameters<typeof stuckAfterSeconds>[0] & { intervalMs?: number },
): () => Promise<void> {
  const olderThanSeconds = stuckAfterSeconds(options);
  let running: Promise<void> | null = null;
  const sweep = () => {
    if (running) return; // the last sweep is still going: skip this tick
    running = failStuckSubmissions(ctx, { olderThanSeconds, limitSeconds: options.timeoutSeconds })
      .then(
        (swept) => {
          for (const s of swept) log.warn('stuck submission failed by the sweeper', { submissionId: s.id });
        },
        (err: unknown) => log.warn('stuck-submission sweep failed', { error: errorMessage(err) }),
      )
      .finally(() => {
        running = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
