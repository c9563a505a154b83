// Test helpers for the training maths: seeded data, finite-difference gradients, and a backend switcher.
import * as tf from '@tensorflow/tfjs';
import { getTf } from '../../core/backends/tfjs.js';
import { Rng } from '../../core/rng.js';

/** Seeded normal-ish values (sum of four uniforms), as a tensor. */
export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal(scale)),
    shape,
  );
}

/**
 * Distinct values 0.1 apart, shuffled (seeded) and centred: inputs for max pool / ReLU checks, where a
 * finite-difference step must not cross a kink (no ties, nothing within the step of zero).
 */
export function spaced(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2 + 0.5) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return tf.tensor(Float32Array.from(values), shape);
}

/** Largest |a - b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest |v|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export type GradCheck = { worst: number; checked: number; largest: number };

/**
 * Compares the analytic gradients of scalar f (tf.grads, so our custom ops' backward) with central
 * finite differences at `coords` seeded coordinates of every input. Returns the worst error relative to
 * max(1, |gradient|), and the largest gradient seen (so a test can tell the check is not all zeros).
 */
export function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  opts: { coords?: number; h?: number; seed?: number } = {},
): GradCheck {
  const h = opts.h ?? 1e-2;
  const rng = new Rng(opts.seed ?? 1);
  const analytic = tf
    .tidy(() => tf.grads(f)(inputs))
    .map((g) => {
      const data = g.dataSync().slice();
      g.dispose();
      return data;
    });
  let worst = 0;
  let checked = 0;
  let largest = 0;
  inputs.forEach((input, k) => {
    const base = input.dataSync().slice();
    const at = (delta: number, index: number) =>
      tf.tidy(() => {
        const moved = base.slice();
        moved[index] += delta;
        const args = inputs.map((x, i) => (i === k ? tf.tensor(moved, x.shape) : x));
        return f(...args).dataSync()[0];
      });
    for (let c = 0; c < (opts.coords ?? 8); c++) {
      const index = rng.int(0, base.length - 1);
      const numeric = (at(h, index) - at(-h, index)) / (2 * h);
      const a = analytic[k][index];
      worst = Math.max(worst, Math.abs(numeric - a) / Math.max(1, Math.abs(a)));
      largest = Math.max(largest, Math.abs(a));
      checked++;
    }
  });
  return { worst, checked, largest };
}

/** Σ f(x) · r for a fixed seeded r: a scalar whose gradient exercises every output element. */
export function projected(out: tf.Tensor, seed: number): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(out, seeded(out.shape, seed))));
}

/** Backends to run every check on: plain cpu (the reference) and the one getTf() picks, once each. */
export async function testBackends(): Promise<string[]> {
  const { backend } = await getTf();
  return backend === 'cpu' ? ['cpu'] : ['cpu', backend];
}

/** Runs `fn` with `name` as the active backend, then restores the previous one. */
export async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(name);
  try {
    return fn();
  } finally {
    await tf.setBackend(before);
  }
}
