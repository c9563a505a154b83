// Accuracy with a Wilson confidence interval, overall and per split (public/private).

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Correct out of total, the accuracy, and its Wilson score interval. */
export type AccuracyStats = {
  correct: number;
  total: number;
  /** correct / total; 0 when total is 0. */
  accuracy: number;
  /** Wilson score interval [low, high] at the given z (95% by default); [0, 1] when total is 0. */
  ci: [number, number];
};

/** Overall accuracy and, when the labels carry a split, accuracy per split name. */
export type Evaluation = { overall: AccuracyStats; splits: Record<string, AccuracyStats> };

/**
 * Wilson score interval for a binomial proportion: correct/total at the given z. Stays inside
 * [0, 1] and behaves at 0 and total (unlike the normal approximation).
 *
 * @example
 * wilsonInterval(81, 100); // [0.7222…, 0.8749…]
 */
export function wilsonInterval(correct: number, total: number, z = Z95): [number, number] {
  if (!Number.isInteger(correct) || !Number.isInteger(total) || correct < 0 || total < 0 || correct > total) {
    throw new RangeError(`wilsonInterval needs integers 0 <= correct <= total, got ${correct}/${total}`);
  }
  if (total === 0) return [0, 1];
  const p = correct / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Accuracy stats from counts.
 *
 * @example
 * accuracyStats(9, 10).accuracy; // 0.9
 */
export function accuracyStats(correct: number, total: number, z = Z95): AccuracyStats {
  return {
    correct,
    total,
    accuracy: total === 0 ? 0 : correct / total,
    ci: wilsonInterval(correct, total, z),
  };
}

/**
 * Accuracy of aligned predictions against targets, overall and per split when `splits` is given
 * (one split name per row, e.g. 'public' / 'private').
 *
 * @example
 * const e = scoreAligned([0, 1, 2], [0, 1, 1], ['public', 'private', 'private']);
 * e.overall.accuracy; // 2/3; e.splits.private.accuracy; // 0.5
 */
export function scoreAligned(
  predictions: ArrayLike<number>,
  targets: ArrayLike<number>,
  splits?: readonly (string | undefined)[],
): Evaluation {
  if (predictions.length !== targets.length || (splits && splits.length !== targets.length)) {
    throw new RangeError(
      `scoreAligned: ${predictions.length} predictions, ${targets.length} targets, ${splits?.length} splits`,
    );
  }
  let correct = 0;
  const perSplit = new Map<string, { correct: number; total: number }>();
  for (let i = 0; i < targets.length; i++) {
    const ok = predictions[i] === targets[i] ? 1 : 0;
    correct += ok;
    const name = splits?.[i];
    if (name === undefined) continue;
    const s = perSplit.get(name) ?? { correct: 0, total: 0 };
    s.correct += ok;
    s.total += 1;
    perSplit.set(name, s);
  }
  const splitStats: Record<string, AccuracyStats> = {};
  for (const name of [...perSplit.keys()].sort()) {
    const s = perSplit.get(name)!;
    splitStats[name] = accuracyStats(s.correct, s.total);
  }
  return { overall: accuracyStats(correct, targets.length), splits: splitStats };
}

/**
 * One line per result, e.g. `public   0.8123 (95% CI 0.7990–0.8250, 4058/5007)`.
 *
 * @example
 * formatEvaluation(evaluation).forEach((l) => console.log(l));
 */
export function formatEvaluation(e: Evaluation, digits = 4): string[] {
  const line = (name: string, s: AccuracyStats) =>
    `${name.padEnd(8)} ${s.accuracy.toFixed(digits)} (95% CI ${s.ci[0].toFixed(digits)}–${s.ci[1].toFixed(digits)}, ` +
    `${s.correct}/${s.total})`;
  return [line('overall', e.overall), ...Object.entries(e.splits).map(([name, s]) => line(name, s))];
}
