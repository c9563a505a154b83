// What the graph-merging tests share: an NCHW backbone as a PyTorch export looks, its features by hand, heads, hooks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { afterAll, beforeAll, expect } from 'vitest';
import { isSketchboardError } from '../../core/errors.js';
import { randomizeWeights, seededRandom, uniform, useCpuBackend } from '../export/helpers.js';

const { onnx } = onnxProto;

/**
 * x [batch,3,4,4] → Mul by 2 → GlobalAveragePool → pooled [batch,3,1,1]: rank 4, so a head behind it needs a
 * Flatten; the inner value is named `head/a` to clash with a merged head's prefixed names.
 */
export function nchwBackbone(opset = 13): OnnxTypes.IModelProto {
  const info = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'torch',
      node: [
        { opType: 'Mul', input: ['x', 'two'], output: ['head/a'], name: 'mul' },
        { opType: 'GlobalAveragePool', input: ['head/a'], output: ['pooled'], name: 'gap' },
      ],
      initializer: [{ name: 'two', dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [2] }],
      input: [info('x', ['batch', 3, 4, 4])],
      output: [info('pooled', ['batch', 3, 1, 1])],
    },
  });
}

/**
 * A seeded input for nchwBackbone, x [batch,3,4,4] in [0, 1), and its features by hand: 2 × the mean of each 4×4
 * plane, [batch, 3].
 */
export function nchwBatch(batch: number, seed: number): { x: Float32Array; feats: Float32Array } {
  const x = uniform(batch * 48, seededRandom(seed), 0, 1);
  const feats = new Float32Array(batch * 3);
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 16; k++) s += x[n * 48 + c * 16 + k];
      feats[n * 3 + c] = (2 * s) / 16;
    }
  return { x, feats };
}

/** `f` throws an invalid_model SketchboardError whose message matches `text`. */
export function expectInvalidModel(f: () => unknown, text: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(isSketchboardError(err, 'invalid_model')).toBe(true);
    expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a refusal');
}

/** Registers the suite's hooks: the tfjs CPU backend and a temp folder `prefix…`; returns the live handle. */
export function useScratchDir(prefix: string): { dir: string } {
  const scratch = { dir: '' };
  beforeAll(async () => {
    await useCpuBackend();
    scratch.dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (scratch.dir) await rm(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}

/**
 * A conv(filters, 3×3, relu) → GAP backbone over `shape` as a TF.js model, seeded weights; `convName` lets a test
 * make its names clash with a head's.
 */
export function convGapBackbone(opts: {
  shape: [number, number, number];
  filters: number;
  convName: string;
  seed: number;
}): tf.LayersModel {
  const input = tf.input({ shape: opts.shape, name: 'input' });
  const conv = tf.layers
    .conv2d({ filters: opts.filters, kernelSize: 3, activation: 'relu', name: opts.convName })
    .apply(input);
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: gap, name: 'backbone' });
  randomizeWeights(model, opts.seed);
  return model;
}

/** Head on d features: Dense(hidden, relu) named "dense" (to clash with a backbone's names) → Dense(3), seeded weights. */
export function denseHead(d: number, seed = 12, hidden = 6): tf.LayersModel {
  const input = tf.input({ shape: [d], name: 'input' });
  const h = tf.layers.dense({ units: hidden, activation: 'relu', name: 'dense' }).apply(input);
  const out = tf.layers.dense({ units: 3, name: 'out' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'head' });
  randomizeWeights(model, seed);
  return model;
}
