// ONNX runtime door: real tiny models through loadModel, expected numbers, fixed batches, refusals, cpu fallback.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, runtimeVersions } from '../../core/backends/index.js';
import { createSession, cudaStatus, getOrt } from '../../core/backends/onnx-session.js';
import { isSketchboardError } from '../../core/errors.js';
import {
  expectReferenceRun,
  maxAbsDiff,
  referenceForward,
  removeTempBundles,
  sampleImages,
  tempBundle,
} from './fixtures.js';
import { convNet, convNetExternal, rank2Model, twoInputModel } from './onnx-fixtures.js';

afterAll(removeTempBundles);

const cpuOnly = { executionProviders: ['cpu' as const], threads: 1 };

async function expectInvalid(p: Promise<unknown>, ...fragments: string[]): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isSketchboardError(err, 'invalid_model'), String(err)).toBe(true);
  const message = (err as Error).message;
  for (const f of fragments) expect(message).toContain(f);
  return message;
}

describe('onnx models', () => {
  it('runs a conv net with a symbolic batch and matches the reference numbers', async () => {
    const dir = await tempBundle({ 'm/net.onnx': convNet('batch') });
    const model = await loadModel(dir, 'm/net.onnx', cpuOnly);
    try {
      expect(model.format).toBe('onnx');
      expect(model.inputDims).toEqual([null, 1, 4, 4]);
      expect(model.outputDims).toEqual([null, 3]);
      expect(model.runtime).toEqual({
        runtime: 'onnxruntime',
        backend: 'cpu',
        version: runtimeVersions()['onnxruntime-node'],
      });
      const x = sampleImages(5);
      const out = await model.run({ data: x, dims: [5, 1, 4, 4] });
      expect(out.dims).toEqual([5, 3]);
      expect(maxAbsDiff(out.data, referenceForward(x, 5))).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it.each([1, 3, 7])('feeds N=%i through a model with a fixed batch of 1', async (n) => {
    const dir = await tempBundle({ 'fixed.onnx': convNet(1) });
    const model = await loadModel(dir, 'fixed.onnx', cpuOnly);
    try {
      expect(model.inputDims).toEqual([1, 1, 4, 4]);
      const x = sampleImages(n, n);
      const out = await model.run({ data: x, dims: [n, 1, 4, 4] });
      expect(out.dims).toEqual([n, 3]);
      expect(maxAbsDiff(out.data, referenceForward(x, n))).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it('treats an unnamed unknown batch dim as dynamic', async () => {
    const dir = await tempBundle({ 'u.onnx': convNet(null) });
    const model = await loadModel(dir, 'u.onnx', cpuOnly);
    try {
      expect(model.inputDims).toEqual([null, 1, 4, 4]);
      await expectReferenceRun(model, 4, 9);
    } finally {
      await model.dispose();
    }
  });

  it('loads weights from an external-data file beside the model', async () => {
    const { model: bytes, data } = convNetExternal('net.weights');
    const dir = await tempBundle({ 'large/net.onnx': bytes, 'large/net.weights': data });
    const model = await loadModel(dir, 'large/net.onnx', cpuOnly);
    try {
      await expectReferenceRun(model, 2, 4);
    } finally {
      await model.dispose();
    }
  });

  it.each(['../net.weights', 'sub/net.weights', '/tmp/net.weights'])(
    'refuses external data at %s',
    async (location) => {
      const { model: bytes, data } = convNetExternal(location);
      const dir = await tempBundle({
        'large/net.onnx': bytes,
        'net.weights': data,
        'large/sub/net.weights': data,
      });
      await expectInvalid(loadModel(dir, 'large/net.onnx', cpuOnly), 'large/net.onnx', location);
    },
  );

  it('refuses a rank-2 input and names it', async () => {
    const dir = await tempBundle({ 'r2.onnx': rank2Model() });
    await expectInvalid(loadModel(dir, 'r2.onnx', cpuOnly), 'r2.onnx', 'rank 4', 'features');
  });

  it('refuses two inputs and names both', async () => {
    const dir = await tempBundle({ 'two.onnx': twoInputModel() });
    await expectInvalid(loadModel(dir, 'two.onnx', cpuOnly), 'two.onnx', 'exactly one', 'left', 'right');
  });

  it('refuses bytes that are not an ONNX model, a missing file and an unknown extension', async () => {
    const dir = await tempBundle({ 'bad.onnx': new Uint8Array([1, 2, 3, 4, 5]), 'w.pt': 'x' });
    await expectInvalid(loadModel(dir, 'bad.onnx', cpuOnly), 'bad.onnx');
    await expectInvalid(loadModel(dir, 'missing.onnx', cpuOnly), 'missing.onnx');
    await expectInvalid(loadModel(dir, 'w.pt', cpuOnly), 'w.pt');
    await expectInvalid(loadModel(dir, '../bad.onnx', cpuOnly), '../bad.onnx');
  });

  it('checks run-time input dims and refuses use after dispose', async () => {
    const dir = await tempBundle({ 'n.onnx': convNet('batch') });
    const model = await loadModel(dir, 'n.onnx', cpuOnly);
    await expect(model.run({ data: new Float32Array(2 * 3 * 16), dims: [2, 3, 4, 4] })).rejects.toThrow(
      /dim 1 is 3/,
    );
    await expect(model.run({ data: new Float32Array(5), dims: [2, 1, 4, 4] })).rejects.toThrow(/5 values/);
    await model.dispose();
    await expect(model.run({ data: sampleImages(1), dims: [1, 1, 4, 4] })).rejects.toThrow(/after dispose/);
  });
});

describe('onnx execution providers', () => {
  it('falls back to cpu when cuda is asked for but not installed', async () => {
    const cuda = cudaStatus(await getOrt());
    const dir = await tempBundle({ 'n.onnx': convNet('batch') });
    const model = await loadModel(dir, 'n.onnx', { executionProviders: ['cuda', 'cpu'], threads: 1 });
    try {
      expect(model.runtime.backend).toBe(cuda.available ? 'cuda' : 'cpu');
      if (!cuda.available) expect(cuda.reason).toMatch(/CUDA provider/);
      await expectReferenceRun(model, 3);
    } finally {
      await model.dispose();
    }
  });

  it('uses the cuda → cpu default and reports runtime_unavailable for cuda only without cuda', async () => {
    const cuda = cudaStatus(await getOrt());
    const dir = await tempBundle({ 'n.onnx': convNet('batch') });
    const model = await loadModel(dir, 'n.onnx');
    expect(model.runtime.backend).toBe(cuda.available ? 'cuda' : 'cpu');
    await model.dispose();
    if (cuda.available) return;
    const err = await loadModel(dir, 'n.onnx', { executionProviders: ['cuda'] }).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'runtime_unavailable'), String(err)).toBe(true);
    expect((err as Error).message).toContain('n.onnx');
  });

  it('refuses a bad thread count as an invalid argument', async () => {
    const dir = await tempBundle({ 'n.onnx': convNet('batch') });
    const err = await loadModel(dir, 'n.onnx', { threads: 0 }).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'invalid_argument'), String(err)).toBe(true);
  });
});

describe('onnx session creation', () => {
  it('retries on cpu when a cuda session fails to create', async () => {
    const cuda = cudaStatus(await getOrt());
    if (cuda.available) return; // the retry path is only reachable where CUDA really fails
    const dir = await tempBundle({ 'n.onnx': convNet('batch') });
    const claimsCuda = () => ({ available: true, reason: 'pretend' });
    const { session, provider } = await createSession(path.join(dir, 'n.onnx'), { threads: 1 }, claimsCuda);
    expect(provider).toBe('cpu');
    await session.release();
    const only = await createSession(
      path.join(dir, 'n.onnx'),
      { executionProviders: ['cuda'] },
      claimsCuda,
    ).catch((e: unknown) => e);
    expect(isSketchboardError(only, 'runtime_unavailable'), String(only)).toBe(true);
    expect((only as Error).message).toMatch(/cuda: .*shared library/);
  });
});
