// mergeBackboneHeads: several heads behind one backbone as named outputs (one Flatten shared), and its refusals.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { mergeBackboneHeads } from '../../core/backends/onnx-graph/merge-heads.js';
import { decodeOnnx, encodeOnnx } from '../../core/backends/onnx-proto.js';
import { createSession, getOrt } from '../../core/backends/onnx-session.js';
import { isSketchboardError } from '../../core/errors.js';
import { seededRandom, uniform, useCpuBackend } from '../export/helpers.js';
import { denseHead, nchwBackbone } from './merge-fixtures.js';

let dir: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(path.join(tmpdir(), 'merge-heads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

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
    const file = path.join(dir, 'heads.onnx');
    await writeFile(file, encodeOnnx(model));
    const ort = await getOrt();
    const { session } = await createSession(file, { executionProviders: ['cpu'], threads: 1 });
    const x = uniform(2 * 48, seededRandom(4), 0, 1);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 3, 4, 4]) });
    await session.release();
    // Features by hand: 2 × the mean of each 4×4 plane.
    const feats = new Float32Array(6);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 16; k++) s += x[n * 48 + c * 16 + k];
        feats[n * 3 + c] = (2 * s) / 16;
      }
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
    const refuses = (f: () => unknown, text: RegExp) => {
      try {
        f();
      } catch (err) {
        expect(isSketchboardError(err, 'invalid_model')).toBe(true);
        expect((err as Error).message).toMatch(text);
        return;
      }
      throw new Error('expected a refusal');
    };
    const h3 = head(3);
    refuses(() => mergeBackboneHeads(nchwBackbone(), []), /no heads/);
    refuses(
      () =>
        mergeBackboneHeads(nchwBackbone(), [
          { model: h3, output: 'a' },
          { model: h3, output: 'a' },
        ]),
      /output name a is already used/,
    );
    refuses(() => mergeBackboneHeads(nchwBackbone(), [{ model: h3, output: 'pooled' }]), /already used/);
    refuses(() => mergeBackboneHeads(nchwBackbone(), [{ model: h3, output: 'fold 0' }]), /printable ASCII/);
    refuses(
      () => mergeBackboneHeads(nchwBackbone(), [{ model: head(5), output: 'b' }]),
      /gives 3 features; the head expects 5 \(output b\)/,
    );
  });
});
