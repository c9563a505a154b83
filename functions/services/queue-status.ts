// Where a submission stands: a queued one's place in the scoring queue and estimated start, a running one's progress.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { submissions } from '../db/schema.js';
import { nowOf, type ServiceContext } from './context.js';
import type { QueueStanding, SubmissionView } from './views.js';

/** Scored submissions whose durations make the estimate (the most recently finished). */
export const ESTIMATE_SAMPLE = 20;

/** What the estimate is made of: the median recent scoring duration and how many scorers are busy. */
export type QueueEstimate = { medianSeconds: number | null; busy: number };

/**
 * The estimate's sub-queries: the last {@link ESTIMATE_SAMPLE} scoring durations (`finished_at - started_at` of
 * scored submissions, any competition: they share the queue; a derived table with `seconds`, read through
 * `submissions_finished_idx`), and the count of submissions running now (the busy scorers).
 */
function estimateParts() {
  const recent = sql`(select extract(epoch from s.finished_at - s.started_at) as seconds from ${submissions} s
    where s.status = 'scored' and s.started_at is not null and s.finished_at is not null
    order by s.finished_at desc limit ${ESTIMATE_SAMPLE})`;
  const busy = sql`select count(*) from ${submissions} where ${submissions.status} = 'running'`;
  return [recent, busy] as const;
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
  // One statement: each one's count of queued submissions ahead, with the estimate's two numbers beside.
  const q = alias(submissions, 'q');
  const [recent, busy] = estimateParts();
  const found = await ctx.db
    .select({
      id: q.id,
      ahead: sql<number>`(select count(*) from ${submissions} s where s.status = 'queued'
        and (s.created_at, s.id) < (q.created_at, q.id))::int`,
      median: sql<
        number | null
      >`(select percentile_cont(0.5) within group (order by r.seconds) from ${recent} r)`,
      busy: sql<number>`(${busy})::int`,
    })
    .from(q)
    .where(
      inArray(
        q.id,
        queued.map((r) => r.id),
      ),
    );
  const aheadOf = new Map(found.map((r) => [r.id, r.ahead]));
  const first = found[0];
  const estimate: QueueEstimate = {
    medianSeconds: first?.median === null || first === undefined ? null : Math.max(0, Number(first.median)),
    busy: first?.busy ?? 0,
  };
  return new Map(
    queued.flatMap((r) => {
      const ahead = aheadOf.get(r.id);
      if (ahead === undefined) return [];
      const position = ahead + 1;
      const seconds = estimateSeconds(estimate, position);
      const estimatedStartAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
      return [[r.id, { position, estimatedStartAt, estimateSeconds: seconds }]];
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
