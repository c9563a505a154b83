// mergeBackboneHeads: several heads behind one backbone as named outputs (one Flatten shared), and its refusals.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { mergeBackboneHeads } from '../../core/backends/onnx-graph/merge-heads.js';
import { decodeOnnx, encodeOnnx } from '../../core/backends/onnx-proto.js';
import { createSession, getOrt } from '../../core/backends/onnx-session.js';
import { denseHead, expectInvalidModel, nchwBackbone, nchwBatch, useScratchDir } from './merge-fixtures.js';

const scratch = useScratchDir('merge-heads-');

describe('mergeBackboneHeads', () => {
  it('gives every head as a named output of one run, over one shared Flatten', async () => {
    const heads = [41, 42, 43].map((seed) => denseHead(3, seed, 5));
    const { model, info } = mergeBackboneHeads(
      nchwBackbone(),
      heads.map((h, i) => ({ model: decodeOnnx(exportLayersModel(h), 'head'), output: `run-fold${i}` })),
    );
    expect(info.outputs).toEqual(['run-fold0', 'run-fold1', 'run-fold2']);
    expect(new Set(info.prefixes).size).toBe(3);
    expect(info.flattened).toBe(true);
    expect(model.graph?.node?.filter((n) => n.opType === 'Flatten')).toHaveLength(1);
    expect(model.graph?.node?.filter((n) => n.opType === 'GlobalAveragePool')).toHaveLength(1);
    const file = path.join(scratch.dir, 'heads.onnx');
    await writeFile(file, encodeOnnx(model));
    const ort = await getOrt();
    const { session } = await createSession(file, { executionProviders: ['cpu'], threads: 1 });
    const { x, feats } = nchwBatch(2, 4);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 3, 4, 4]) });
    await session.release();
    for (const [i, head] of heads.entries()) {
      const want = tf.tidy(() => head.predict(tf.tensor(feats, [2, 3])) as tf.Tensor);
      const expected = (await want.data()) as Float32Array;
      const got = out[`run-fold${i}`].data as Float32Array;
      for (let k = 0; k < expected.length; k++) expect(Math.abs(got[k] - expected[k])).toBeLessThan(1e-5);
      want.dispose();
      head.dispose();
    }
  });

  it('refuses no heads, clashing or unprintable output names, and a feature-size mismatch', () => {
    const head = (d: number) => {
      const m = denseHead(d, 7, 5);
      const proto = decodeOnnx(exportLayersModel(m), 'head');
      m.dispose();
      return proto;
    };
    const h3 = head(3);
    expectInvalidModel(() => mergeBackboneHeads(nchwBackbone(), []), /no heads/);
    expectInvalidModel(
      () =>
        mergeBackboneHeads(nchwBackbone(), [
          { model: h3, output: 'a' },
          { model: h3, output: 'a' },
        ]),
      /output name a is already used/,
    );
    expectInvalidModel(
      () => mergeBackboneHeads(nchwBackbone(), [{ model: h3, output: 'pooled' }]),
      /already used/,
    );
    expectInvalidModel(
      () => mergeBackboneHeads(nchwBackbone(), [{ model: h3, output: 'fold 0' }]),
      /printable ASCII/,
    );
    expectInvalidModel(
      () => mergeBackboneHeads(nchwBackbone(), [{ model: head(5), output: 'b' }]),
      /gives 3 features; the head expects 5 \(output b\)/,
    );
  });
});
