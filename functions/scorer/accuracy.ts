// Public/private accuracy of a prediction vector and of each ensemble member, computed server-side from stored labels.

/** The server-side truth for one test item, in prediction order. Never leaves the supervisor. */
export type LabeledItem = { label: number; split: 'public' | 'private' };

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
export function splitAccuracy(predictions: Int32Array, items: readonly LabeledItem[]): SplitScores {
  if (predictions.length !== items.length) {
    throw new Error(`${predictions.length} predictions for ${items.length} test items`);
  }
  const counts = { public: { correct: 0, total: 0 }, private: { correct: 0, total: 0 } };
  for (let i = 0; i < items.length; i++) {
    const c = counts[items[i].split];
    c.total++;
    if (predictions[i] === items[i].label) c.correct++;
  }
  const done = (c: { correct: number; total: number }): SplitScore => ({
    ...c,
    accuracy: c.total === 0 ? 0 : c.correct / c.total,
  });
  return { public: done(counts.public), private: done(counts.private) };
}

/** One ensemble member's scores, keyed by the member's resolved id. */
export type MemberAccuracy = { member: string; publicAccuracy: number; privateAccuracy: number };

/**
 * Each member's public and private accuracy, in the order the runner reported the members.
 *
 * @example
 * memberAccuracy([{ id: 'fold0', predictions }], items); // [{ member: 'fold0', publicAccuracy: 0.9, privateAccuracy: 0.88 }]
 */
export function memberAccuracy(
  members: readonly { id: string; predictions: Int32Array }[],
  items: readonly LabeledItem[],
): MemberAccuracy[] {
  return members.map((m) => {
    const s = splitAccuracy(m.predictions, items);
    return { member: m.id, publicAccuracy: s.public.accuracy, privateAccuracy: s.private.accuracy };
  });
}
