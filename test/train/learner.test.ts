// The learner on the backend getTf() picks: a tiny CNN overfits 32 samples, a head learns; no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getTf } from '../../core/backends/tfjs.js';
import { Learner } from '../../core/backends/train/learner.js';
import { Rng } from '../../core/rng.js';
import { createCnn } from '../../core/train/cnn.js';
import { createHead } from '../../core/train/heads.js';

/** 32 noisy 16x16 images; class k has a bright 6x6 square in quadrant k. */
function quadrants(n: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 16 * 16);
  const labels = Array.from({ length: n }, (_, i) => i % 4);
  labels.forEach((label, i) => {
    const [oy, ox] = [label < 2 ? 1 : 9, label % 2 === 0 ? 1 : 9];
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = y >= oy && y < oy + 6 && x >= ox && x < ox + 6;
        data[i * 256 + y * 16 + x] = (inside ? 0.8 : 0.1) + rng.range(-0.1, 0.1);
      }
    }
  });
  return { x: { data, dims: [n, 16, 16, 1] }, labels };
}

describe('Learner', () => {
  it('a tiny ResNet overfits 32 samples (loss falls 10x, every sample right) without leaking tensors', async () => {
    const { backend } = await getTf();
    const net = await createCnn({
      width: 8,
      depth: 1,
      stages: 2,
      inputShape: [16, 16, 1],
      classes: 4,
      seed: 3,
    });
    const learner = await Learner.create(net, { optimizer: { kind: 'adam' } });
    expect(learner.backend).toBe(backend);
    const { x, labels } = quadrants(32, 5);
    const first = learner.trainStep(x, labels, 0.01);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 30; i++) last = learner.trainStep(x, labels, 0.01);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last.loss).toBeLessThan(first.loss / 10);
    expect(last.count).toBe(32);
    expect(last.correct).toBe(32);
    // Inference mode uses the BatchNorm moving averages: let them settle on the final weights (lr 0).
    for (let i = 0; i < 20; i++) learner.trainStep(x, labels, 0);
    const probs = learner.predict(x);
    expect(probs).toHaveLength(32 * 4);
    let right = 0;
    for (let i = 0; i < 32; i++) {
      const row = Array.from(probs.subarray(i * 4, i * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    expect(right).toBe(32);
    learner.dispose();
  });

  it('an MLP-3 head with label smoothing and SGD learns separable features; state saves and loads', async () => {
    const head = await createHead('mlp3', { inDim: 8, classes: 3, seed: 1 });
    const learner = await Learner.create(head, {
      optimizer: { kind: 'sgd', nesterov: true },
      labelSmoothing: 0.1,
    });
    const rng = new Rng(2);
    const labels = Array.from({ length: 30 }, (_, i) => i % 3);
    const data = Float32Array.from(
      { length: 30 * 8 },
      (_, k) => rng.normal(0.3) + (k % 8 === labels[Math.floor(k / 8)] ? 2 : 0),
    );
    const x = { data, dims: [30, 8] };
    const first = learner.trainStep(x, labels, 0.1);
    let last = first;
    for (let i = 0; i < 30; i++) last = learner.trainStep(x, labels, 0.1);
    // With ε = 0.1 over 3 classes the loss cannot reach 0: its floor is the targets' entropy, ~0.39.
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.correct).toBe(30);
    const state = learner.optimizerState();
    expect(state.step).toBe(31);
    expect(Object.keys(state.slots)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    learner.loadOptimizerState(state);
    // Weights loaded into the network (a resumed checkpoint) are what the next step updates.
    const other = await createHead('mlp3', { inDim: 8, classes: 3, seed: 9 });
    const loaded = other.getWeights();
    other.dispose();
    head.setWeights(loaded);
    learner.trainStep(x, labels, 0);
    expect(head.getWeights()).toEqual(loaded);
    learner.dispose();
  });

  it('refuses batches that do not match the network', async () => {
    const head = await createHead('linear', { inDim: 4, classes: 2 });
    const learner = await Learner.create(head, { optimizer: { kind: 'adamw' } });
    expect(() => learner.trainStep({ data: new Float32Array(8), dims: [2, 4] }, [0], 0.1)).toThrow(
      /1 labels for 2 samples/,
    );
    expect(() => learner.trainStep({ data: new Float32Array(6), dims: [2, 3] }, [0, 1], 0.1)).toThrow(
      /batch dims \[2,3\] \(6 values\) do not match \[N, 4\]/,
    );
    expect(() => learner.trainStep({ data: new Float32Array(8), dims: [2, 4] }, [0, 2], 0.1)).toThrow(
      /label 2 at row 1/,
    );
    expect(() => learner.predict({ data: new Float32Array(7), dims: [2, 4] })).toThrow(/7 values/);
    // A diverged batch is refused before the update: the weights stay finite.
    const before = head.getWeights();
    const huge = { data: Float32Array.from([Number.NaN, 1, 2, 3]), dims: [1, 4] };
    expect(() => learner.trainStep(huge, [0], 0.1)).toThrow(/training loss is NaN/);
    expect(head.getWeights()).toEqual(before);
    learner.dispose();
  });
});
