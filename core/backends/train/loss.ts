// Softmax cross-entropy against soft targets (label smoothing), with a numerically stable log-softmax.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import { customOp } from './custom.js';

/**
 * log-softmax over the last axis, stable for large logits: z - max(z) - log Σ exp(z - max(z)).
 *
 * @example
 * logSoftmax(tf.tensor2d([[1000, 0]])); // [[0, -1000]], no overflow
 */
export function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  });
}

/**
 * Mean over rows of -Σ targets · log softmax(logits). Targets are soft rows summing to 1 (see
 * smoothTargets in targets.ts). The gradient is (softmax(logits) - targets) / N.
 *
 * @example
 * const loss = softmaxCrossEntropy(logits, tf.tensor2d(smoothTargets(labels, C, 0.1), [N, C]));
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (logits.shape[0] !== targets.shape[0] || logits.shape[1] !== targets.shape[1]) {
    throw new SketchboardError(
      'invalid_argument',
      `cross-entropy: logits [${logits.shape}] and targets [${targets.shape}] differ`,
    );
  }
  const rows = logits.shape[0];
  return customOp<tf.Scalar>([logits], (save) => {
    const logp = logSoftmax(logits);
    save([tf.exp(logp), targets]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(targets, logp))), rows),
      backward: (dy, [probs, t]) => [tf.tidy(() => tf.mul(tf.sub(probs, t), tf.div(dy, rows)))],
    };
  });
}
