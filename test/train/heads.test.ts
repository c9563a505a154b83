// Heads on frozen features: factory and registry, shapes, and equivalence of forward, toLayersModel and ONNX.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createHead, heads } from '../../core/train/heads.js';
import { maxAbs, maxAbsDiff } from './grad-helpers.js';
import { forwardHost, predictHost, randomizeNetwork, runOnnx, sampleInput } from './net-helpers.js';

describe('heads', () => {
  it.each([
    ['linear', 12 * 5 + 5, ['fc.weight', 'fc.bias']],
    ['mlp3', 12 * 12 + 12 + 12 * 5 + 5, ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']],
  ])('%s: parameters and logits shape', async (kind, count, names) => {
    const head = await createHead(kind, { inDim: 12, classes: 5, seed: 3 });
    expect(head.paramCount()).toBe(count);
    expect(head.params().map((p) => p.name)).toEqual(names);
    expect(head.inputShape).toEqual([12]);
    const logits = forwardHost(head, sampleInput(head, 4, 1));
    expect(logits.length).toBe(4 * 5);
    head.dispose();
  });

  it('same seed, same weights; another seed, other weights', async () => {
    const [a, b, c] = await Promise.all([
      createHead('mlp3', { inDim: 6, classes: 3, seed: 1 }),
      createHead('mlp3', { inDim: 6, classes: 3, seed: 1 }),
      createHead('mlp3', { inDim: 6, classes: 3, seed: 2 }),
    ]);
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights()[0].data).not.toEqual(c.getWeights()[0].data);
    for (const h of [a, b, c]) h.dispose();
  });

  it.each(['linear', 'mlp3'])(
    '%s: toLayersModel and its ONNX export give the same outputs as forward',
    async (kind) => {
      const head = await createHead(kind, { inDim: 16, classes: 7, seed: 5 });
      randomizeNetwork(head, 9);
      const x = sampleInput(head, 5, 2);
      const ours = forwardHost(head, x);
      expect(maxAbs(ours)).toBeGreaterThan(0.5);
      const model = head.toLayersModel();
      expect(maxAbsDiff(predictHost(model, x), ours)).toBeLessThan(1e-4);
      const onnx = await runOnnx(model, x);
      expect(onnx.info.output).toBe('logits');
      expect(maxAbsDiff(onnx.data, ours)).toBeLessThan(1e-4);
      model.dispose();
      const probs = head.toLayersModel({ output: 'probabilities' });
      const expected = tf.tidy(() => tf.softmax(tf.tensor2d(ours, [5, 7])).dataSync());
      expect(maxAbsDiff(predictHost(probs, x), expected)).toBeLessThan(1e-5);
      expect((await runOnnx(probs, x)).info.output).toBe('probabilities');
      probs.dispose();
      head.dispose();
    },
  );

  it('has a registry that refuses a duplicate name and names the known kinds', async () => {
    expect(heads.names()).toEqual(['linear', 'mlp3']);
    expect(() => heads.register('mlp3', heads.get('linear'))).toThrow(/head "mlp3" is already registered/);
    await expect(createHead('mlp2', { inDim: 4, classes: 2 })).rejects.toThrow(
      /unknown head "mlp2" \(known: linear, mlp3\)/,
    );
    await expect(createHead('linear', { inDim: 0, classes: 2 })).rejects.toThrow(
      /inDim must be a positive integer/,
    );
  });
});
