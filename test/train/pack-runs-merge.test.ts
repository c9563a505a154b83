// merge-onnx: a head appended behind a backbone gives the composed model's outputs in onnxruntime; refusals; shared weights.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../core/backends/index.js';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { cutBeforeClassifier } from '../../core/backends/onnx-graph/cut.js';
import { externalizeInitializers } from '../../core/backends/onnx-graph/external-data.js';
import { defaultOpset, mergeBackboneHead } from '../../core/backends/onnx-graph/merge.js';
import { decodeOnnx, encodeOnnx } from '../../core/backends/onnx-proto.js';
import { randomizeWeights, seededRandom, uniform } from '../export/helpers.js';
import {
  convGapBackbone,
  denseHead,
  expectInvalidModel,
  nchwBackbone,
  nchwBatch,
  useScratchDir,
} from './merge-fixtures.js';

const { onnx } = onnxProto;
const scratch = useScratchDir('merge-onnx-');

/** Backbone: conv(4, 3×3, relu) named "dense" (to clash with the head's names) → GAP → [N, 4]. */
function backboneModel(): tf.LayersModel {
  return convGapBackbone({ shape: [8, 8, 1], filters: 4, convName: 'dense', seed: 11 });
}

async function runOnnx(
  bytes: Uint8Array,
  name: string,
  x: Float32Array,
  dims: number[],
  extra?: [string, Uint8Array],
) {
  await writeFile(path.join(scratch.dir, name), bytes);
  if (extra) await writeFile(path.join(scratch.dir, extra[0]), extra[1]);
  const model = await loadModel(scratch.dir, name, { executionProviders: ['cpu'], threads: 1 });
  try {
    return await model.run({ data: x, dims });
  } finally {
    await model.dispose();
  }
}

describe('mergeBackboneHead', () => {
  it('equals head(backbone(x)) in onnxruntime despite clashing names', async () => {
    const backbone = backboneModel();
    const head = denseHead(4);
    const { model, info } = mergeBackboneHead(
      decodeOnnx(exportLayersModel(backbone), 'backbone'),
      decodeOnnx(exportLayersModel(head), 'head'),
    );
    expect(info.flattened).toBe(false);
    expect(model.graph?.input?.map((i) => i.name)).toEqual(['input']);
    expect(model.graph?.output?.map((o) => o.name)).toEqual(['head/logits']); // the backbone's own output is named logits too
    const x = uniform(5 * 64, seededRandom(3), -1, 1);
    const out = await runOnnx(encodeOnnx(model), 'merged.onnx', x, [5, 8, 8, 1]);
    const want = tf.tidy(
      () => head.predict(backbone.predict(tf.tensor(x, [5, 8, 8, 1])) as tf.Tensor) as tf.Tensor,
    );
    const expected = (await want.data()) as Float32Array;
    expect(out.dims).toEqual([5, 3]);
    const spread = Math.max(...expected) - Math.min(...expected);
    expect(spread).toBeGreaterThan(0.1);
    for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 4);
    want.dispose();
    backbone.dispose();
    head.dispose();
  });

  it('flattens a rank-4 NCHW backbone output, avoids its "head/" names and keeps its opset', async () => {
    const head = denseHead(3, 21);
    const bb = nchwBackbone(17);
    const { model, info } = mergeBackboneHead(bb, decodeOnnx(exportLayersModel(head), 'head'));
    expect(info).toMatchObject({ flattened: true, headPrefix: 'head2/', opset: 17 });
    expect(defaultOpset(model)).toBe(17);
    const { x, feats } = nchwBatch(2, 4);
    const out = await runOnnx(encodeOnnx(model), 'nchw.onnx', x, [2, 3, 4, 4]);
    const want = tf.tidy(() => head.predict(tf.tensor(feats, [2, 3])) as tf.Tensor);
    const expected = (await want.data()) as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 4);
    want.dispose();
    head.dispose();
  });

  it('refuses a feature-size mismatch, a missing output and an opset it cannot reconcile', () => {
    const head = decodeOnnx(exportLayersModel(denseHead(5)), 'head');
    expectInvalidModel(
      () => mergeBackboneHead(nchwBackbone(13), head),
      /gives 3 features; the head expects 5/,
    );
    expectInvalidModel(
      () => mergeBackboneHead(nchwBackbone(13), head, { backboneOutput: 'nope' }),
      /no output nope/,
    );
    const head3 = decodeOnnx(exportLayersModel(denseHead(3)), 'head');
    expectInvalidModel(() => mergeBackboneHead(nchwBackbone(9), head3), /opset 9 is too old/);
  });
});

describe('externalizeInitializers', () => {
  it('moves big weights into one shared, page-aligned file that two merged folds load', async () => {
    const backbone = backboneModel();
    const {
      model: shared,
      data,
      moved,
    } = externalizeInitializers(decodeOnnx(exportLayersModel(backbone), 'backbone'), 'backbone.weights', {
      minBytes: 64,
    });
    expect(moved).toBeGreaterThan(0);
    const x = uniform(2 * 64, seededRandom(9), -1, 1);
    const outs: Float32Array[] = [];
    for (const seed of [31, 32]) {
      const head = denseHead(4, seed);
      const merged = mergeBackboneHead(shared, decodeOnnx(exportLayersModel(head), 'head')).model;
      const ext = merged.graph?.initializer?.filter(
        (t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
      );
      expect(
        ext?.every((t) => Number(t.externalData?.find((e) => e.key === 'offset')?.value) % 4096 === 0),
      ).toBe(true);
      const out = await runOnnx(
        encodeOnnx(merged),
        `fold${seed}.onnx`,
        x,
        [2, 8, 8, 1],
        ['backbone.weights', data],
      );
      const want = tf.tidy(
        () => head.predict(backbone.predict(tf.tensor(x, [2, 8, 8, 1])) as tf.Tensor) as tf.Tensor,
      );
      const expected = (await want.data()) as Float32Array;
      for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 4);
      outs.push(out.data);
      want.dispose();
      head.dispose();
    }
    expect(outs[0]).not.toEqual(outs[1]);
    backbone.dispose();
  });
});

describe('cutBeforeClassifier', () => {
  it('turns a classifier into a backbone whose output is the input of its last dense layer', async () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input);
    const gap = tf.layers.globalAveragePooling2d({}).apply(conv);
    const hidden = tf.layers.dense({ units: 6, activation: 'relu' }).apply(gap) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3, name: 'classifier' }).apply(hidden) as tf.SymbolicTensor;
    const classifier = tf.model({ inputs: input, outputs: logits });
    randomizeWeights(classifier, 41);
    const { model, featureDim } = cutBeforeClassifier(decodeOnnx(exportLayersModel(classifier), 'clf'));
    expect(featureDim).toBe(6);
    expect(model.graph?.node?.some((n) => n.opType === 'GlobalAveragePool')).toBe(true);
    expect(model.graph?.initializer?.some((t) => t.name?.startsWith('classifier'))).toBe(false);
    const x = uniform(3 * 64, seededRandom(5), -1, 1);
    const out = await runOnnx(encodeOnnx(model), 'cut.onnx', x, [3, 8, 8, 1]);
    expect(out.dims).toEqual([3, 6]);
    const features = tf.model({ inputs: input, outputs: hidden });
    const want = tf.tidy(() => features.predict(tf.tensor(x, [3, 8, 8, 1])) as tf.Tensor);
    const expected = (await want.data()) as Float32Array;
    expect(Math.max(...expected)).toBeGreaterThan(0.05);
    for (let i = 0; i < expected.length; i++) expect(out.data[i]).toBeCloseTo(expected[i], 4);
    want.dispose();
    const gapOnly = tf.model({ inputs: input, outputs: gap as tf.SymbolicTensor });
    expect(() => cutBeforeClassifier(decodeOnnx(exportLayersModel(gapOnly), 'gap'))).toThrow(
      /Gemm or MatMul/,
    );
    classifier.dispose();
  });
});
