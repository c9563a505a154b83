// The predictor's loop with stand-in models: per-leaf specs, shared tensors, TTA, refusals, overlap, progress.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel, Tensor } from '../../core/backends/types.js';
import { parseManifest } from '../../core/bundle/manifest.js';
import { isSketchboardError } from '../../core/errors.js';
import { checkBundleModels, loadBundleModels } from '../../core/predict/models.js';
import { inferLeaves, predictBundle, voteLeaves } from '../../core/predict/predictor.js';

let dir: string;
let images: string[];
let big: string[];

/** A stand-in model: checks the dims it is fed, returns `f(image)` per image, records its calls. */
function fake(dims: number[], f: (img: Float32Array) => number[], backend = 'cpu') {
  const calls: Tensor[] = [];
  let disposed = 0;
  const model: LoadedModel = {
    format: 'onnx',
    inputDims: [null, ...dims],
    outputDims: null,
    outputNames: ['out'],
    runtime: { runtime: 'onnxruntime', backend, version: 'test' },
    async runOutputs(input, names) {
      expect(names).toEqual(['out']);
      return new Map([['out', await model.run(input)]]);
    },
    async run(input) {
      calls.push(input);
      expect(input.dims.slice(1)).toEqual(dims);
      const size = dims.reduce((a, b) => a * b, 1);
      const rows: number[] = [];
      for (let i = 0; i < input.dims[0]; i++) rows.push(...f(input.data.subarray(i * size, (i + 1) * size)));
      return { data: Float32Array.from(rows), dims: [input.dims[0], rows.length / input.dims[0]] };
    },
    async dispose() {
      disposed++;
    },
  };
  return { model, calls, disposed: () => disposed };
}
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
/** NHWC 1-channel h×w image: [10 × mean of left half, 10 × mean of right half] as logits. */
const halves = (w: number) => (img: Float32Array) => {
  let l = 0;
  let r = 0;
  img.forEach((v, i) => {
    if (i % w < w / 2) l += v;
    else r += v;
  });
  return [(20 * l) / img.length, (20 * r) / img.length];
};
const softmax2 = (a: number, b: number) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))];

const manifestOf = (ensemble: unknown, extra: Record<string, unknown> = {}) =>
  parseManifest({
    version: 1,
    name: 't',
    classes: 2,
    input: { size: [4, 4], channels: 1, layout: 'NHWC' },
    output: 'logits',
    ensemble,
    ...extra,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-pred-'));
  const halfImage = (leftDark: boolean) =>
    Array.from({ length: 16 * 16 }, (_, i) => (i % 16 < 8 === leftDark ? 0 : 255));
  const kinds = [true, false, true, true, false];
  images = await Promise.all(
    kinds.map(async (leftDark, i) => {
      const file = join(dir, `${i}.png`);
      await sharp(Buffer.from(halfImage(leftDark)), { raw: { width: 16, height: 16, channels: 1 } })
        .png()
        .toFile(file);
      return file;
    }),
  );
  big = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(async (i) => {
      const file = join(dir, `big${i}.png`);
      await sharp({
        create: {
          width: 1024,
          height: 1024,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .png({ compressionLevel: 1 })
        .toFile(file);
      return file;
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('predictBundle with stand-in models', () => {
  it('feeds every leaf its own spec, shares tensors between equal specs and votes the tree', async () => {
    const a = fake([4, 4, 1], halves(4));
    const a2 = fake([4, 4, 1], halves(4), 'cpu');
    // NCHW, 3 channels, 2×2: every channel plane's halves; a plain mean pair so the class follows the image.
    const b = fake([3, 2, 2], (img) => halves(2)(img.subarray(0, 4)));
    const models: Record<string, LoadedModel> = { 'a.onnx': a.model, 'a2.onnx': a2.model, 'b.onnx': b.model };
    const manifest = manifestOf({
      vote: 'hard',
      members: [
        { vote: 'soft', members: [{ model: 'a.onnx' }, { model: 'a2.onnx' }] },
        { model: 'b.onnx', weight: 2, input: { size: [2, 2], channels: 3, layout: 'NCHW' } },
      ],
    });
    const progress: [number, number][] = [];
    const p = await predictBundle({ dir, manifest }, images, {
      batchSize: 3,
      loader: async (_dir, path) => models[path],
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [3, 5],
      [5, 5],
    ]);
    // Left-dark images are brighter on the right: class 1; the others class 0.
    expect([...p.predictions]).toEqual([1, 0, 1, 1, 0]);
    expect(p.members.map((m) => [m.id, m.model])).toEqual([
      ['root', 'hard vote of 2'],
      ['0', 'soft vote of 2'],
      ['0.0', 'a.onnx'],
      ['0.1', 'a2.onnx'],
      ['1', 'b.onnx'],
    ]);
    for (const m of p.members) expect([...m.predictions]).toEqual([1, 0, 1, 1, 0]);
    // Hard root: every member agrees, so the normalised counts are one-hot.
    expect([...p.scores.subarray(0, 4)]).toEqual([0, 1, 1, 0]);
    expect(a.calls.map((t) => t.dims)).toEqual([
      [3, 4, 4, 1],
      [2, 4, 4, 1],
    ]);
    expect(a.calls[0]).toBe(a2.calls[0]); // one decode per spec: the same tensor object
    expect(b.calls.map((t) => t.dims)).toEqual([
      [3, 3, 2, 2],
      [2, 3, 2, 2],
    ]);
    expect(p.runtime).toEqual([{ runtime: 'onnxruntime', backend: 'cpu', version: 'test' }]);
    expect(p.imagesPerSecond).toBeGreaterThan(0);
    expect(a.disposed() + a2.disposed() + b.disposed()).toBe(3);
  });

  it('averages TTA views per model (softmax first) before voting', async () => {
    // At the images' own size nothing is resampled: halves are exactly 0 and 1.
    const full = { size: [16, 16], channels: 1, layout: 'NHWC' };
    const a = fake([16, 16, 1], halves(16));
    const plain = await predictBundle(
      { dir, manifest: manifestOf({ model: 'a.onnx' }, { input: full }) },
      images.slice(0, 2),
      {
        loader: async () => a.model,
      },
    );
    expect(plain.scores[0]).toBeCloseTo(softmax2(0, 10)[0], 5);
    const tta = await predictBundle(
      { dir, manifest: manifestOf({ model: 'a.onnx' }, { input: full, tta: ['hflip', 'vflip'] }) },
      images.slice(0, 2),
      { loader: async () => a.model },
    );
    // Views: as is (0, 10), mirrored (10, 0), upside down (0, 10): mean of their softmaxes.
    const expected = (2 * softmax2(0, 10)[0] + softmax2(10, 0)[0]) / 3;
    expect(tta.scores[0]).toBeCloseTo(expected, 5);
    expect(tta.scores[2]).toBeCloseTo(1 - expected, 5);
    expect(a.calls.length).toBe(1 + 3);
  });

  it('refuses NaN and wrong-shaped outputs naming the model, and disposes what it loaded', async () => {
    const nan = fake([4, 4, 1], () => [0, Number.NaN]);
    const err = await predictBundle({ dir, manifest: manifestOf({ model: 'nan.onnx' }) }, images, {
      loader: async () => nan.model,
    }).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'model_output')).toBe(true);
    expect((err as Error).message).toMatch(/model nan\.onnx returned NaN/);
    expect(nan.disposed()).toBe(1);

    const wide = fake([4, 4, 1], () => [0, 1, 2]);
    const shapeErr = await predictBundle({ dir, manifest: manifestOf({ model: 'wide.onnx' }) }, images, {
      loader: async () => wide.model,
    }).catch((e: unknown) => e);
    expect(isSketchboardError(shapeErr, 'model_output')).toBe(true);
    expect((shapeErr as Error).message).toMatch(/model wide\.onnx returned output \[5, 3\].*\[5, 2\]/);
  });

  it('refuses at load a model whose input dims do not fit its spec', async () => {
    const ok = fake([4, 4, 1], halves(4));
    const wrong = fake([3, 4, 4], halves(4));
    const models: Record<string, LoadedModel> = { 'ok.onnx': ok.model, 'wrong.onnx': wrong.model };
    const manifest = manifestOf({ vote: 'soft', members: [{ model: 'ok.onnx' }, { model: 'wrong.onnx' }] });
    const err = await predictBundle({ dir, manifest }, images, { loader: async (_d, p) => models[p] }).catch(
      (e: unknown) => e,
    );
    expect(isSketchboardError(err, 'invalid_model')).toBe(true);
    expect((err as Error).message).toMatch(/wrong\.onnx takes input \[\?, 3, 4, 4\].*\[\?, 4, 4, 1\]/);
    expect(ok.disposed() + wrong.disposed()).toBe(2);
  });

  it('decodes the next batch while the current one runs', async () => {
    const pending: number[] = [];
    const a = fake([64, 64, 1], (img) => {
      const { queue, process } = sharp.counters();
      pending.push(queue + process);
      return [mean(img), 0];
    });
    await predictBundle(
      {
        dir,
        manifest: manifestOf({ model: 'a.onnx' }, { input: { size: [64, 64], channels: 1, layout: 'NHWC' } }),
      },
      big,
      {
        batchSize: 3,
        loader: async () => a.model,
      },
    );
    // First image of batch 1: batch 2's decodes are in sharp's queue; during the last batch nothing is.
    expect(pending[0]).toBeGreaterThan(0);
    expect(pending[5]).toBe(0);
  });

  it('returns empty results for no images', async () => {
    const a = fake([4, 4, 1], halves(4));
    const p = await predictBundle({ dir, manifest: manifestOf({ model: 'a.onnx' }) }, [], {
      loader: async () => a.model,
    });
    expect(p.predictions.length).toBe(0);
    expect(p.members[0].id).toBe('root');
  });
});

describe('inferLeaves and voteLeaves (what a prediction cache builds on)', () => {
  const tree = () =>
    manifestOf({
      vote: 'soft',
      members: [
        { model: 'a.onnx' },
        { model: 'b.onnx', input: { size: [2, 2], channels: 3, layout: 'NCHW' } },
      ],
    });

  it("infers only the leaves asked for, loading only their models, and votes tables to predictBundle's verdict", async () => {
    const a = fake([4, 4, 1], halves(4));
    const b = fake([3, 2, 2], (img) => halves(2)(img.subarray(0, 4)));
    const byPath: Record<string, LoadedModel> = { 'a.onnx': a.model, 'b.onnx': b.model };
    const manifest = tree();
    const whole = await predictBundle({ dir, manifest }, images, { loader: async (_d, p) => byPath[p] });
    expect([...whole.tables.keys()]).toEqual(['0', '1']);
    for (const t of whole.tables.values()) expect(t).toHaveLength(images.length * 2);

    const loaded: string[] = [];
    const models = await loadBundleModels(
      { dir, manifest },
      {
        only: new Set(['1']),
        loader: async (_d, p) => {
          loaded.push(p);
          return byPath[p];
        },
      },
    );
    expect(loaded).toEqual(['b.onnx']);
    const callsBefore = a.calls.length;
    const part = await inferLeaves(manifest, models, images, { only: new Set(['1']) });
    expect([...part.keys()]).toEqual(['1']);
    expect(a.calls.length).toBe(callsBefore);
    expect([...part.get('1')!]).toEqual([...whole.tables.get('1')!]);

    // The other leaf's table from elsewhere (a cache): the vote equals the whole prediction.
    const voted = voteLeaves(manifest, new Map([['0', whole.tables.get('0')!], ...part]), images.length);
    expect([...voted.predictions]).toEqual([...whole.predictions]);
    expect([...voted.scores]).toEqual([...whole.scores]);
    expect(voted.members.map((m) => m.id)).toEqual(['root', '0', '1']);
  });

  it('refuses to vote when a leaf table is missing or mis-sized', () => {
    const manifest = tree();
    const ok = new Float32Array(images.length * 2).fill(0.5);
    expect(() => voteLeaves(manifest, new Map([['0', ok]]), images.length)).toThrow(
      /leaf 1 \(b\.onnx\) has no scores/,
    );
    expect(() =>
      voteLeaves(
        manifest,
        new Map([
          ['0', ok],
          ['1', ok.subarray(2)],
        ]),
        images.length,
      ),
    ).toThrow(/leaf 1 \(b\.onnx\) has 8 scores, expected 5×2/);
  });
});

describe('checkBundleModels with stand-in models', () => {
  it('runs a dummy batch per distinct spec and reports each model', async () => {
    const a = fake([4, 4, 1], halves(4));
    const manifest = manifestOf({
      vote: 'soft',
      members: [{ model: 'a.onnx' }, { model: 'a.onnx', input: { resize: 'letterbox' } }],
    });
    const report = await checkBundleModels({ dir, manifest }, { loader: async () => a.model });
    expect(report.map((r) => [r.model, r.inputs.length])).toEqual([['a.onnx', 2]]);
    expect(a.calls.map((t) => t.dims)).toEqual([
      [2, 4, 4, 1],
      [2, 4, 4, 1],
    ]);
    expect(a.disposed()).toBe(1);
  });

  it('refuses a wrong-shaped output as invalid_model', async () => {
    const a = fake([4, 4, 1], () => [1, 2, 3]);
    const err = await checkBundleModels(
      { dir, manifest: manifestOf({ model: 'a.onnx' }) },
      { loader: async () => a.model },
    ).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'invalid_model')).toBe(true);
    expect((err as Error).message).toContain('model a.onnx');
  });
});
