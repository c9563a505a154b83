// Whole-model ONNX export: residual graphs, a ResNet-like stack, the NHWC/dynamic-batch input, files.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLayersModel, exportLayersModelToFile } from '../../core/backends/onnx-export/index.js';
import { isSketchboardError } from '../../core/errors.js';
import { compareWithTfjs, randomizeWeights, useCpuBackend } from './helpers.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;

function call(layer: Parameters<tf.Sequential['add']>[0], x: Sym | Sym[]): Sym {
  const y = layer.apply(x);
  if (!(y instanceof tf.SymbolicTensor)) throw new Error('expected one symbolic tensor');
  return y;
}

/** conv-bn-relu; the second conv of a block skips the relu. */
function convBn(x: Sym, filters: number, relu: boolean, strides = 1): Sym {
  let y = call(L.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false }), x);
  y = call(L.batchNormalization(), y);
  return relu ? call(L.reLU(), y) : y;
}

/** Stem conv-bn-relu (stride 2), one residual block (conv-bn-relu, conv-bn, Add, relu), GAP, Dense softmax. */
function resnetLike(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  const stem = convBn(input, 8, true, 2);
  const body = convBn(convBn(stem, 8, true), 8, false);
  const sum = call(L.reLU(), call(L.add(), [body, stem]));
  const pooled = call(L.globalAveragePooling2d({}), sum);
  const probs = call(L.dense({ units: 5, activation: 'softmax' }), pooled);
  return tf.model({ inputs: input, outputs: probs });
}

const { onnx } = onnxProto;

function decode(bytes: Uint8Array): { model: onnxProto.onnx.ModelProto; graph: onnxProto.onnx.GraphProto } {
  const model = onnx.ModelProto.decode(bytes);
  if (!(model.graph instanceof onnx.GraphProto)) throw new Error('no graph');
  return { model, graph: model.graph };
}

/** A value's declared dims: the symbol where dynamic, the size otherwise. */
function dimsOf(v: onnxProto.onnx.IValueInfoProto): (string | number)[] | undefined {
  return v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
}

describe('exportLayersModel: whole models', () => {
  beforeAll(useCpuBackend);

  it('a residual block with Add matches TF.js', async () => {
    const input = tf.input({ shape: [6, 6, 4] });
    const branch = call(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
    const sum = call(L.add(), [input, branch]);
    const out = call(L.dense({ units: 3 }), call(L.flatten(), sum));
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model, 3);
    const { maxDiff, spread } = await compareWithTfjs(model);
    expect(spread).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  });

  it('a ResNet-like stack (conv-bn-relu x2 + Add + GAP + Dense softmax) matches, with one Transpose', async () => {
    const model = resnetLike();
    randomizeWeights(model, 21);
    const { maxDiff, spread, dims, info } = await compareWithTfjs(model);
    expect(info.output).toBe('probabilities');
    expect(dims).toEqual([3, 5]);
    expect(spread).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    const ops = decode(exportLayersModel(model)).graph.node.map((n) => n.opType);
    expect(ops.filter((op) => op === 'Transpose')).toHaveLength(1);
    expect(ops[0]).toBe('Transpose');
    expect(ops.filter((op) => op === 'BatchNormalization')).toHaveLength(3);
  });

  it('a three-way Add and a Dense layer shared by two branches match TF.js', async () => {
    const input = tf.input({ shape: [6] });
    const shared = L.dense({ units: 4, activation: 'tanh' });
    const a = call(shared, input);
    const b = call(shared, call(L.dense({ units: 6 }), input));
    const c = call(L.dense({ units: 4 }), input);
    const out = call(L.dense({ units: 3 }), call(L.add(), [a, b, c]));
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model, 8);
    const { maxDiff, spread } = await compareWithTfjs(model);
    expect(spread).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    const { graph } = decode(exportLayersModel(model));
    expect(graph.node.filter((n) => n.opType === 'Add')).toHaveLength(2);
    expect(graph.initializer.filter((t) => t.name?.startsWith(shared.name))).toHaveLength(2);
  });

  it('keeps the input NHWC with a symbolic batch dim N, output [N, units]; runs any batch size', async () => {
    const model = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [8, 6, 1], filters: 2, kernelSize: 3 }),
        L.flatten(),
        L.dense({ units: 4 }),
      ],
    });
    randomizeWeights(model, 2);
    const { graph } = decode(exportLayersModel(model));
    expect(graph.input.map((v) => v.name)).toEqual(['input']);
    expect(dimsOf(graph.input[0])).toEqual(['N', 8, 6, 1]);
    expect(graph.output.map((v) => v.name)).toEqual(['logits']);
    expect(dimsOf(graph.output[0])).toEqual(['N', 4]);
    for (const batch of [1, 5]) {
      const { maxDiff, dims: outDims } = await compareWithTfjs(model, { batch });
      expect(outDims).toEqual([batch, 4]);
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    }
  });

  it("a model with dynamic height and width uses SAME_UPPER for 'same' and still matches", async () => {
    const model = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [null, null, 2], filters: 3, kernelSize: 2, strides: 2, padding: 'same' }),
        L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
        L.globalAveragePooling2d({}),
        L.dense({ units: 3 }),
      ],
    });
    randomizeWeights(model, 4);
    const { graph } = decode(exportLayersModel(model));
    expect(dimsOf(graph.input[0])).toEqual(['N', 'd1', 'd2', 2]);
    const autoPads = graph.node.flatMap((n) =>
      (n.attribute ?? []).filter((a) => a.name === 'auto_pad').map(() => n.opType),
    );
    expect(autoPads).toEqual(['Conv', 'AveragePool']);
    for (const dims of [
      [7, 9, 2],
      [8, 5, 2],
    ]) {
      const { maxDiff, spread } = await compareWithTfjs(model, { dims });
      expect(spread).toBeGreaterThan(1e-3);
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
    }
  });

  it('names the output after the last activation and records opset, name and metadata', async () => {
    const probs = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    const dropped = tf.sequential({
      layers: [L.dense({ inputShape: [4], units: 3 }), L.softmax(), L.dropout({ rate: 0.2 })],
    });
    const logits = tf.sequential({ layers: [L.dense({ inputShape: [4], units: 3, activation: 'sigmoid' })] });
    const { model: m, graph } = decode(exportLayersModel(probs, { name: 'fold0', opset: 17 }));
    expect(graph.output[0].name).toBe('probabilities');
    expect(graph.name).toBe('fold0');
    expect(m.opsetImport.map((o) => Number(o.version))).toEqual([17]);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.metadataProps).toEqual([
      expect.objectContaining({ key: 'sketchboard.output', value: 'probabilities' }),
    ]);
    expect(decode(exportLayersModel(dropped)).graph.output[0].name).toBe('probabilities');
    expect(decode(exportLayersModel(logits)).graph.output[0].name).toBe('logits');
    const { maxDiff } = await compareWithTfjs(probs, { opset: 17 });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  });
});

describe('exportLayersModelToFile', () => {
  let dir = '';
  beforeAll(async () => {
    await useCpuBackend();
    dir = await mkdtemp(join(tmpdir(), 'sb-onnx-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a loadable model atomically, leaving no temp file', async () => {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [5], units: 2, activation: 'softmax' })] });
    const path = join(dir, 'model.onnx');
    const info = await exportLayersModelToFile(model, path);
    expect(info).toMatchObject({
      output: 'probabilities',
      inputDims: [null, 5],
      outputDims: [null, 2],
      opset: 13,
    });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const session = await ort.InferenceSession.create(path);
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(10), [2, 5]) });
    expect(out.probabilities.dims).toEqual([2, 2]);
    await session.release();
  });

  it('fails with a typed error and removes its temp file when the rename fails', async () => {
    const model = tf.sequential({ layers: [L.dense({ inputShape: [5], units: 2 })] });
    const folder = join(dir, 'busy');
    await mkdir(join(folder, 'model.onnx'), { recursive: true }); // a directory where the file should go
    const err = await exportLayersModelToFile(model, join(folder, 'model.onnx')).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'internal')).toBe(true);
    expect(await readdir(folder)).toEqual(['model.onnx']);
  });
});
