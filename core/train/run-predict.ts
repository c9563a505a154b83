// A run's folds predicting images one by one (exported to ONNX as pack does), and their soft/hard votes against labels.
import { openBundleDir } from '../bundle/open.js';
import type { AccuracyStats } from '../metrics/accuracy.js';
import { accuracyStats } from '../metrics/accuracy.js';
import { disposeAll, loadBundleModels } from '../predict/models.js';
import { predictWithModels } from '../predict/predictor.js';
import { hardVote, type NodeResult, resultOf, type ScoreTable, softVote } from '../predict/vote.js';
import { stageRuns } from './pack-runs.js';

/** Each fold's probabilities on the images, in fold order. */
export type FoldPredictions = { folds: number[]; tables: ScoreTable[] };

/**
 * Runs every fold of a run over the images (absolute paths), through the same ONNX models `pack` would
 * put in a bundle (so what is measured is what gets scored), and returns each fold's probabilities.
 *
 * @example
 * const { folds, tables } = await predictRunFolds('runs/cnn', test.map((t) => t.imagePath));
 */
export async function predictRunFolds(
  runDir: string,
  images: string[],
  opts: { batchSize?: number; onProgress?(done: number, total: number): void } = {},
): Promise<FoldPredictions> {
  // One model file per fold (no shared backbone): each leaf's fold number is read from its file name.
  const staged = await stageRuns({ runs: [runDir], vote: 'soft', shareBackbones: false });
  try {
    const bundle = await openBundleDir(staged.dir);
    const { manifest } = bundle;
    const models = await loadBundleModels(bundle, { load: { executionProviders: ['cpu'] } });
    try {
      const root = manifest.ensemble;
      const leaves = 'members' in root ? root.members : [root];
      const tables: ScoreTable[] = [];
      for (const [k, leaf] of leaves.entries()) {
        const one = { ...manifest, ensemble: leaf };
        const p = await predictWithModels(one, models, images, {
          batchSize: opts.batchSize,
          onProgress: (done, total) => opts.onProgress?.(k * total + done, leaves.length * total),
        });
        tables.push({ rows: images.length, classes: manifest.classes, data: p.scores });
      }
      const folds = leaves.map((l) =>
        Number(/fold(\d+)\.onnx$/.exec('model' in l ? l.model : '')?.[1] ?? -1),
      );
      return { folds, tables };
    } finally {
      await disposeAll(models);
    }
  } finally {
    await staged.dispose();
  }
}

/** Accuracies of single folds and of their soft and hard votes on labelled images. */
export type EnsembleAccuracy = {
  folds: { fold: number; stats: AccuracyStats }[];
  /** Mean accuracy of the single folds. */
  meanSingle: number;
  soft: AccuracyStats;
  hard: AccuracyStats;
  /** Decisions of the soft and hard votes, per image. */
  softPredictions: Int32Array;
  hardPredictions: Int32Array;
};

/** Accuracy of a node's decisions against targets, over the rows selected by `rows` (default all). */
function accuracyOf(
  decisions: Int32Array,
  targets: ArrayLike<number>,
  rows?: readonly number[],
): AccuracyStats {
  const idx = rows ?? Array.from({ length: targets.length }, (_, i) => i);
  let correct = 0;
  for (const i of idx) if (decisions[i] === targets[i]) correct++;
  return accuracyStats(correct, idx.length);
}

/**
 * Single-fold accuracies, their mean, and the accuracies of the folds' soft vote (mean probability) and
 * hard vote (majority, ties by summed probability), optionally on a subset of rows (e.g. flipped images).
 * The votes are vote.ts's softVote and hardVote, exactly as a bundle's voting node computes them.
 *
 * @example
 * const acc = ensembleAccuracy(await predictRunFolds(run, paths), labels.map((l) => l.target));
 * acc.soft.accuracy > acc.meanSingle; // the ensemble gain
 */
export function ensembleAccuracy(
  pred: FoldPredictions,
  targets: ArrayLike<number>,
  rows?: readonly number[],
): EnsembleAccuracy {
  const results: NodeResult[] = pred.tables.map((t) => resultOf(t));
  const members = results.map((result) => ({ result, weight: 1 }));
  const soft = softVote(members);
  const hard = hardVote(members);
  const folds = results.map((r, k) => ({
    fold: pred.folds[k],
    stats: accuracyOf(r.decisions, targets, rows),
  }));
  const meanSingle = folds.reduce((s, f) => s + f.stats.accuracy, 0) / Math.max(1, folds.length);
  return {
    folds,
    meanSingle,
    soft: accuracyOf(soft.decisions, targets, rows),
    hard: accuracyOf(hard.decisions, targets, rows),
    softPredictions: soft.decisions,
    hardPredictions: hard.decisions,
  };
}
