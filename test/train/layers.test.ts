// Gradient checks of every custom training op: finite differences on each backend, and TF.js's own gradients on cpu.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BasicBlock } from '../../core/backends/train/blocks.js';
import { conv2d, type Padding } from '../../core/backends/train/conv.js';
import { denseOp } from '../../core/backends/train/dense.js';
import { batchNormTrain } from '../../core/backends/train/norm.js';
import { avgPool, globalAvgPool, maxPool } from '../../core/backends/train/pool.js';
import {
  checkGradients,
  maxAbs,
  maxAbsDiff,
  onBackend,
  projected,
  seeded,
  spaced,
  testBackends,
} from './grad-helpers.js';

const backends = await testBackends();

/** Analytic gradients of `f` at `inputs` as host arrays, computed on `backend`. */
async function gradsOn(backend: string, f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[]) {
  return onBackend(backend, () =>
    tf
      .tidy(() => tf.grads(f)(inputs))
      .map((g) => {
        const data = g.dataSync().slice();
        g.dispose();
        return data;
      }),
  );
}

/** Our op against a TF.js reference: same gradients (reference on cpu) within `tol` of the largest. */
async function expectSameGrads(
  ours: (...xs: tf.Tensor[]) => tf.Scalar,
  reference: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  tol = 1e-5,
) {
  const mine = await gradsOn(tf.getBackend(), ours, inputs);
  const theirs = await gradsOn('cpu', reference, inputs);
  mine.forEach((g, i) => {
    expect(maxAbs(theirs[i])).toBeGreaterThan(0.01);
    expect(maxAbsDiff(g, theirs[i]) / maxAbs(theirs[i]), `input ${i}`).toBeLessThan(tol);
  });
}

function expectFiniteDifferences(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: tf.Tensor[],
  tol = 2e-3,
  minLargest = 0.1,
) {
  const check = checkGradients(f, inputs, { coords: 6 });
  expect(check.largest).toBeGreaterThan(minLargest);
  expect(check.worst).toBeLessThan(tol);
}

describe.each(backends)('custom op gradients on %s', (backend) => {
  const use = () => tf.setBackend(backend);

  it.each<[string, number[], number, number, Padding]>([
    ['3x3 same stride 1', [2, 6, 6, 3], 3, 1, 'same'],
    ['3x3 same stride 2, odd size', [2, 7, 5, 2], 3, 2, 'same'],
    ['3x3 valid stride 2', [2, 8, 7, 2], 3, 2, 'valid'],
    ['1x1 stride 2 shortcut', [2, 6, 6, 3], 1, 2, 'same'],
    ['4x4 same stride 3', [1, 8, 8, 2], 4, 3, 'same'],
  ])('conv2d %s', async (_, shape, k, stride, padding) => {
    await use();
    const x = seeded(shape, 1);
    const w = seeded([k, k, shape[3], 4], 2, 0.5);
    const out = (a: tf.Tensor, b: tf.Tensor) =>
      conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride, padding });
    const theirs = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding);
    const f = (a: tf.Tensor, b: tf.Tensor) => projected(out(a, b), 3);
    expectFiniteDifferences(f, [x, w]);
    await expectSameGrads(f, (a, b) => projected(theirs(a, b), 3), [x, w]);
    tf.dispose([x, w]);
  });

  it('conv2d without input gradient differentiates the kernel only', async () => {
    await use();
    const x = seeded([2, 5, 5, 1], 4);
    const w = seeded([3, 3, 1, 2], 5);
    const f = (b: tf.Tensor) =>
      projected(conv2d(x as tf.Tensor4D, b as tf.Tensor4D, { inputGrad: false }), 6);
    const g = (b: tf.Tensor) => projected(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 6);
    await expectSameGrads(f, g, [w]);
    tf.dispose([x, w]);
  });

  it('dense product with a [out, in] weight', async () => {
    await use();
    const x = seeded([5, 7], 7);
    const w = seeded([3, 7], 8);
    const f = (a: tf.Tensor, b: tf.Tensor) => projected(denseOp(a as tf.Tensor2D, b as tf.Tensor2D), 9);
    expectFiniteDifferences(f, [x, w]);
    const reference = (a: tf.Tensor, b: tf.Tensor) =>
      projected(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), 9);
    await expectSameGrads(f, reference, [x, w]);
    // Without an input gradient, only the weight is differentiated.
    const g = (b: tf.Tensor) =>
      projected(denseOp(x as tf.Tensor2D, b as tf.Tensor2D, { inputGrad: false }), 9);
    await expectSameGrads(g, (b) => reference(x, b), [w]);
    tf.dispose([x, w]);
  });

  it.each([
    ['images', [4, 3, 3, 5]],
    ['rows', [8, 5]],
  ])('batch norm (train mode) on %s', async (_, shape) => {
    await use();
    const x = seeded(shape, 10, 2);
    const gamma = seeded([5], 11);
    const beta = seeded([5], 12);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      projected(batchNormTrain(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), 13);
    const reference = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(
        a,
        shape.slice(0, -1).map((__, i) => i),
      );
      return projected(tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5), 13);
    };
    expectFiniteDifferences(f, [x, gamma, beta], 5e-3);
    await expectSameGrads(f, reference, [x, gamma, beta], 1e-4);
    tf.dispose([x, gamma, beta]);
  });

  it('max pool 2x2 (odd width cropped)', async () => {
    await use();
    const x = spaced([2, 4, 5, 3], 14);
    const f = (a: tf.Tensor) => projected(maxPool(a as tf.Tensor4D, 2), 15);
    expectFiniteDifferences(f, [x]);
    await expectSameGrads(f, (a) => projected(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), 15), [x]);
    x.dispose();
  });

  it('max pool splits the gradient evenly between tied maxima', async () => {
    await use();
    const x = tf.tensor4d([1, 1, 0, 3, 1, 0, 2, 2], [1, 2, 4, 1]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(maxPool(a as tf.Tensor4D, 2)))(x);
    // window 1 is [[1, 1], [1, 0]] (three tied maxima), window 2 is [[0, 3], [2, 2]] (one).
    const third = Number((1 / 3).toFixed(4));
    expect(Array.from(g.dataSync()).map((v) => Number(v.toFixed(4)))).toEqual([
      third,
      third,
      0,
      1,
      third,
      0,
      0,
      0,
    ]);
    tf.dispose([x, g]);
  });

  it('average pool 2x2 and global average pool', async () => {
    await use();
    const x = seeded([2, 5, 4, 3], 16);
    const avg = (a: tf.Tensor) => projected(avgPool(a as tf.Tensor4D, 2), 17);
    expectFiniteDifferences(avg, [x], 2e-3, 0.05);
    await expectSameGrads(avg, (a) => projected(tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid'), 17), [x]);
    const gap = (a: tf.Tensor) => projected(globalAvgPool(a as tf.Tensor4D), 18);
    expectFiniteDifferences(gap, [x], 2e-3, 0.01); // each gradient is r / (H·W)
    await expectSameGrads(gap, (a) => projected(tf.mean(a, [1, 2]), 18), [x]);
    x.dispose();
  });

  it('ReLU', async () => {
    await use();
    const x = spaced([3, 7], 19);
    expectFiniteDifferences((a) => projected(tf.relu(a), 20), [x]);
    x.dispose();
  });

  it('residual block (convs, BN, ReLU, projection shortcut, add) end to end', async () => {
    await use();
    const block = new BasicBlock('b', { inChannels: 2, filters: 3, stride: 2, seed: 21 });
    const x = seeded([2, 5, 5, 2], 22);
    const f = (a: tf.Tensor) => projected(block.forward(a, true), 23);
    // The block is smooth almost everywhere; a small step keeps ReLU kinks out of the way.
    const check = checkGradients(f, [x], { coords: 8, h: 2e-3 });
    expect(check.largest).toBeGreaterThan(0.1);
    expect(check.worst).toBeLessThan(1e-2);
    block.dispose();
    x.dispose();
  });
});
