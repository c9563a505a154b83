// Fixtures for training tests: a tiny generated sketch set, a tiny run config, and a random conv backbone as ONNX.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { getTf } from '../../core/backends/tfjs.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { resolveTrainConfig, type TrainConfig, type TrainConfigInput } from '../../core/train/config-file.js';
import { removeDir, tempDir } from '../data/fixtures.js';

/** Image side of the tiny runs. */
export const SIZE = 24;

/** 3 classes × 6 training images, 24 px: two folds of 9 items each. */
export async function tinyData(out: string): Promise<void> {
  await generateSketchDataset({ out, classes: 3, trainPerClass: 6, testPerClass: 1, seed: 5, size: 32 });
}

/** A suite's temp root with the tiny set in `data` (and, when asked, a backbone at `backbone`); filled by beforeAll. */
export type TinyRoot = { root: string; data: string; backbone: string };

/**
 * Registers the suite's hooks: a temp root `prefix…` with tinyData in `<root>/data` and, with `backbone`, a
 * writeBackbone model at `<root>/backbone.onnx`; removed afterAll. Returns the live handle.
 *
 * @example
 * const t = useTinyRoot('sb-trainer-'); it('...', () => prepareRun({ dataDir: t.data, ... }));
 */
export function useTinyRoot(prefix: string, opts: { backbone?: boolean } = {}): TinyRoot {
  const t: TinyRoot = { root: '', data: '', backbone: '' };
  beforeAll(async () => {
    t.root = await tempDir(prefix);
    t.data = path.join(t.root, 'data');
    await tinyData(t.data);
    if (opts.backbone) {
      t.backbone = path.join(t.root, 'backbone.onnx');
      await writeBackbone(t.backbone);
    }
  });
  afterAll(() => (t.root ? removeDir(t.root) : undefined));
  return t;
}

/** A CNN run small enough for tests: width 4, 24×24, batch 4, step LR, flips from epoch 0. */
export function tinyConfig(over: TrainConfigInput = {}): TrainConfig {
  return resolveTrainConfig({
    folds: 2,
    epochs: 3,
    seed: 3,
    batchSize: 4,
    input: { size: SIZE },
    cnn: { width: 4, depth: 1 },
    optimizer: { kind: 'adamw', lr: 0.01 },
    scheduler: { kind: 'step', stepSize: 1, gamma: 0.7 },
    curriculum: 'flips',
    ...over,
  });
}

/**
 * A random frozen backbone: conv 3x3 (6 filters, ReLU) → global average pool, input [N, 24, 24, 1] NHWC,
 * output [N, 6], exported to ONNX at `file`.
 */
export async function writeBackbone(file: string, seed = 11): Promise<void> {
  await getTf();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIZE, SIZE, 1],
        filters: 6,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
      }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  try {
    await writeFile(file, exportLayersModel(model));
  } finally {
    model.dispose();
  }
}

/** Largest absolute difference of two equally long arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
