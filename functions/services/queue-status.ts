// Where a submission stands: a queued one's place in the scoring queue and estimated start, a running one's progress.
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { submissions } from '../db/schema.js';
import { nowOf, type ServiceContext } from './context.js';
import type { QueueStanding, SubmissionView } from './views.js';

/** Scored submissions whose durations make the estimate (the most recently finished). */
export const ESTIMATE_SAMPLE = 20;

/** What the estimate is made of: the median recent scoring duration and how many scorers are busy. */
export type QueueEstimate = { medianSeconds: number | null; busy: number };

/**
 * The median of the last {@link ESTIMATE_SAMPLE} scoring durations (`finished_at - started_at` of scored
 * submissions, any competition: they share the queue) and the number of submissions running now (the
 * scorers busy; at least 1 is assumed). Two index reads.
 *
 * @example
 * const { medianSeconds, busy } = await queueEstimate(ctx);
 */
export async function queueEstimate(ctx: Pick<ServiceContext, 'db'>): Promise<QueueEstimate> {
  const recent = ctx.db
    .select({
      seconds: sql<number>`extract(epoch from ${submissions.finishedAt} - ${submissions.startedAt})`.as(
        'seconds',
      ),
    })
    .from(submissions)
    .where(
      and(
        eq(submissions.status, 'scored'),
        isNotNull(submissions.startedAt),
        isNotNull(submissions.finishedAt),
      ),
    )
    .orderBy(desc(submissions.finishedAt))
    .limit(ESTIMATE_SAMPLE)
    .as('recent');
  const [[{ median }], [{ busy }]] = await Promise.all([
    ctx.db
      .select({ median: sql<number | null>`percentile_cont(0.5) within group (order by ${recent.seconds})` })
      .from(recent),
    ctx.db
      .select({ busy: sql<number>`count(*)::int` })
      .from(submissions)
      .where(eq(submissions.status, 'running')),
  ]);
  return { medianSeconds: median === null ? null : Math.max(0, Number(median)), busy };
}

/**
 * The estimated wait before a submission at `position` starts: median duration × position ÷ busy scorers
 * (at least 1); null without any scored submission to learn from.
 *
 * @example
 * estimateSeconds({ medianSeconds: 40, busy: 2 }, 3); // 60
 */
export function estimateSeconds(estimate: QueueEstimate, position: number): number | null {
  if (estimate.medianSeconds === null) return null;
  return (estimate.medianSeconds * position) / Math.max(1, estimate.busy);
}

/**
 * Places in the scoring queue of the given queued submissions. pg-boss hands out the one `score-submission`
 * queue's jobs by `priority desc, created_on` (every job has priority 0, and a retried job keeps its
 * `created_on`), so a submission's position is 1 + the queued submissions created before it, whatever their
 * competition or team. One indexed count per queued submission, one estimate for all.
 *
 * @example
 * const places = await queueStandings(ctx, page.submissions); // Map<id, { position, estimatedStartAt, ... }>
 */
export async function queueStandings(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  rows: Pick<SubmissionView, 'id' | 'status' | 'createdAt'>[],
): Promise<Map<string, QueueStanding>> {
  const queued = rows.filter((r) => r.status === 'queued');
  if (queued.length === 0) return new Map();
  const now = nowOf(ctx);
  const [estimate, ahead] = await Promise.all([
    queueEstimate(ctx),
    Promise.all(
      queued.map(async (r) => {
        const [{ n }] = await ctx.db
          .select({ n: sql<number>`count(*)::int` })
          .from(submissions)
          .where(
            and(
              eq(submissions.status, 'queued'),
              sql`(${submissions.createdAt}, ${submissions.id}) < (${r.createdAt.toISOString()}::timestamptz, ${r.id}::uuid)`,
            ),
          );
        return n;
      }),
    ),
  ]);
  return new Map(
    queued.map((r, i) => {
      const position = ahead[i] + 1;
      const seconds = estimateSeconds(estimate, position);
      const estimatedStartAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
      return [r.id, { position, estimatedStartAt, estimateSeconds: seconds }];
    }),
  );
}

/**
 * The views with their queue standing filled in (queued ones; `null` for the rest).
 *
 * @example
 * const shown = await withQueueStandings(ctx, [toSubmissionView(row, false)]);
 */
export async function withQueueStandings(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  views: SubmissionView[],
): Promise<SubmissionView[]> {
  const places = await queueStandings(ctx, views);
  return views.map((v) => ({ ...v, queue: places.get(v.id) ?? null }));
}

/**
 * Writes a running attempt's progress (images done of the total) under its lease; false when the lease no
 * longer holds (the write is dropped: a newer attempt or a result owns the row). The scorer throttles calls.
 *
 * @example
 * await recordProgress(ctx, claim.submissionId, claim.leaseToken, 4200, 10000);
 */
export async function recordProgress(
  ctx: Pick<ServiceContext, 'db'>,
  submissionId: string,
  leaseToken: string,
  done: number,
  total: number,
): Promise<boolean> {
  const rows = await ctx.db
    .update(submissions)
    .set({ progressDone: done, progressTotal: total })
    .where(
      and(
        eq(submissions.id, submissionId),
        eq(submissions.leaseToken, leaseToken),
        eq(submissions.status, 'running'),
      ),
    )
    .returning({ id: submissions.id });
  return rows.length > 0;
}
