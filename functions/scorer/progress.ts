// A running attempt's progress on its submission row: the runner's per-batch reports, written at most once a second.
import { errorMessage } from '../../core/errors.js';
import { log } from '../../core/log.js';
import type { ServiceContext } from '../services/context.js';
import { recordProgress } from '../services/queue-status.js';

/** The least time between two progress writes of one attempt (the last report is always written). */
export const PROGRESS_WRITE_MS = 1000;

/** Takes the runner's reports; `flush` writes the last one if it is not written yet and waits for the writes. */
export type ProgressWriter = { report(done: number, total: number): void; flush(): Promise<void> };

/**
 * A throttled writer of `progress_done` / `progress_total` under the attempt's lease: a report is written
 * when {@link PROGRESS_WRITE_MS} have passed since the last write or when it is the final one (done = total);
 * writes never overlap (a report during a write waits for `flush` or the next report). A write that fails
 * is logged and dropped: progress is a courtesy, never a reason to fail scoring.
 *
 * @example
 * const progress = progressWriter(ctx, claim);
 * await runSandboxed({ ..., onProgress: (d, t) => progress.report(d, t) });
 * await progress.flush();
 */
export function progressWriter(
  ctx: Pick<ServiceContext, 'db'>,
  lease: { submissionId: string; leaseToken: string },
  options: { intervalMs?: number; now?: () => number } = {},
): ProgressWriter {
  const interval = options.intervalMs ?? PROGRESS_WRITE_MS;
  const now = options.now ?? (() => performance.now());
  let lastWrite = -Infinity;
  let latest: { done: number; total: number } | null = null;
  let written: { done: number; total: number } | null = null;
  let inFlight: Promise<void> | null = null;

  const write = (p: { done: number; total: number }) => {
    lastWrite = now();
    written = p;
    inFlight = recordProgress(ctx, lease.submissionId, lease.leaseToken, p.done, p.total)
      .then(
        () => {},
        (err: unknown) => log.warn('progress not written', { ...lease, error: errorMessage(err) }),
      )
      .finally(() => {
        inFlight = null;
      });
  };

  return {
    report(done, total) {
      latest = { done, total };
      if (inFlight) return;
      if (done === total || now() - lastWrite >= interval) write(latest);
    },
    async flush() {
      if (inFlight) await inFlight;
      if (latest && latest !== written) write(latest);
      if (inFlight) await inFlight;
    },
  };
}
