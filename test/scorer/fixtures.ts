// Scorer test fixtures: a tiny generated sketch set and real ONNX bundles (good, NaN, memory-hungry) packed from tf models.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { packBundle } from '../../core/bundle/pack.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { loadTestLabels } from '../../core/data/layout.js';
import { seededRandom } from '../export/helpers.js';

/** Classes and images of the shared tiny set: 4 × 12 = 48 test images of 32 px. */
export const CLASSES = 4;
export const TEST_PER_CLASS = 12;
export const IMAGE_SIZE = 32;

/** A generated competition folder and its test items (labels included: the test is the host). */
export type SketchSet = {
  dir: string;
  testDir: string;
  items: { id: string; imagePath: string; label: number }[];
};

/** Generate the tiny sketch set under `root`. */
export async function makeSketchSet(root: string, seed = 7): Promise<SketchSet> {
  const dir = join(root, 'data');
  await generateSketchDataset({
    out: dir,
    classes: CLASSES,
    trainPerClass: 1,
    testPerClass: TEST_PER_CLASS,
    seed,
    size: IMAGE_SIZE,
  });
  const labels = await loadTestLabels(join(dir, 'test_labels.csv'));
  const items = labels.map((l) => ({ id: l.id, imagePath: l.relPath, label: l.target }));
  return { dir, testDir: join(dir, 'test'), items };
}

/** Replace every weight with seeded values in [-1, 1) (a bias of NaN when `nan`). */
function setWeights(model: tf.LayersModel, seed: number, nan: boolean): void {
  const rand = seededRandom(seed);
  for (const layer of model.layers) {
    const tensors = layer.weights.map((w) => {
      const shape = w.read().shape;
      const n = shape.reduce((a, b) => a * b, 1);
      const poison = nan && w.originalName.endsWith('bias') && shape.length === 1;
      return tf.tensor(
        Float32Array.from({ length: n }, () => (poison ? Number.NaN : rand() * 2 - 1)),
        shape,
      );
    });
    layer.setWeights(tensors);
    for (const t of tensors) t.dispose();
  }
}

/** Model kinds: a small conv net, one whose output is NaN, one with a huge 1×1-conv intermediate. */
export type ModelKind = 'good' | 'nan' | 'huge';

/** ONNX bytes of a tiny NHWC classifier over IMAGE_SIZE px RGB. */
export async function onnxModel(kind: ModelKind, seed = 1): Promise<Uint8Array> {
  await tf.setBackend('cpu');
  const model = tf.sequential();
  // 'huge': a 1×1 conv to 65536 channels: 256 MB of float32 activations per image from 1 MB of weights.
  const filters = kind === 'huge' ? 65536 : 6;
  model.add(
    tf.layers.conv2d({
      inputShape: [IMAGE_SIZE, IMAGE_SIZE, 3],
      filters,
      kernelSize: kind === 'huge' ? 1 : 3,
      activation: 'relu',
    }),
  );
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: CLASSES }));
  setWeights(model, seed, kind === 'nan');
  const bytes = exportLayersModel(model);
  model.dispose();
  return bytes;
}

/** Write a bundle folder (manifest + models) and pack it; returns the zip path. */
export async function makeBundle(
  root: string,
  name: string,
  members: { kind: ModelKind; seed: number }[],
  vote: 'soft' | 'hard' = 'soft',
): Promise<string> {
  const models: Uint8Array[] = [];
  for (const m of members) models.push(await onnxModel(m.kind, m.seed));
  return bundleOf(root, name, models, vote);
}

/** A bundle of the given ONNX model bytes (leaf i = `m<i>.onnx`), e.g. the same models re-voted. */
export async function bundleOf(
  root: string,
  name: string,
  models: Uint8Array[],
  vote: 'soft' | 'hard' = 'soft',
): Promise<string> {
  const dir = await mkdtemp(join(root, `${name}-`));
  await mkdir(dir, { recursive: true });
  const leaves = [];
  for (const [i, bytes] of models.entries()) {
    const file = `m${i}.onnx`;
    await writeFile(join(dir, file), bytes);
    leaves.push({ model: file });
  }
  const manifest = {
    version: 1,
    name,
    classes: CLASSES,
    input: { size: [IMAGE_SIZE, IMAGE_SIZE], channels: 3, layout: 'NHWC', resize: 'stretch' },
    output: 'logits',
    ensemble: { vote, members: leaves },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const out = join(root, `${name}.zip`);
  await packBundle({ manifestPath: join(dir, 'manifest.json'), out });
  return out;
}

/** A fresh temp root for one suite. */
export function tempRoot(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sb-scorer-${prefix}-`));
}
