// Batch normalisation over the last axis: a train-mode op with a closed-form backward, and inference mode.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom.js';

/** Batch statistics of one train-mode call, for the moving averages. */
export type BatchStats = { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number };

/**
 * Per-channel means of x[..., C] as [C]. For NHWC images an average pool over the whole H x W window
 * first (XNNPACK's fast global pooling), then a mean over N: ~10x faster on wasm than tf.mean over
 * axes [0, 1, 2], which transposes the tensor.
 *
 * @example
 * channelMeans(x); // x [N, H, W, C] → [C]
 */
export function channelMeans(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const c = x.shape[x.rank - 1];
    if (x.rank !== 4) return tf.mean(tf.reshape(x, [-1, c]), 0) as tf.Tensor1D;
    const [n, h, w] = x.shape;
    return tf.mean(tf.reshape(tf.avgPool(x as tf.Tensor4D, [h, w], 1, 'valid'), [n, c]), 0) as tf.Tensor1D;
  });
}

/**
 * x·scale + offset per channel (last axis) in one pass: a 1x1 depthwise conv with bias over x viewed as
 * [1, M, 1, C] — ~8x faster on wasm than TF.js's FusedBatchNorm kernel and ~3x faster than a multiply
 * plus an add.
 *
 * @example
 * const y = affine(x, gamma, beta); // x·gamma + beta over the last axis
 */
export function affine<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, offset: tf.Tensor1D): T {
  return tf.tidy(() => {
    const c = scale.shape[0];
    const pixels = tf.reshape(x, [1, x.size / c, 1, c]) as tf.Tensor4D;
    const filter = tf.reshape(scale, [1, 1, c, 1]) as tf.Tensor4D;
    const y = tf.fused.depthwiseConv2d({ x: pixels, filter, strides: 1, pad: 'valid', bias: offset });
    return tf.reshape(y, x.shape) as T;
  });
}

/**
 * Train-mode batch norm of x[..., C] with batch statistics over every axis but the last (biased,
 * two-pass variance, as PyTorch and Keras normalise). The backward is the closed form
 * dx = γ·σ⁻¹ · (dy - mean(dy) - x̂ · mean(dy · x̂)), written with one-pass per-channel affines: seven
 * full passes over the tensor in all, reductions by global pooling. `onStats` receives the batch mean
 * and biased variance (valid only during the call) for the moving averages.
 *
 * @example
 * const y = batchNormTrain(x, gamma, beta, 1e-5, ({ mean, variance }) => { ... });
 */
export function batchNormTrain<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats?: (stats: BatchStats) => void,
): T {
  const channels = x.shape[x.rank - 1];
  const count = x.size / channels;
  return customOp<T>([x, gamma, beta], (save) => {
    const mean = channelMeans(x);
    const variance = channelMeans(tf.squaredDifference(x, mean));
    onStats?.({ mean, variance, count });
    const invstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const xhat = affine(x, invstd, tf.neg(tf.mul(mean, invstd)) as tf.Tensor1D);
    save([xhat, invstd, gamma]);
    return {
      value: affine(xhat, gamma, beta),
      backward: (dy, [xh, invstd, g]) =>
        tf.tidy(() => {
          const meanDy = channelMeans(dy);
          const meanDyXhat = channelMeans(tf.mul(dy, xh));
          const centred = tf.sub(dy, affine(xh, meanDyXhat, meanDy));
          const dx = affine(centred, tf.mul(g, invstd) as tf.Tensor1D, tf.zeros([channels]));
          return [dx, tf.mul(meanDyXhat, count), tf.mul(meanDy, count)];
        }),
    };
  });
}

/**
 * Inference-mode batch norm with the moving statistics: gamma * (x - mean) / sqrt(variance + eps) + beta.
 *
 * @example
 * const y = batchNormInfer(x, movingMean, movingVar, gamma, beta, 1e-5);
 */
export function batchNormInfer<T extends tf.Tensor>(
  x: T,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): T {
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    const shift = tf.sub(beta, tf.mul(mean, scale));
    return tf.add(tf.mul(x, scale), shift) as T;
  });
}
