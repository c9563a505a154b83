// Text the pages print: accuracies, times, phases, statuses and public→private rank changes.

import type { SubmissionKind } from '../../db/schema.js';
import type { Score } from '../../services/index.js';
import { ACCURACY_DECIMALS } from '../routes/leaderboard.js';

/** Accuracy with the leaderboard's 4 decimals: `0.8123`. */
export function accuracy(value: number): string {
  return value.toFixed(ACCURACY_DECIMALS);
}

/** A score as `0.8123 (812/1000)`, or a dash. */
export function scoreText(score: Score | null): string {
  return score === null ? '—' : `${accuracy(score.accuracy)} (${score.correct}/${score.total})`;
}

/** The short label of a submission's kind on the pages. */
export const KIND_LABEL: Record<SubmissionKind, string> = { bundle: 'bundle', predictions: 'CSV' };

/** A time in UTC, to the minute: `2030-03-10 12:00 UTC`; a dash for null. */
export function when(at: Date | null): string {
  if (at === null) return '—';
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A date in UTC: `2030-03-10`. */
export function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** A rank change from the public to the private board, with its arrow and a spoken form. */
export type RankChange = { symbol: string; text: string; kind: 'up' | 'down' | 'same' | 'new' };

/**
 * `▲2` when a team climbed two places on the private board, `▼1` when it dropped one, `=` when unchanged.
 *
 * @example
 * rankChange(3, 1) // { symbol: '▲2', text: 'up 2 from public rank 3', kind: 'up' }
 */
export function rankChange(publicRank: number | undefined, privateRank: number): RankChange {
  if (publicRank === undefined) return { symbol: '–', text: 'not on the public board', kind: 'new' };
  const delta = publicRank - privateRank;
  if (delta > 0)
    return { symbol: `▲${delta}`, text: `up ${delta} from public rank ${publicRank}`, kind: 'up' };
  if (delta < 0) {
    return { symbol: `▼${-delta}`, text: `down ${-delta} from public rank ${publicRank}`, kind: 'down' };
  }
  return { symbol: '=', text: `same as public rank ${publicRank}`, kind: 'same' };
}

/** Whole seconds between two times as `1m 05s`, or a dash. */
export function duration(from: Date | null, to: Date | null): string {
  if (from === null || to === null) return '—';
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** Images per second with one decimal, or a dash. */
export function rate(imagesPerSecond: number | null): string {
  return imagesPerSecond === null ? '—' : `${imagesPerSecond.toFixed(1)} images/s`;
}
