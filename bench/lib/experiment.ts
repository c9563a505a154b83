// The "shown, not claimed" experiments: fold ensembles vs single folds, flip augmentation on flipped test images, heads.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutBeforeClassifier } from '../../core/backends/onnx-graph/cut.js';
import { decodeOnnx, encodeOnnx } from '../../core/backends/onnx-proto.js';
import { loadCompetitionDir } from '../../core/data/competition.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { SketchboardError } from '../../core/errors.js';
import { exportFold } from '../../core/train/fold-export.js';
import { readTransforms, type TestGroup, TRANSFORM_GROUPS } from '../../core/train/report.js';
import { ensembleAccuracy, predictRunFolds } from '../../core/train/run-predict.js';

/** Sizes of one experiment set-up. */
export type ExperimentScale = {
  classes: number;
  trainPerClass: number;
  testPerClass: number;
  /** Share of test images flipped and/or rotated by the generator. */
  testTransformShare: number;
  /** Side of the generated images, and of the CNN input they are resized to. */
  imageSize: number;
  inputSize: number;
  folds: number;
  epochs: number;
  headEpochs: number;
  width: number;
  parallel: number;
  seed: number;
};

/** The full set-up: 50 classes, 30 train images each, 20% of test images flipped or rotated. */
export const FULL_SCALE: ExperimentScale = {
  classes: 50,
  trainPerClass: 30,
  testPerClass: 20,
  testTransformShare: 0.2,
  imageSize: 64,
  inputSize: 32,
  folds: 5,
  epochs: 15,
  headEpochs: 30,
  width: 16,
  parallel: 2,
  seed: 1,
};

/** `--quick`: the same pipeline on a set a few minutes can train. */
export const QUICK_SCALE: ExperimentScale = {
  ...FULL_SCALE,
  classes: 12,
  trainPerClass: 24,
  testPerClass: 20,
  epochs: 12,
};

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cli', 'bin.mjs');

/**
 * Runs `sketchboard train ARGS` in a child process (as a participant would), its output appended to
 * `logFile`. Rejects with the log's tail when it fails.
 *
 * @example
 * await trainCli(['--data', 'd', '--out', 'runs/a', '--folds', '5', '--parallel', '2'], 'runs/a.log');
 */
export async function trainCli(args: string[], logFile: string): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const tail: string[] = [];
  const problems: string[] = [];
  const child = spawn(process.execPath, [BIN, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    const lines = chunk.toString().split('\n').filter(Boolean);
    tail.push(...lines);
    problems.push(...lines.filter((l) => /error|failed|exception/i.test(l)).slice(0, 20 - problems.length));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('close', (c) => resolve(c ?? 1));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) {
    const lines = [...problems, '...', ...tail.filter((l) => !problems.includes(l))].join('\n');
    throw new SketchboardError(
      'internal',
      `sketchboard train ${args.join(' ')} failed (log: ${logFile}):\n${lines}`,
    );
  }
}

/** Test accuracy of a run's folds and their votes, on all test images and per transform group (by name). */
export type RunEvaluation = Map<string, TestGroup>;

/**
 * Predicts the test set with every fold of a run (the ONNX models pack exports) and scores single
 * folds, the soft vote and the hard vote on all images and on each TRANSFORM_GROUPS subset.
 *
 * @example
 * const ev = await evaluateRun('runs/a', 'data'); ev.get('all test images')!.soft.accuracy;
 */
export async function evaluateRun(runDir: string, dataDir: string): Promise<RunEvaluation> {
  const comp = await loadCompetitionDir(dataDir, { labels: true });
  const targets = comp.labels!.map((l) => l.target);
  const pred = await predictRunFolds(
    runDir,
    comp.test.map((t) => t.imagePath),
  );
  const transforms = await readTransforms(
    dataDir,
    comp.test.map((t) => t.id),
  );
  const out: RunEvaluation = new Map();
  const add = (name: string, rows?: number[]) => {
    const { softPredictions: _s, hardPredictions: _h, ...acc } = ensembleAccuracy(pred, targets, rows);
    out.set(name, { name, images: rows?.length ?? targets.length, ...acc });
  };
  add('all test images');
  for (const [name, keep] of TRANSFORM_GROUPS) {
    if (transforms)
      add(
        name,
        transforms.flatMap((t, i) => (keep(t) ? [i] : [])),
      );
  }
  return out;
}

/** The vertically-flipped test group's name in a RunEvaluation. */
export const VFLIP_GROUP = TRANSFORM_GROUPS[2][0];

/**
 * A feature backbone from a trained CNN run: fold `fold`'s exported ONNX cut before its classifier (the
 * global-average-pooled features). Returns the feature size.
 *
 * @example
 * const d = await backboneFromRun('runs/cnn', 0, 'work/backbone.onnx'); // 64 for width 16
 */
export async function backboneFromRun(runDir: string, fold: number, file: string): Promise<number> {
  const bytes = await exportFold(runDir, fold, null, `${path.basename(runDir)}-fold${fold}`);
  const { model, featureDim } = cutBeforeClassifier(decodeOnnx(bytes, `${runDir} fold ${fold}`));
  await writeFile(file, encodeOnnx(model));
  return featureDim;
}

/** Generates the experiment's data set (test_meta.csv records each test image's transform). */
export async function generateExperimentData(dir: string, s: ExperimentScale): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  await generateSketchDataset({
    out: dir,
    classes: s.classes,
    trainPerClass: s.trainPerClass,
    testPerClass: s.testPerClass,
    testTransformShare: s.testTransformShare,
    size: s.imageSize,
    seed: s.seed,
  });
}

/** `sketchboard train` flags of a CNN run at this scale with a curriculum preset. */
export function cnnArgs(s: ExperimentScale, data: string, out: string, curriculum: string): string[] {
  return [
    ...['--data', data, '--out', out, '--folds', String(s.folds), '--epochs', String(s.epochs)],
    ...['--size', String(s.inputSize), '--width', String(s.width), '--seed', String(s.seed)],
    ...['--curriculum', curriculum, '--parallel', String(s.parallel)],
  ];
}
