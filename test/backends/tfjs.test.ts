// TF.js door on the cpu backend: LayersModel and GraphModel numbers, fixed batches, quantized weights, no leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, runtimeVersions } from '../../core/backends/index.js';
import { getTf, TFJS_BACKEND_ENV } from '../../core/backends/tfjs.js';
import { maxAbsDiff, referenceForward, removeTempBundles, sampleImages, tempBundle } from './fixtures.js';
import { bundleFiles, graphNet, layersNet, quantize, type TfjsFiles } from './tfjs-fixtures.js';

beforeAll(() => {
  process.env[TFJS_BACKEND_ENV] = 'cpu';
});
afterAll(removeTempBundles);

async function expectReference(files: TfjsFiles, n: number, expectedInput: (number | null)[]) {
  const dir = await tempBundle(bundleFiles(files));
  const model = await loadModel(dir, 'cnn/model.json');
  try {
    expect(model.format).toBe('tfjs');
    expect(model.inputDims).toEqual(expectedInput);
    const x = sampleImages(n, n + 1);
    const out = await model.run({ data: x, dims: [n, 4, 4, 1] });
    expect(out.dims).toEqual([n, 3]);
    expect(maxAbsDiff(out.data, referenceForward(x, n))).toBeLessThan(1e-5);
    return model.runtime;
  } finally {
    await model.dispose();
  }
}

describe('tfjs models on cpu', () => {
  it('runs a LayersModel and matches the reference numbers', async () => {
    const runtime = await expectReference(await layersNet(), 5, [null, 4, 4, 1]);
    expect(runtime).toEqual({ runtime: 'tfjs', backend: 'cpu', version: '4.22.0' });
    expect(runtimeVersions()).toMatchObject({ 'tfjs-core': '4.22.0', 'tfjs-backend': 'cpu' });
  });

  it('concatenates weights split over three shards', async () => {
    const files = await layersNet({ shards: 3 });
    expect(Object.keys(files.shards)).toHaveLength(3);
    await expectReference(files, 2, [null, 4, 4, 1]);
  });

  it.each([1, 3, 7])('feeds N=%i through a LayersModel with a fixed batch of 1', async (n) => {
    await expectReference(await layersNet({ batch: 1 }), n, [1, 4, 4, 1]);
  });

  it.each(['uint8', 'uint16', 'float16'] as const)('dequantizes %s weights', async (dtype) => {
    const files = quantize(await layersNet(), dtype);
    const bytes = Object.values(files.shards)[0].length;
    expect(bytes).toBe(dtype === 'uint8' ? 47 : 94);
    await expectReference(files, 3, [null, 4, 4, 1]);
  });

  it('runs a GraphModel with execute()', async () => {
    await expectReference(graphNet(), 4, [null, 4, 4, 1]);
  });

  it('runs a GraphModel with control flow through executeAsync()', async () => {
    await expectReference(graphNet({ controlFlow: true }), 4, [null, 4, 4, 1]);
  });

  it('does not grow tf.memory() over runs and frees everything on dispose', async () => {
    const { tf } = await getTf();
    for (const files of [await layersNet(), graphNet(), graphNet({ controlFlow: true })]) {
      const dir = await tempBundle(bundleFiles(files));
      const before = tf.memory().numTensors;
      const model = await loadModel(dir, 'cnn/model.json');
      const x = sampleImages(3);
      await model.run({ data: x, dims: [3, 4, 4, 1] });
      const loaded = tf.memory();
      for (let i = 0; i < 4; i++) await model.run({ data: x, dims: [3, 4, 4, 1] });
      expect(tf.memory().numTensors).toBe(loaded.numTensors);
      expect(tf.memory().numBytes).toBe(loaded.numBytes);
      await model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
