// Trainable matrix multiply for dense layers: every product is a plain matmul over materialised transposes.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import { customOp } from './custom.js';

/**
 * x[N, in] @ w[in, out], differentiable. The weight gradient is transpose(x) @ dy and the input gradient
 * transpose(w @ transpose(dy)): only [N, ·] activations are transposed, never the weight matrix, and no
 * matmul uses the transpose flags (about 12x slower than a plain matmul on wasm).
 * With `inputGrad: false` (a network's first layer, fed with data) the input gradient is skipped.
 *
 * @example
 * const y = tf.add(matMulOp(x, kernel), bias); // a Dense layer
 */
export function matMulOp(x: tf.Tensor2D, w: tf.Tensor2D, opts: { inputGrad?: boolean } = {}): tf.Tensor2D {
  const inputGrad = opts.inputGrad ?? true;
  if (x.shape[1] !== w.shape[0]) {
    throw new SketchboardError(
      'invalid_argument',
      `dense: input has ${x.shape[1]} features, kernel expects ${w.shape[0]}`,
    );
  }
  return customOp<tf.Tensor2D>(inputGrad ? [x, w] : [w], (save) => {
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      backward: (dy, [xs, ws]) => {
        const dw = tf.tidy(() => tf.matMul(tf.transpose(xs as tf.Tensor2D), dy));
        if (!inputGrad) return [dw];
        const dx = tf.tidy(() => tf.transpose(tf.matMul(ws as tf.Tensor2D, tf.transpose(dy))));
        return [dx, dw];
      },
    };
  });
}
