// Confusion matrix, per-class accuracy and the most-confused class pairs from aligned targets and predictions.
import { type AccuracyStats, accuracyStats } from './accuracy.js';

/** A C×C count matrix, row-major: `counts[t * classes + p]` images of true class t predicted as p. */
export type Confusion = { classes: number; counts: Int32Array };

/** One off-diagonal cell: `count` images of class `actual` predicted as `predicted`. */
export type ConfusedPair = {
  actual: number;
  predicted: number;
  count: number;
  /** count / images of class `actual`. */
  share: number;
};

/**
 * Counts (target, prediction) pairs. Rows with a negative target (not covered) are skipped.
 *
 * @example
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2).counts; // [1, 0, 1, 1]
 */
export function confusionMatrix(
  targets: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes: number,
): Confusion {
  if (targets.length !== predictions.length) {
    throw new RangeError(`confusionMatrix: ${targets.length} targets but ${predictions.length} predictions`);
  }
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    const p = predictions[i];
    if (t < 0) continue;
    if (t >= classes || p < 0 || p >= classes) {
      throw new RangeError(`confusionMatrix: row ${i} has target ${t}, prediction ${p}, classes ${classes}`);
    }
    counts[t * classes + p]++;
  }
  return { classes, counts };
}

/** Images of each true class (row sums). */
export function classTotals(m: Confusion): Int32Array {
  const out = new Int32Array(m.classes);
  for (let t = 0; t < m.classes; t++) {
    let s = 0;
    for (let p = 0; p < m.classes; p++) s += m.counts[t * m.classes + p];
    out[t] = s;
  }
  return out;
}

/**
 * Accuracy of each true class (its recall), with a Wilson interval; a class without images has total 0.
 *
 * @example
 * perClassAccuracy(confusionMatrix([0, 1, 1], [0, 0, 1], 2))[1].accuracy; // 0.5
 */
export function perClassAccuracy(m: Confusion): AccuracyStats[] {
  const totals = classTotals(m);
  return Array.from({ length: m.classes }, (_, t) => accuracyStats(m.counts[t * m.classes + t], totals[t]));
}

/** Overall accuracy of the matrix (trace / total). */
export function matrixAccuracy(m: Confusion): AccuracyStats {
  let correct = 0;
  let total = 0;
  for (let t = 0; t < m.classes; t++) {
    correct += m.counts[t * m.classes + t];
  }
  for (const c of m.counts) total += c;
  return accuracyStats(correct, total);
}

/**
 * The `k` largest off-diagonal cells (actual → predicted), largest count first; ties go to the larger
 * share, then the lower class indices. Cells with count 0 are never listed.
 *
 * @example
 * topConfusions(m, 10).map((c) => `${names[c.actual]} → ${names[c.predicted]}: ${c.count}`);
 */
export function topConfusions(m: Confusion, k: number): ConfusedPair[] {
  const totals = classTotals(m);
  const cells: ConfusedPair[] = [];
  for (let t = 0; t < m.classes; t++) {
    for (let p = 0; p < m.classes; p++) {
      const count = m.counts[t * m.classes + p];
      if (t === p || count === 0) continue;
      cells.push({ actual: t, predicted: p, count, share: count / totals[t] });
    }
  }
  cells.sort(
    (a, b) => b.count - a.count || b.share - a.share || a.actual - b.actual || a.predicted - b.predicted,
  );
  return cells.slice(0, k);
}

/**
 * Unordered class pairs by images confused either way (a → b plus b → a), largest first: which two
 * classes the model mixes up most, whatever the direction.
 *
 * @example
 * topConfusedPairs(m, 5); // [{ a: 3, b: 7, count: 9, aToB: 5, bToA: 4 }, ...]
 */
export function topConfusedPairs(
  m: Confusion,
  k: number,
): { a: number; b: number; count: number; aToB: number; bToA: number }[] {
  const out: { a: number; b: number; count: number; aToB: number; bToA: number }[] = [];
  for (let a = 0; a < m.classes; a++) {
    for (let b = a + 1; b < m.classes; b++) {
      const aToB = m.counts[a * m.classes + b];
      const bToA = m.counts[b * m.classes + a];
      if (aToB + bToA > 0) out.push({ a, b, count: aToB + bToA, aToB, bToA });
    }
  }
  out.sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b);
  return out.slice(0, k);
}
