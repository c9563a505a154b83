// Test helpers for ONNX export: seeded weights and inputs, and a TF.js vs onnxruntime-node comparison.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import {
  type ExportInfo,
  type ExportOptions,
  exportLayersModelWithInfo,
  ONNX_INPUT_NAME,
} from '../../core/backends/onnx-export/index.js';

/** Plain CPU backend: deterministic and always available. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A layer as tf.Sequential#add takes it. */
export type Layer = Parameters<tf.Sequential['add']>[0];

/** A Sequential model over `inputShape` with `layers` in order. */
export function seq(inputShape: number[], layers: Layer[]): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape }));
  for (const layer of layers) model.add(layer);
  return model;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi). */
export function uniform(n: number, rand: () => number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/**
 * Replaces every weight with seeded random values: kernels scaled by 1/sqrt(fan-in), biases and BN
 * beta/mean in [-0.5, 0.5), gamma in [-1.5, 1.5), moving variance in [0.2, 2.2) — so BatchNorm is far
 * from the identity.
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rand = seededRandom(seed);
  for (const layer of model.layers) {
    const tensors = layer.weights.map((w) => {
      const shape = w.read().shape;
      const n = shape.reduce((a, b) => a * b, 1);
      const name = w.originalName;
      let data: Float32Array;
      if (name.endsWith('moving_variance')) data = uniform(n, rand, 0.2, 2.2);
      else if (name.endsWith('gamma')) data = uniform(n, rand, -1.5, 1.5);
      else if (name.endsWith('kernel')) {
        const limit = Math.sqrt(3 / (n / shape[shape.length - 1]));
        data = uniform(n, rand, -limit, limit);
      } else data = uniform(n, rand, -0.5, 0.5);
      return tf.tensor(data, shape);
    });
    layer.setWeights(tensors);
    for (const t of tensors) t.dispose();
  }
}

export type Comparison = {
  maxDiff: number;
  /** max - min of the TF.js output: shows the comparison is not between constants. */
  spread: number;
  dims: readonly number[];
  info: ExportInfo;
};

/**
 * Exports `model`, runs the ONNX bytes in onnxruntime-node and the model in TF.js on the same seeded
 * input ([-1, 1), `batch` rows of `dims`), and reports the largest absolute difference.
 */
export async function compareWithTfjs(
  model: tf.LayersModel,
  opts: ExportOptions & { batch?: number; seed?: number; dims?: number[] } = {},
): Promise<Comparison> {
  const { bytes, info } = exportLayersModelWithInfo(model, opts);
  const batch = opts.batch ?? 3;
  // `dims` gives the non-batch sizes for models with dynamic spatial dims.
  const shape = [batch, ...(opts.dims ?? model.inputs[0].shape.slice(1).map((d) => d ?? 1))];
  const x = uniform(
    shape.reduce((a, b) => a * b, 1),
    seededRandom(opts.seed ?? 7),
    -1,
    1,
  );
  const expected = tf.tidy(() => {
    const y = model.predict(tf.tensor(x, shape));
    if (Array.isArray(y)) throw new Error('expected one output');
    return y.dataSync();
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', x, shape) });
    const out = result[info.output];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`no float32 output ${info.output}`);
    if (out.data.length !== expected.length)
      throw new Error(`length ${out.data.length} != ${expected.length}`);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - expected[i]));
    const values = Array.from(expected);
    return { maxDiff, spread: Math.max(...values) - Math.min(...values), dims: out.dims, info };
  } finally {
    await session.release();
  }
}
