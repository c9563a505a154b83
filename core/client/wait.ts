// Waiting for a submission to be scored: polls its status with backoff until scored, failed or the timeout.

import type { ApiSubmission } from '../api/index.js';
import type { SketchboardClient } from './client.js';

export type WaitOptions = {
  /** Give up after this long (the submission keeps going on the server). */
  timeoutMs: number;
  /** First poll interval; each next one is 1.5× longer, up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Called after every poll (the spinner shows the status). */
  onStatus?(submission: ApiSubmission): void;
  /** For tests: the clock and the sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/** Outcome of a wait: the last status seen, and whether it is final. */
export type WaitResult = { submission: ApiSubmission; done: boolean };

const DEFAULT_INTERVAL_MS = 500;
const DEFAULT_MAX_INTERVAL_MS = 5000;

/** Next poll interval: ×1.5, capped. */
export function nextInterval(current: number, max: number): number {
  return Math.min(max, Math.round(current * 1.5));
}

/** True for a status that will not change any more. */
export function isFinal(submission: Pick<ApiSubmission, 'status'>): boolean {
  return submission.status === 'scored' || submission.status === 'failed';
}

/**
 * Polls `GET /api/submissions/:id` until the submission is scored or failed (`done: true`) or the timeout
 * passes (`done: false` with the last status). Errors of a poll (server gone, 401...) are thrown.
 *
 * @example
 * const { submission, done } = await waitForScore(client, id, { timeoutMs: 600_000, onStatus: (s) => spin(s.status) });
 */
export async function waitForScore(
  client: Pick<SketchboardClient, 'submission'>,
  id: string,
  options: WaitOptions,
): Promise<WaitResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const max = options.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS;
  const deadline = now() + options.timeoutMs;
  let interval = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  for (;;) {
    const submission = await client.submission(id);
    options.onStatus?.(submission);
    if (isFinal(submission)) return { submission, done: true };
    const left = deadline - now();
    if (left <= 0) return { submission, done: false };
    await sleep(Math.min(interval, left));
    interval = nextInterval(interval, max);
  }
}
