// Trainable dense-layer product with the weight stored [out, in]: every matmul plain, the big weight never packed twice.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import { customOp } from './custom.js';

/**
 * y[N, out] = x[N, in] · weightᵀ for a weight stored [out, in] (PyTorch's Linear layout), differentiable.
 * On wasm a matmul packs its right operand, so the weight is kept on the left: forward is
 * transpose(weight @ transpose(x)), the weight gradient transpose(dy) @ x, and the input gradient
 * dy @ weight — only [N, ·] activations are transposed, no matmul uses the transpose flags (which fall
 * back to a naive loop ~12x slower), and the first layer (`inputGrad: false`) never packs its weight.
 *
 * @example
 * const y = tf.add(denseOp(x, weight), bias); // a Linear layer, weight [out, in]
 */
export function denseOp(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  opts: { inputGrad?: boolean } = {},
): tf.Tensor2D {
  const inputGrad = opts.inputGrad ?? true;
  if (x.shape[1] !== weight.shape[1]) {
    throw new SketchboardError(
      'invalid_argument',
      `dense: input has ${x.shape[1]} features, weight [${weight.shape}] expects ${weight.shape[1]}`,
    );
  }
  return customOp<tf.Tensor2D>(inputGrad ? [x, weight] : [weight], (save) => {
    save([x, weight]);
    return {
      value: tf.transpose(tf.matMul(weight, tf.transpose(x))) as tf.Tensor2D,
      backward: (dy, [xs, ws]) => {
        const dw = tf.tidy(() => tf.matMul(tf.transpose(dy), xs as tf.Tensor2D));
        if (!inputGrad) return [dw];
        return [tf.matMul(dy, ws as tf.Tensor2D), dw];
      },
    };
  });
}
