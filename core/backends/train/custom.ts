// A typed wrapper around tf.customGrad: one forward body that returns its value and its backward closure.
import * as tf from '@tensorflow/tfjs';

/** What a custom op's forward body returns: the output and a backward that maps dy to input gradients. */
export type CustomResult<T extends tf.Tensor> = {
  value: T;
  /** Gradients for `inputs`, in order. Use only `dy` and `saved`: forward temporaries are disposed. */
  backward: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
};

/** Keeps tensors for the backward pass (a no-op when no gradient is being recorded). */
export type Save = (tensors: tf.Tensor[]) => void;

/**
 * Runs `body` as one differentiable op over `inputs`: TF.js records it on the gradient tape as a single
 * node whose gradients come from `backward`. Tensors the backward needs must be passed to `save` (they
 * arrive as `saved`, in the same order); closures over forward temporaries would see disposed tensors.
 * Inputs that need no gradient should be captured by the body instead of being listed in `inputs`.
 *
 * @example
 * const square = (x: tf.Tensor) =>
 *   customOp([x], (save) => {
 *     save([x]);
 *     return { value: tf.square(x), backward: (dy, [xs]) => [tf.mul(dy, tf.mul(xs, 2))] };
 *   });
 */
export function customOp<T extends tf.Tensor>(inputs: tf.Tensor[], body: (save: Save) => CustomResult<T>): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const result = body((tensors) => save(tensors));
    return {
      value: result.value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const grads = result.backward(dy as T, saved);
        return grads.length === 1 ? grads[0] : grads;
      },
    };
  });
  return op(...inputs) as T;
}
