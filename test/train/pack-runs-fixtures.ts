// Fabricated run folders in the run.ts format (untrained but real networks, real checkpoints) for pack and report tests.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { IMAGENET_NORM, inputSpec } from '../../core/bundle/manifest.js';
import { loadTrainSet } from '../../core/data/layout.js';
import { writeCheckpoint } from '../../core/train/checkpoint.js';
import { trainConfigSchema } from '../../core/train/config-file.js';
import { writeFolds } from '../../core/train/folds.js';
import { buildNetwork } from '../../core/train/networks.js';
import { foldDir, type RunModel, writeRunInfo } from '../../core/train/run.js';
import { seededRandom } from '../export/helpers.js';
import { convGapBackbone } from './merge-fixtures.js';

export const CLASS_NAMES = ['apple', 'bee', 'car', 'duck'];

export const CNN_INPUT = inputSpec({ size: [16, 16], channels: 1, layout: 'NHWC' });

/** A backbone as the head runs get it: NHWC 12×12×3 with ImageNet mean/std → conv → GAP → [N, 16]. */
export const HEAD_INPUT = inputSpec({
  size: [12, 12],
  channels: 3,
  layout: 'NHWC',
  resize: 'letterbox',
  ...IMAGENET_NORM,
});

/** A small conv → GAP backbone as a TF.js model (also used to compute expected features in tests). */
export function backboneModel(seed = 5): tf.LayersModel {
  return convGapBackbone({ shape: [12, 12, 3], filters: 16, convName: 'conv', seed });
}

export type FakeRunOptions = {
  kind: 'cnn' | 'head';
  /** Folds of the run (run.json). */
  folds?: number;
  /** Folds that get a best checkpoint; default all. */
  trained?: number[];
  /** Folds without done.json. */
  unfinished?: number[];
  classNames?: string[];
  seed?: number;
  head?: 'linear' | 'mlp3';
  /** A competition folder whose train.csv gives the items and classes (default: 8 made-up items per class). */
  data?: string;
};

/**
 * Writes a run folder as `sketchboard train` would: run.json, folds.csv (item i in fold i mod folds), and
 * for each trained fold a best checkpoint of an untrained network seeded per fold, plus done.json.
 */
export async function fakeRun(dir: string, opts: FakeRunOptions): Promise<RunModel> {
  const folds = opts.folds ?? 3;
  const train = opts.data ? await loadTrainSet(opts.data) : null;
  const classNames = train?.classNames ?? opts.classNames ?? CLASS_NAMES;
  const seed = opts.seed ?? 1;
  await mkdir(dir, { recursive: true });
  let model: RunModel;
  if (opts.kind === 'cnn') {
    model = {
      kind: 'cnn',
      input: CNN_INPUT,
      output: 'logits',
      classes: classNames.length,
      cnn: { arch: 'resnet', width: 4, depth: 1 },
    };
  } else {
    const backbone = backboneModel();
    const bytes = exportLayersModel(backbone);
    backbone.dispose();
    await writeFile(path.join(dir, 'backbone.onnx'), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    model = {
      kind: 'head',
      input: HEAD_INPUT,
      output: 'logits',
      classes: classNames.length,
      head: opts.head ?? 'mlp3',
      backbone: { file: 'backbone.onnx', sha256, featureDim: 16 },
    };
  }
  const config = trainConfigSchema.parse({ folds, model: opts.kind, seed });
  const items =
    train?.items ??
    classNames.flatMap((name, target) =>
      Array.from({ length: 8 }, (_, k) => ({ relPath: `${name}/${k}.png`, target, className: name })),
    );
  await writeFolds(
    dir,
    items,
    items.map((_, i) => i % folds),
  );
  await writeRunInfo(dir, {
    formatVersion: 1,
    createdAt: new Date(0).toISOString(),
    config,
    dataDir: opts.data ? path.resolve(opts.data) : '/nonexistent',
    classNames,
    items: items.length,
    folds,
    seed,
    model,
  });
  for (const fold of opts.trained ?? [...Array(folds).keys()]) {
    const net = await buildNetwork(model, seed * 100 + fold);
    const fdir = foldDir(dir, fold);
    await mkdir(fdir, { recursive: true });
    const metric = { name: 'val_acc' as const, value: 0.5, valLoss: 1 };
    await writeCheckpoint(fdir, { kind: 'best', fold, epoch: 0, metric, config }, net.getWeights());
    net.dispose();
    if (!opts.unfinished?.includes(fold)) {
      const done = {
        fold,
        epochs: 1,
        bestEpoch: 0,
        bestValAcc: 0.5,
        seconds: 1,
        backend: 'cpu',
        samplesPerSecond: 1,
      };
      await writeFile(path.join(fdir, 'done.json'), JSON.stringify(done));
    }
  }
  return model;
}

/** `n` random RGB PNG images (noise over a few strokes) of `size` px in `dir`; returns their paths. */
export async function randomImages(dir: string, n: number, size = 20, seed = 1): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const rand = seededRandom(seed);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const raw = Buffer.from(Array.from({ length: size * size * 3 }, () => Math.floor(rand() * 256)));
    const file = path.join(dir, `img${i}.png`);
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
