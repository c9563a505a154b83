// Multi-output models through loadModel: output names, one run giving several named outputs (ONNX, TF.js both kinds).
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../core/backends/index.js';
import type { LoadedModel, Tensor } from '../../core/backends/types.js';
import { isSketchboardError } from '../../core/errors.js';
import { maxAbsDiff, referenceForward, removeTempBundles, sampleImages, tempBundle } from './fixtures.js';
import { convNetHeads } from './onnx-fixtures.js';
import { bundleFiles, graphNet, layersHeads } from './tfjs-fixtures.js';

afterAll(removeTempBundles);

const cpuOnly = { executionProviders: ['cpu' as const], threads: 1 };

/** Row-wise softmax of an [n, k] tensor, in float64. */
function softmaxRows(t: Tensor): Float64Array {
  const [n, k] = t.dims;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const row = Array.from(t.data.subarray(r * k, (r + 1) * k));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, j) => {
      out[r * k + j] = Math.exp(v - max) / sum;
    });
  }
  return out;
}

/** Counts the model's runs by wrapping runOutputs (run() goes through it in both backends). */
function counted(model: LoadedModel): { model: LoadedModel; calls: string[][] } {
  const calls: string[][] = [];
  const inner = model.runOutputs.bind(model);
  model.runOutputs = (input, names) => {
    calls.push([...names]);
    return inner(input, names);
  };
  return { model, calls };
}

/** Both outputs of a probs + logits model from one call: probs = reference, softmax(logits) = reference. */
async function expectHeads(model: LoadedModel, probs: string, logits: string, n: number) {
  const x = sampleImages(n, n + 2);
  const dims = model.format === 'onnx' ? [n, 1, 4, 4] : [n, 4, 4, 1];
  const { calls } = counted(model);
  const outs = await model.runOutputs({ data: x, dims }, [logits, probs]);
  expect(calls).toEqual([[logits, probs]]);
  expect([...outs.keys()].sort()).toEqual([logits, probs].sort());
  expect(outs.get(probs)!.dims).toEqual([n, 3]);
  expect(outs.get(logits)!.dims).toEqual([n, 3]);
  const want = referenceForward(x, n);
  expect(maxAbsDiff(outs.get(probs)!.data, want)).toBeLessThan(1e-5);
  expect(maxAbsDiff(softmaxRows(outs.get(logits)!), want)).toBeLessThan(1e-5);
  // The logits are not the probabilities: each output really is its own tensor.
  expect(maxAbsDiff(outs.get(logits)!.data, want)).toBeGreaterThan(0.1);
}

async function expectInvalid(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isSketchboardError(err, 'invalid_model'), String(err)).toBe(true);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe('multi-output ONNX models', () => {
  it.each([
    ['a symbolic batch', 'batch'],
    ['a fixed batch of 1', 1],
  ] as const)('lists the outputs and returns several from one call, with %s', async (_, batch) => {
    const dir = await tempBundle({ 'heads.onnx': convNetHeads(batch) });
    const model = await loadModel(dir, 'heads.onnx', cpuOnly);
    try {
      expect(model.outputNames).toEqual(['logits', 'probs', 'label']);
      await expectHeads(model, 'probs', 'logits', 5);
      // run() keeps its meaning: the first output.
      const x = sampleImages(2, 3);
      const first = await model.run({ data: x, dims: [2, 1, 4, 4] });
      expect(maxAbsDiff(softmaxRows(first), referenceForward(x, 2))).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it('refuses an unknown output (listing the outputs) and a non-float one, before running', async () => {
    const dir = await tempBundle({ 'heads.onnx': convNetHeads('batch') });
    const model = await loadModel(dir, 'heads.onnx', cpuOnly);
    const { calls } = counted(model);
    const x = { data: sampleImages(1), dims: [1, 1, 4, 4] };
    try {
      await expectInvalid(model.runOutputs(x, ['fold3']), 'fold3', 'logits, probs, label');
      await expectInvalid(model.runOutputs(x, ['label']), 'label', 'int64');
      await expect(model.runOutputs(x, ['probs', 'probs'])).rejects.toThrow(/twice/);
      expect(calls).toHaveLength(3);
    } finally {
      await model.dispose();
    }
    await expect(model.runOutputs(x, ['probs'])).rejects.toThrow(/after dispose/);
  });
});

describe('multi-output TF.js models', () => {
  it('a LayersModel names its outputs by their layers and returns both from one call', async () => {
    const dir = await tempBundle(bundleFiles(await layersHeads()));
    const model = await loadModel(dir, 'cnn/model.json');
    try {
      expect(model.format).toBe('tfjs');
      expect(model.outputNames).toEqual(['probs', 'logits']);
      await expectHeads(model, 'probs', 'logits', 4);
      await expectInvalid(
        model.runOutputs({ data: sampleImages(1), dims: [1, 4, 4, 1] }, ['fold0']),
        'fold0',
        'probs, logits',
      );
    } finally {
      await model.dispose();
    }
  });

  it.each([
    ['execute()', false],
    ['executeAsync()', true],
  ])('a GraphModel returns two output nodes from one %s call', async (_, controlFlow) => {
    const dir = await tempBundle(bundleFiles(graphNet({ controlFlow, logitsOutput: true }), 'g'));
    const model = await loadModel(dir, 'g/model.json');
    try {
      expect([...model.outputNames].sort()).toEqual(['logits_out', 'probs']);
      await expectHeads(model, 'probs', 'logits_out', 3);
      // Asking for one output in the other order returns that one alone.
      const x = sampleImages(2, 8);
      const only = await model.runOutputs({ data: x, dims: [2, 4, 4, 1] }, ['probs']);
      expect([...only.keys()]).toEqual(['probs']);
      expect(maxAbsDiff(only.get('probs')!.data, referenceForward(x, 2))).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });
});
