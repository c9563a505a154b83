// The predictor over generated sketches with real tiny models: TF.js and ONNX leaves, per-leaf inputs, refusals.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InputSpec, inputSpec, parseManifest } from '../../core/bundle/manifest.js';
import { openBundleDir } from '../../core/bundle/open.js';
import type { TestItem } from '../../core/data/layout.js';
import { isSketchboardError } from '../../core/errors.js';
import { checkBundleModels } from '../../core/predict/models.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { flipTensor, preprocessBatch } from '../../core/predict/preprocess.js';
import { softmax, voteTree } from '../../core/predict/vote.js';
import { runTf, sketchSet, tinyNet, writeManifest, writeOnnx, writeTfjs } from './fixtures.js';

const CLASSES = 3;
let root: string;
let items: TestItem[];
let images: string[];

const gray = inputSpec({ size: [16, 16], channels: 1, layout: 'NHWC', mean: [1], std: [0.5] });
// Letterbox equals stretch on these square images; the other mean/std is what changes this leaf's answers.
const boxed: InputSpec = { ...gray, resize: 'letterbox', mean: [0.7], std: [0.3] };
const rgb = inputSpec({
  size: [24, 24],
  channels: 3,
  layout: 'NHWC',
  resize: 'letterbox',
  mean: [1, 0.9, 0.8],
  std: [0.2, 0.25, 0.3],
});
const ensemble = {
  vote: 'hard',
  members: [
    { vote: 'soft', members: [{ model: 'cnn/model.json' }, { model: 'a.onnx' }] },
    {
      model: 'b.onnx',
      input: { size: [24, 24], channels: 3, resize: 'letterbox', mean: rgb.mean, std: rgb.std },
    },
    { model: 'a.onnx', weight: 1.5, input: { resize: 'letterbox', mean: boxed.mean, std: boxed.std } },
  ],
};

/** TTA-averaged probabilities of a TF.js model on a spec: the reference for one leaf. */
async function reference(model: LayersModel, spec: InputSpec) {
  const [t] = (await preprocessBatch(images, [spec])).values();
  const views = [t, flipTensor(t, spec.layout, 'hflip')];
  const probs = await Promise.all(
    views.map(
      async (v) => softmax({ rows: images.length, classes: CLASSES, data: await runTf(model, v) }).data,
    ),
  );
  return { rows: images.length, classes: CLASSES, data: probs[0].map((p, i) => (p + probs[1][i]) / 2) };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sb-real-'));
  items = await sketchSet(path.join(root, 'data'), CLASSES, 3, 32);
  images = items.map((i) => i.imagePath);
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('predictBundle with real models', () => {
  it('votes TF.js and ONNX members with their own input sizes, matching TF.js run directly', async () => {
    const dir = path.join(root, 'bundle');
    const a = await tinyNet({ h: 16, w: 16, c: 1, classes: CLASSES, seed: 1 });
    const b = await tinyNet({ h: 24, w: 24, c: 3, classes: CLASSES, seed: 5 });
    const [pa, pb, pboxed] = [await reference(a, gray), await reference(b, rgb), await reference(a, boxed)];
    const expected = voteTree({
      id: 'root',
      weight: 1,
      vote: 'hard',
      members: [
        {
          id: '0',
          weight: 1,
          vote: 'soft',
          members: [
            { id: '0.0', weight: 1, probabilities: pa },
            { id: '0.1', weight: 1, probabilities: pa },
          ],
        },
        { id: '1', weight: 1, probabilities: pb },
        { id: '2', weight: 1.5, probabilities: pboxed },
      ],
    });
    await writeOnnx(a, dir, 'a.onnx');
    await writeOnnx(b, dir, 'b.onnx');
    await writeTfjs(a, dir, 'cnn/model.json');
    b.dispose();
    const manifest = {
      version: 1,
      name: 'mixed',
      classes: CLASSES,
      input: gray,
      output: 'logits',
      tta: ['hflip'],
      ensemble,
    };
    await writeManifest(dir, manifest);
    const bundle = await openBundleDir(dir);

    const p = await predictBundle(bundle, images, { batchSize: 4 });
    expect(p.members.map((m) => m.id)).toEqual(['root', '0', '0.0', '0.1', '1', '2']);
    expect([...p.predictions]).toEqual([...expected.root.decisions]);
    for (const m of p.members)
      expect([...m.predictions], m.id).toEqual([...expected.byId.get(m.id)!.decisions]);
    p.scores.forEach((s, i) => {
      expect(Math.abs(s - expected.root.scores.data[i])).toBeLessThan(1e-4);
    });
    expect(p.runtime.map((r) => r.runtime).sort()).toEqual(['onnxruntime', 'tfjs']);

    // The same result in one batch, and the upload-time check passes.
    const once = await predictBundle(bundle, images, { batchSize: 64 });
    expect([...once.predictions]).toEqual([...p.predictions]);
    const report = await checkBundleModels(bundle);
    expect(report.map((r) => [r.model, r.format, r.inputs.length])).toEqual([
      ['cnn/model.json', 'tfjs', 1],
      ['a.onnx', 'onnx', 2],
      ['b.onnx', 'onnx', 1],
    ]);
  });

  it('refuses NaN output (ONNX) and a wrong output width (TF.js), naming the model', async () => {
    const dir = path.join(root, 'bad');
    await writeOnnx(
      await tinyNet({ h: 16, w: 16, c: 1, classes: CLASSES, seed: 2, nanBias: true }),
      dir,
      'nan.onnx',
    );
    await writeTfjs(
      await tinyNet({ h: 16, w: 16, c: 1, classes: CLASSES + 1, seed: 3 }),
      dir,
      'wide/model.json',
    );
    const manifestWith = (model: string) =>
      parseManifest({
        version: 1,
        name: 'bad',
        classes: CLASSES,
        input: gray,
        output: 'logits',
        ensemble: { model },
      });

    const nan = await predictBundle({ dir, manifest: manifestWith('nan.onnx') }, images).catch(
      (e: unknown) => e,
    );
    expect(isSketchboardError(nan, 'model_output')).toBe(true);
    expect((nan as Error).message).toMatch(/model nan\.onnx returned NaN/);

    const wide = await predictBundle({ dir, manifest: manifestWith('wide/model.json') }, images).catch(
      (e: unknown) => e,
    );
    expect(isSketchboardError(wide, 'model_output')).toBe(true);
    expect((wide as Error).message).toContain(
      `model wide/model.json returned output [9, 4] for a batch of 9`,
    );

    const atUpload = await checkBundleModels({ dir, manifest: manifestWith('nan.onnx') }).catch(
      (e: unknown) => e,
    );
    expect(isSketchboardError(atUpload, 'invalid_model')).toBe(true);
  });
});
