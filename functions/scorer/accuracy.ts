// Public/private accuracy of the final and each member's predictions, from server-side labels (core/metrics does the counting).
import type { Split } from '../../core/api/common.js';
import { scoreAligned } from '../../core/metrics/accuracy.js';
import type { MemberScore } from '../db/schema.js';

/** The server-side truth for one test item, in prediction order. Never leaves the supervisor. */
export type ScoringLabel = { label: number; split: Split };

/** Correct and total counts, with accuracy = correct / total (0 when total is 0). */
export type SplitScore = { correct: number; total: number; accuracy: number };

/** Both halves of the leaderboard for one prediction vector. */
export type SplitScores = { public: SplitScore; private: SplitScore };

/**
 * Score predictions against labelled items, row by row.
 *
 * @example
 * splitAccuracy(Int32Array.of(1, 0), [{ label: 1, split: 'public' }, { label: 1, split: 'private' }]);
 * // { public: { correct: 1, total: 1, accuracy: 1 }, private: { correct: 0, total: 1, accuracy: 0 } }
 */
export function splitAccuracy(predictions: Int32Array, items: readonly ScoringLabel[]): SplitScores {
  const e = scoreAligned(
    predictions,
    items.map((i) => i.label),
    items.map((i) => i.split),
  );
  const pick = (name: 'public' | 'private'): SplitScore => {
    const s = e.splits[name];
    return s
      ? { correct: s.correct, total: s.total, accuracy: s.accuracy }
      : { correct: 0, total: 0, accuracy: 0 };
  };
  return { public: pick('public'), private: pick('private') };
}

/**
 * Each ensemble node's public and private accuracy (leaves and votes), in the runner's order.
 *
 * @example
 * memberAccuracy([{ id: '0', model: 'fold0.onnx', predictions }], items);
 * // [{ member: '0', model: 'fold0.onnx', publicAccuracy: 0.9, privateAccuracy: 0.88 }]
 */
export function memberAccuracy(
  members: readonly { id: string; model: string; predictions: Int32Array }[],
  items: readonly ScoringLabel[],
): MemberScore[] {
  return members.map((m) => {
    const s = splitAccuracy(m.predictions, items);
    return {
      member: m.id,
      model: m.model,
      publicAccuracy: s.public.accuracy,
      privateAccuracy: s.private.accuracy,
    };
  });
}
