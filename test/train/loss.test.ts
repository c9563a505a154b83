// Label smoothing and softmax cross-entropy: hand-computed values and gradients, stability, TF.js agreement.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logSoftmax, softmaxCrossEntropy } from '../../core/backends/train/loss.js';
import { crossEntropyRow, smoothTargets } from '../../core/backends/train/targets.js';
import { maxAbsDiff, onBackend, seeded, testBackends } from './grad-helpers.js';

const backends = await testBackends();

describe('smoothTargets', () => {
  it('puts 1 - ε + ε/C on the label and ε/C elsewhere', () => {
    const t = smoothTargets([2, 0], 3, 0.3);
    expect(Array.from(t).map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.1, 0.8, 0.8, 0.1, 0.1]);
    expect(Array.from(smoothTargets([1], 2))).toEqual([0, 1]);
  });

  it('refuses labels outside the classes and ε outside [0, 1)', () => {
    expect(() => smoothTargets([3], 3, 0.1)).toThrow(/label 3 at row 0 is not a class index in \[0, 3\)/);
    expect(() => smoothTargets([0.5], 3, 0.1)).toThrow(/label 0.5/);
    expect(() => smoothTargets([0], 3, 1)).toThrow(/epsilon must be in \[0, 1\)/);
    expect(() => smoothTargets([0], 1, 0)).toThrow(/classes must be an integer >= 2/);
  });

  it('cross-entropy of one host row', () => {
    expect(crossEntropyRow([0.25, 0.75], [0, 1])).toBeCloseTo(0.28768207, 7);
    expect(crossEntropyRow([0, 1], [1, 0])).toBeCloseTo(-Math.log(1e-12), 6); // clamped, not Infinity
  });
});

describe.each(backends)('softmaxCrossEntropy on %s', (backend) => {
  it('matches hand-computed loss and gradient with ε = 0.3', async () => {
    await tf.setBackend(backend);
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const targets = tf.tensor2d(smoothTargets([2, 0], 3, 0.3), [2, 3]);
    const loss = softmaxCrossEntropy(logits, targets);
    // Row 0: log-softmax = [1,2,3] - 3.40760596; loss = 0.1·2.40760596 + 0.1·1.40760596 + 0.8·0.40760596.
    // Row 1: every log-probability is -log 3. Mean of the two rows.
    expect(loss.dataSync()[0]).toBeCloseTo((0.70760596 + Math.log(3)) / 2, 6);
    const grad = tf.grad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, targets))(logits);
    // (softmax - targets) / N: softmax row 0 = [0.09003057, 0.24472847, 0.66524096].
    const expected = [
      -0.00498471,
      0.07236424,
      -0.06737952,
      (1 / 3 - 0.8) / 2,
      (1 / 3 - 0.1) / 2,
      (1 / 3 - 0.1) / 2,
    ];
    expect(maxAbsDiff(grad.dataSync(), expected)).toBeLessThan(1e-6);
    tf.dispose([logits, targets, loss, grad]);
  });

  it('stays finite for huge logits', async () => {
    await tf.setBackend(backend);
    const logits = tf.tensor2d([
      [1000, 0],
      [0, 1000],
    ]);
    const targets = tf.tensor2d(smoothTargets([0, 0], 2), [2, 2]);
    expect(softmaxCrossEntropy(logits, targets).dataSync()[0]).toBeCloseTo(500, 3); // (0 + 1000) / 2
    expect(Array.from(logSoftmax(logits).dataSync())).toEqual([0, -1000, -1000, 0]);
    const grad = tf.grad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, targets))(logits);
    expect(Array.from(grad.dataSync())).toEqual([0, 0, -0.5, 0.5]);
    tf.dispose([logits, targets, grad]);
  });

  it("agrees with TF.js's softmaxCrossEntropy(labelSmoothing) in value and gradient", async () => {
    await tf.setBackend(backend);
    const logits = seeded([6, 5], 31, 3) as tf.Tensor2D;
    const labels = [0, 4, 2, 2, 1, 3];
    const ours = (z: tf.Tensor) =>
      softmaxCrossEntropy(z as tf.Tensor2D, tf.tensor2d(smoothTargets(labels, 5, 0.1), [6, 5]));
    const mine = tf.valueAndGrad(ours)(logits);
    const theirs = await onBackend('cpu', () =>
      tf.valueAndGrad(
        (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 5), z, undefined, 0.1) as tf.Scalar,
      )(logits),
    );
    expect(mine.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0], 5);
    expect(maxAbsDiff(mine.grad.dataSync(), theirs.grad.dataSync())).toBeLessThan(1e-6);
    tf.dispose([logits, mine.value, mine.grad, theirs.value, theirs.grad]);
  });

  it('refuses targets of another shape', async () => {
    await tf.setBackend(backend);
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    const targets = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => softmaxCrossEntropy(logits, targets)).toThrow(/logits \[2,3\] and targets \[2,4\] differ/);
    tf.dispose([logits, targets]);
  });
});
