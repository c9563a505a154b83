// Where a submission stands on the wire: its place in the scoring queue with an estimated start, or its progress.
import { z } from 'zod';
import { isoDate } from './common.js';

/** A queued submission's place in the one scoring queue (creation order, across competitions and teams). */
export const queueStandingJson = z
  .object({
    position: z.number().int().min(1).describe('1 = the next submission a free scorer claims'),
    estimatedStartAt: isoDate.nullable().describe('null until some submission has been scored'),
    estimateSeconds: z
      .number()
      .nonnegative()
      .nullable()
      .describe('median of the last 20 scoring durations × position ÷ busy scorers (at least 1)'),
  })
  .describe('queued only: the place in the scoring queue and an estimated start');
export type ApiQueueStanding = z.infer<typeof queueStandingJson>;

/** A running submission's progress: images inferred so far (written at most once a second, and at the end). */
export const progressJson = z
  .object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() })
  .describe('running only: test images done out of the total');
export type ApiProgress = z.infer<typeof progressJson>;

/** What {@link standingText} reads (the API's submission and the services' view both fit). */
export type StandingFields = {
  status: string;
  queue?: { position: number; estimateSeconds: number | null } | null;
  progress?: { done: number; total: number } | null;
};

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd... */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** A duration as people say it: "under a minute", "about 2 min", "about 1 h 20 min". */
export function aboutDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `about ${h} h${m > 0 ? ` ${m} min` : ''}`;
}

/**
 * One line saying where a submission stands, or null when it is neither queued nor running.
 *
 * @example
 * standingText({ status: 'queued', queue: { position: 3, estimateSeconds: 130 } }); // 'queued, 3rd in line, starts in about 2 min'
 * standingText({ status: 'running', progress: { done: 4200, total: 10000 } }); // 'running, 4,200 / 10,000 images'
 */
export function standingText(s: StandingFields): string | null {
  if (s.status === 'queued') {
    if (!s.queue) return 'queued';
    const line =
      s.queue.position === 1 ? 'queued, next in line' : `queued, ${ordinal(s.queue.position)} in line`;
    if (s.queue.estimateSeconds === null) return line;
    return `${line}, starts in ${aboutDuration(s.queue.estimateSeconds)}`;
  }
  if (s.status === 'running') {
    if (!s.progress || s.progress.total === 0) return 'running';
    const n = (x: number) => x.toLocaleString('en-US');
    return `running, ${n(s.progress.done)} / ${n(s.progress.total)} images`;
  }
  return null;
}
