// TF.js loader refusals: tampered shards and weight specs, paths outside the bundle, oversized or odd model.json.
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import type { SymbolicTensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../core/backends/index.js';
import { getTf, TFJS_BACKEND_ENV } from '../../core/backends/tfjs.js';
import { checkWeightSizes, weightBytes } from '../../core/backends/tfjs-weights.js';
import { DEFAULT_LIMITS } from '../../core/bundle/limits.js';
import { isSketchboardError } from '../../core/errors.js';
import { removeTempBundles, tempBundle } from './fixtures.js';
import { bundleFiles, graphNet, layersNet, saveLayers, type TfjsFiles } from './tfjs-fixtures.js';

beforeAll(() => {
  process.env[TFJS_BACKEND_ENV] = 'cpu';
});
afterAll(removeTempBundles);

async function refused(files: Record<string, Uint8Array | string>, ...fragments: string[]): Promise<void> {
  const dir = await tempBundle(files);
  const err = await loadModel(dir, 'cnn/model.json').then(
    (m) => m.dispose().then(() => null),
    (e: unknown) => e,
  );
  expect(isSketchboardError(err, 'invalid_model'), String(err)).toBe(true);
  expect((err as Error).message).toContain('cnn/model.json');
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

/** A copy of the one-shard LayersModel fixture with `edit` applied to its JSON and shard bytes. */
async function tampered(
  edit: (files: TfjsFiles, shard: string) => void,
): Promise<Record<string, Uint8Array | string>> {
  const files = structuredClone(await layersNet());
  edit(files, files.json.weightsManifest[0].paths[0]);
  return bundleFiles(files);
}

describe('tfjs shard checks', () => {
  it('refuses a truncated shard', async () => {
    const files = await tampered((f, s) => {
      f.shards[s] = f.shards[s].slice(0, -4);
    });
    await refused(files, 'weights declare 188 bytes but the shards hold 184');
  });

  it('refuses extra bytes after the weights', async () => {
    const files = await tampered((f, s) => {
      f.shards[s] = new Uint8Array([...f.shards[s], 0, 0, 0, 0]);
    });
    await refused(files, 'hold 192');
  });

  it('refuses a weight whose declared shape does not fit the bytes', async () => {
    const files = await tampered((f) => {
      f.json.weightsManifest[0].weights[0].shape = [3, 3, 1, 3];
    });
    await refused(files, 'weights declare 224 bytes');
  });

  it('refuses a shape of the right size that does not fit the layer', async () => {
    const files = await tampered((f) => {
      f.json.weightsManifest[0].weights[2].shape = [3, 8];
    });
    await refused(files, 'Shape mismatch');
  });

  it('refuses string weights', async () => {
    const graph = graphNet();
    graph.json.weightsManifest[0].weights[4].dtype = 'string';
    await refused(bundleFiles(graph), 'string weights');
  });

  it('refuses a quantized weight without scale and min', async () => {
    const files = await tampered((f) => {
      f.json.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' };
    });
    await refused(files, 'needs scale and min');
  });

  it.each(['../x.bin', 'sub/x.bin', '/x.bin'])('refuses shard path %s', async (p) => {
    const files = await tampered((f, s) => {
      f.json.weightsManifest[0].paths = [p];
      f.shards = { [s]: f.shards[s] };
    });
    const shard = (await layersNet()).shards['group1-shard1of1.bin'];
    await refused({ ...files, 'x.bin': shard, 'cnn/sub/x.bin': shard }, p);
  });

  it('refuses a missing shard', async () => {
    const files = await tampered((f) => {
      f.json.weightsManifest[0].paths.push('group1-shard2of2.bin');
    });
    await refused(files, 'group1-shard2of2.bin');
  });

  it('refuses a model.json over the size cap before parsing it', async () => {
    const dir = await tempBundle({ 'cnn/model.json': '{}' });
    await truncate(path.join(dir, 'cnn', 'model.json'), DEFAULT_LIMITS.maxJsonBytes + 1);
    const err = await loadModel(dir, 'cnn/model.json').catch((e: unknown) => e);
    expect(isSketchboardError(err, 'invalid_model'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/over the limit/);
  });

  it('refuses model.json that is neither a layers nor a graph model, or not JSON', async () => {
    await refused(
      { 'cnn/model.json': JSON.stringify({ modelTopology: { foo: 1 }, weightsManifest: [] }) },
      'neither',
    );
    await refused({ 'cnn/model.json': '{"modelTopology": ' }, 'JSON');
  });

  it('refuses a rank-2 input and two inputs, naming them', async () => {
    const { tf } = await getTf();
    const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [16], units: 3, name: 'head' })] });
    await refused(bundleFiles(await saveLayers(dense)), 'rank 4', '[?, 16]');
    const left = tf.input({ shape: [4, 4, 1], name: 'left' });
    const right = tf.input({ shape: [4, 4, 1], name: 'right' });
    const two = tf.model({
      inputs: [left, right],
      outputs: tf.layers.add().apply([left, right]) as SymbolicTensor,
    });
    await refused(bundleFiles(await saveLayers(two)), 'exactly one', 'left', 'right');
  });
});

describe('weight sizes', () => {
  it.each([
    [{ name: 'a', shape: [2, 3], dtype: 'float32' }, 24],
    [{ name: 'a', shape: [2, 3], dtype: 'int32' }, 24],
    [{ name: 'a', shape: [5], dtype: 'bool' }, 5],
    [{ name: 'a', shape: [], dtype: 'float32' }, 4],
    [
      {
        name: 'a',
        shape: [4],
        dtype: 'float32',
        quantization: { dtype: 'uint8' as const, scale: 1, min: 0 },
      },
      4,
    ],
    [
      {
        name: 'a',
        shape: [4],
        dtype: 'float32',
        quantization: { dtype: 'uint16' as const, scale: 1, min: 0 },
      },
      8,
    ],
    [{ name: 'a', shape: [4], dtype: 'float32', quantization: { dtype: 'float16' as const } }, 8],
  ])('%j takes %i bytes', (w, bytes) => {
    expect(weightBytes(w)).toBe(bytes);
  });

  it('refuses complex64 and unknown dtypes, and compares per group', () => {
    expect(() => weightBytes({ name: 'c', shape: [1], dtype: 'complex64' })).toThrow('unsupported dtype');
    const groups = [
      { paths: ['a.bin'], weights: [{ name: 'x', shape: [2], dtype: 'float32' }] },
      { paths: ['b.bin', 'c.bin'], weights: [{ name: 'y', shape: [4], dtype: 'float32' }] },
    ];
    expect(() => checkWeightSizes(groups, [[8], [10, 6]])).not.toThrow();
    expect(() => checkWeightSizes(groups, [[16], [8]])).toThrow('weight group 0');
  });
});
