// Everything a run needs before its folds train: data, folds.csv, run.json, images in memory, backbone and features.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createCurriculum } from '../augment/index.js';
import { loadTrainSet, type TrainItem } from '../data/layout.js';
import { SketchboardError } from '../errors.js';
import { inputMeanStd, resolveInputSize, type TrainConfig } from './config-file.js';
import {
  type Backbone,
  cachedFeatures,
  describeInput,
  type FeatureResult,
  installBackbone,
  openBackbone,
  readCachedFeatures,
} from './features.js';
import { checkFoldsMatch, readFolds, stratifiedFolds, writeFolds } from './folds.js';
import { type ImageSet, loadImages } from './images.js';
import {
  BACKBONE_FILE,
  RUN_FILE,
  RUN_FORMAT_VERSION,
  type RunInfo,
  type RunModel,
  readRun,
  writeRunInfo,
} from './run.js';

/** A run ready to train folds. Head runs hold features, and images + backbone when augmentation applies. */
export type PreparedRun = {
  runDir: string;
  run: RunInfo;
  items: TrainItem[];
  folds: number[];
  images: ImageSet | null;
  features: FeatureResult | null;
  backbone: Backbone | null;
};

export type PrepareOptions = {
  dataDir: string;
  runDir: string;
  config: TrainConfig;
  /** onnxruntime threads for the backbone. */
  threads?: number;
  /** False: only write the shared files (folds, run.json, features cache), keep no images. Default true. */
  loadData?: boolean;
  /** Status lines (data loaded, features cached, ...). */
  onStatus?: (line: string) => void;
};

/** True when some epoch of the run augments its images. */
export function augments(config: TrainConfig): boolean {
  const curriculum = createCurriculum(config.curriculum);
  for (let e = 0; e < config.epochs; e++) if (!curriculum.transformsAt(e, 0).identity) return true;
  return false;
}

/**
 * Config equality ignoring `epochs` (a resumed run may train longer) and the backbone's path (another
 * machine may keep it elsewhere; installBackbone compares the bytes).
 */
function sameConfig(a: TrainConfig, b: TrainConfig): boolean {
  const key = (c: TrainConfig) => JSON.stringify({ ...c, epochs: 0, backbone: c.backbone === undefined });
  return key(a) === key(b);
}

/** Images whose size decides a CNN's default input side. */
const SIZE_SAMPLE = 32;

/** The largest side among the first training images (as stored; orientation does not change it). */
async function imageSide(paths: readonly string[]): Promise<number> {
  let side = 0;
  for (const p of paths.slice(0, SIZE_SAMPLE)) {
    const meta = await sharp(p)
      .metadata()
      .catch((err: unknown) => {
        throw new SketchboardError('invalid_data', `cannot read image ${p}`, { cause: err });
      });
    side = Math.max(side, meta.width ?? 0, meta.height ?? 0);
  }
  return side;
}

function cnnModel(config: TrainConfig, classes: number): RunModel {
  const { mean, std } = inputMeanStd(config);
  const { channels, resize } = config.input;
  const size = config.input.size as number; // resolveInputSize filled it in
  return {
    kind: 'cnn',
    input: { size: [size, size], channels, layout: 'NHWC', resize, mean, std },
    output: 'logits',
    classes,
    cnn: { arch: 'resnet', ...config.cnn },
  };
}

/**
 * Loads the data, derives the folds (seed + data only) and writes or checks folds.csv and run.json, copies
 * the backbone, decodes the images and computes or reads cached features. A run folder that already holds a
 * run must have the same data, folds and config (epochs aside): folds trained on several machines agree.
 *
 * @example
 * const prepared = await prepareRun({ dataDir: 'data/sketch', runDir: 'runs/a', config });
 */
export async function prepareRun(opts: PrepareOptions): Promise<PreparedRun> {
  const { runDir } = opts;
  const status = opts.onStatus ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  const { items, classNames } = await loadTrainSet(dataDir);
  const config = await resolveInputSize(opts.config, () => imageSide(items.map((i) => i.imagePath)));
  if (classNames.length < 2) throw new SketchboardError('invalid_data', 'training needs at least 2 classes');
  const folds = stratifiedFolds(items, config.folds, config.seed);
  await mkdir(runDir, { recursive: true });
  let existing: RunInfo | null = null;
  try {
    existing = await readRun(runDir);
  } catch (err) {
    if (!(err instanceof SketchboardError && err.code === 'not_found')) throw err;
  }
  if (existing) {
    if (!sameConfig(existing.config, config)) {
      throw new SketchboardError(
        'invalid_argument',
        `${path.join(runDir, RUN_FILE)} holds a run with a different config; use a new --out folder`,
      );
    }
    checkFoldsMatch(await readFolds(runDir), items, folds);
  } else {
    await writeFolds(runDir, items, folds);
  }
  const augmented = augments(config);
  let backbone: Backbone | null = null;
  let model = cnnModel(config, classNames.length);
  if (config.model === 'head') {
    const source = path.resolve(config.backbone as string);
    const sha256 = await installBackbone(runDir, source);
    backbone = await openBackbone(runDir, config, opts.threads);
    status(describeInput(backbone.spec));
    model = {
      kind: 'head',
      input: backbone.spec,
      output: 'logits',
      classes: classNames.length,
      head: config.head,
      backbone: { file: BACKBONE_FILE, sha256, featureDim: backbone.featureDim },
    };
  }
  const run: RunInfo = {
    formatVersion: RUN_FORMAT_VERSION,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    config,
    dataDir,
    classNames,
    items: items.length,
    folds: config.folds,
    seed: config.seed,
    model,
  };
  await writeRunInfo(runDir, run);
  status(
    `data: ${items.length} images, ${classNames.length} classes, ${config.folds} folds (seed ${config.seed})`,
  );
  const paths = items.map((i) => i.imagePath);
  const relPaths = items.map((i) => i.relPath);
  let images: ImageSet | null = null;
  let features: FeatureResult | null = null;
  try {
    if (backbone) {
      // Features first: when they are cached and nothing is augmented, no image needs decoding.
      features = augmented ? null : await readCachedFeatures(runDir, backbone, relPaths);
      if (!features) {
        images = await loadImages(paths, backbone.spec);
        features = await cachedFeatures(runDir, backbone, relPaths, images);
      }
      status(
        `features: ${features.source === 'cache' ? 'read from' : 'computed into'} ${path.relative(runDir, features.file)} (d = ${features.dim})`,
      );
      if (!augmented || opts.loadData === false) {
        await backbone.dispose();
        backbone = null;
        images = null;
      }
    } else if (opts.loadData !== false) {
      images = await loadImages(paths, model.input);
      status(`images: ${items.length} decoded at ${model.input.size.join('x')}x${model.input.channels}`);
    }
  } catch (err) {
    await backbone?.dispose();
    throw err;
  }
  return { runDir, run, items, folds, images, features, backbone };
}
