// Label-smoothing targets for cross-entropy (tf-free): (1 - ε)·one-hot + ε / C, as PyTorch's label_smoothing.
import { SketchboardError } from '../../errors.js';

/** Default label smoothing ε (none). */
export const DEFAULT_LABEL_SMOOTHING = 0;

/**
 * Soft targets [N, C] (row-major) for integer labels: the true class gets 1 - ε + ε/C, every other class
 * ε/C, so each row sums to 1. ε = 0 gives one-hot rows.
 *
 * @example
 * smoothTargets([2, 0], 3, 0.3); // [0.1, 0.1, 0.8, 0.8, 0.1, 0.1]
 */
export function smoothTargets(
  labels: ArrayLike<number>,
  classes: number,
  epsilon = DEFAULT_LABEL_SMOOTHING,
): Float32Array {
  if (!Number.isInteger(classes) || classes < 2) {
    throw new SketchboardError(
      'invalid_argument',
      `label smoothing: classes must be an integer >= 2, got ${classes}`,
    );
  }
  if (!(epsilon >= 0 && epsilon < 1)) {
    throw new SketchboardError(
      'invalid_argument',
      `label smoothing: epsilon must be in [0, 1), got ${epsilon}`,
    );
  }
  const off = epsilon / classes;
  const out = new Float32Array(labels.length * classes).fill(off);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new SketchboardError(
        'invalid_argument',
        `label ${label} at row ${i} is not a class index in [0, ${classes})`,
      );
    }
    out[i * classes + label] = 1 - epsilon + off;
  }
  return out;
}

/**
 * Cross-entropy of one row of probabilities against a target row: -Σ t·log p, with p clamped at 1e-12
 * (for reporting validation loss from probabilities already on the host).
 *
 * @example
 * crossEntropyRow([0.25, 0.75], [0, 1]); // 0.2877 (= -log 0.75)
 */
export function crossEntropyRow(probabilities: ArrayLike<number>, targets: ArrayLike<number>): number {
  let loss = 0;
  for (let j = 0; j < targets.length; j++) {
    if (targets[j] !== 0) loss -= targets[j] * Math.log(Math.max(probabilities[j], 1e-12));
  }
  return loss;
}
