// The run-folder format written by `sketchboard train` and its readers (for pack, report and resume).
//
// RUN_DIR/
//   run.json        RunInfo: { formatVersion: 1, createdAt, config (the resolved TrainConfig), dataDir
//                   (absolute), classNames, items, folds, seed, model: RunModel }. RunModel = { kind:
//                   'cnn' | 'head', input: InputSpec (layout NHWC for CNNs; for heads the backbone's own
//                   input), output: 'logits', classes, cnn?: { arch: 'resnet', width, depth }, head?:
//                   'linear' | 'mlp3', backbone?: { file: 'backbone.onnx', sha256, featureDim } }.
//   folds.csv       image_path,target,fold — one row per train.csv item, in train.csv order (the "train
//                   index" of an item is its row number here, from 0). Derived from seed + data only.
//   backbone.onnx   head runs: a copy of the frozen backbone; the head's ONNX goes behind it.
//   features/       head runs: cached backbone features, `<key>.json` + `<key>.bin` (see features.ts).
//   fold-<i>/       one folder per fold i (0-based):
//     best.json     CheckpointInfo of the best epoch by validation accuracy: formatVersion, kind, fold,
//                   epoch (0-based), metric { name: 'val_acc', value, valLoss }, config, data (the data
//                   file's name), sha256 of it, weights [{ name, shape, offset, length }] (offsets and
//                   lengths in float32 elements). Data file `best-e<epoch>.bin`: little-endian float32.
//     last.json     the same for the last finished epoch, plus optimizer { kind, step, slots } and
//                   resume { bestEpoch, bestValAcc, bestValLoss, scheduler, seconds }: `--resume` continues from it.
//     oof.json      OofInfo of the best epoch: fold, epoch, classes, indices (train indices of the fold's
//                   validation items) + data file `oof-e<epoch>.bin`: float32 [indices.length, classes].
//     history.csv   epoch,stage,lr,train_loss,train_acc,val_loss,val_acc,seconds — one row per epoch.
//     done.json     written when the fold finished: { fold, epochs, bestEpoch, bestValAcc, seconds,
//                   backend, samplesPerSecond }.
// Every JSON/data pair is committed atomically: the data file is written first (temp + rename), then the
// JSON naming it (temp + rename), then older data files are removed.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { InputSpec } from '../bundle/manifest.js';
import { writeFileAtomic } from '../data/io.js';
import { errorMessage, SketchboardError } from '../errors.js';
import { type Checkpoint, loadCheckpoint, loadFoldOof } from './checkpoint.js';
import type { TrainConfig } from './config-file.js';
import { type FoldRow, readFolds } from './folds.js';

/** Version of run.json; readers refuse other versions. */
export const RUN_FORMAT_VERSION = 1;
export const RUN_FILE = 'run.json';
export const BACKBONE_FILE = 'backbone.onnx';

/** What was trained: enough to rebuild the network and preprocess images for it. */
export type RunModel = {
  kind: 'cnn' | 'head';
  input: InputSpec;
  output: 'logits';
  classes: number;
  cnn?: { arch: 'resnet'; width: number; depth: number };
  head?: 'linear' | 'mlp3';
  backbone?: { file: typeof BACKBONE_FILE; sha256: string; featureDim: number };
};

/** run.json. */
export type RunInfo = {
  formatVersion: number;
  createdAt: string;
  config: TrainConfig;
  dataDir: string;
  classNames: string[];
  items: number;
  folds: number;
  seed: number;
  model: RunModel;
};

/** done.json of a finished fold. */
export type FoldDone = {
  fold: number;
  epochs: number;
  bestEpoch: number;
  bestValAcc: number;
  seconds: number;
  backend: string;
  samplesPerSecond: number;
};

/** A fold with a best checkpoint. `done` is null while the fold is still training (or was stopped). */
export type FoldSummary = {
  fold: number;
  dir: string;
  bestEpoch: number;
  bestValAcc: number;
  done: FoldDone | null;
};

/** The folder of fold `i`. */
export const foldDir = (runDir: string, fold: number) => path.join(runDir, `fold-${fold}`);

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SketchboardError('invalid_data', `${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Writes run.json atomically. */
export async function writeRunInfo(runDir: string, info: RunInfo): Promise<void> {
  await writeFileAtomic(path.join(runDir, RUN_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

/**
 * Reads a run folder's run.json. Throws SketchboardError('not_found') when the folder is not a run.
 *
 * @example
 * const run = await readRun('runs/cnn'); // run.model.input, run.classNames, run.folds
 */
export async function readRun(runDir: string): Promise<RunInfo> {
  const file = path.join(runDir, RUN_FILE);
  const info = await readJson<RunInfo>(file);
  if (!info) throw new SketchboardError('not_found', `${runDir} is not a training run (no ${RUN_FILE})`);
  if (info.formatVersion !== RUN_FORMAT_VERSION) {
    throw new SketchboardError('invalid_data', `${file}: format version ${info.formatVersion}, expected 1`);
  }
  return info;
}

/** Reads a finished fold's done.json, or null. */
export function readFoldDone(runDir: string, fold: number): Promise<FoldDone | null> {
  return readJson<FoldDone>(path.join(foldDir(runDir, fold), 'done.json'));
}

/**
 * The folds of a run that have a best checkpoint, in fold order.
 *
 * @example
 * for (const f of await listFolds('runs/cnn')) console.log(f.fold, f.bestValAcc, f.done !== null);
 */
export async function listFolds(runDir: string): Promise<FoldSummary[]> {
  const run = await readRun(runDir);
  const out: FoldSummary[] = [];
  for (let fold = 0; fold < run.folds; fold++) {
    const dir = foldDir(runDir, fold);
    const best = await readJson<{ epoch: number; metric: { value: number } }>(path.join(dir, 'best.json'));
    if (!best) continue;
    out.push({
      fold,
      dir,
      bestEpoch: best.epoch,
      bestValAcc: best.metric.value,
      done: await readFoldDone(runDir, fold),
    });
  }
  return out;
}

/**
 * Loads fold `fold`'s `best` (default) or `last` checkpoint.
 *
 * @example
 * const { info, weights } = await readCheckpoint('runs/cnn', 2);
 */
export function readCheckpoint(
  runDir: string,
  fold: number,
  kind: 'best' | 'last' = 'best',
): Promise<Checkpoint> {
  return loadCheckpoint(foldDir(runDir, fold), kind);
}

/** Out-of-fold probabilities of a run, aligned to its train items (folds.csv rows). */
export type RunOof = {
  classes: number;
  items: FoldRow[];
  /** [items.length, classes] row-major; rows of items whose fold has no OOF yet are all 0. */
  probabilities: Float32Array;
  /** covered[i]: item i has OOF probabilities. */
  covered: boolean[];
  /** Folds whose OOF was found. */
  folds: number[];
};

/**
 * Reads every fold's OOF probabilities and places them at their train indices.
 *
 * @example
 * const oof = await readOof('runs/cnn');
 * const row = oof.probabilities.subarray(i * oof.classes, (i + 1) * oof.classes); // item i
 */
export async function readOof(runDir: string): Promise<RunOof> {
  const run = await readRun(runDir);
  const items = await readFolds(runDir);
  const classes = run.classNames.length;
  const probabilities = new Float32Array(items.length * classes);
  const covered = new Array<boolean>(items.length).fill(false);
  const folds: number[] = [];
  for (let fold = 0; fold < run.folds; fold++) {
    const dir = foldDir(runDir, fold);
    try {
      await access(path.join(dir, 'oof.json'));
    } catch {
      continue;
    }
    const { info, probabilities: p } = await loadFoldOof(dir);
    info.indices.forEach((idx, r) => {
      if (idx < 0 || idx >= items.length || items[idx].fold !== fold) {
        throw new SketchboardError('invalid_data', `${dir}/oof.json: index ${idx} is not in fold ${fold}`);
      }
      probabilities.set(p.subarray(r * classes, (r + 1) * classes), idx * classes);
      covered[idx] = true;
    });
    folds.push(fold);
  }
  return { classes, items, probabilities, covered, folds };
}
