// Per-epoch bookkeeping of the fold trainer: validation pass, the progress line, and history.csv rows.
import path from 'node:path';
import { crossEntropyRow } from '../backends/train/targets.js';
import type { Tensor } from '../backends/types.js';
import { readCsv } from '../data/csv.js';
import { SketchboardError } from '../errors.js';

/** One epoch of history.csv. */
export type EpochRow = {
  epoch: number;
  stage: string;
  lr: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  /** Training seconds of the fold so far, this epoch included. */
  seconds: number;
};

export const HISTORY_COLUMNS = [
  'epoch',
  'stage',
  'lr',
  'train_loss',
  'train_acc',
  'val_loss',
  'val_acc',
  'seconds',
] as const;

/** What validation needs of a learner: class probabilities of a batch. */
export type Predictor = { predict(x: Tensor): Float32Array };

/** Validation result: mean cross-entropy and accuracy, and the probabilities in `indices` order. */
export type Validation = { loss: number; acc: number; indices: number[]; probabilities: Float32Array };

/**
 * Runs validation batches through the model (inference mode) and scores them against their targets.
 *
 * @example
 * const val = evaluate(learner, [{ idx: [3, 8], x }], targets, 10); // val.acc, val.loss
 */
export function evaluate(
  model: Predictor,
  batches: readonly { idx: number[]; x: Tensor }[],
  targets: readonly number[],
  classes: number,
): Validation {
  const indices = batches.flatMap((b) => b.idx);
  const probabilities = new Float32Array(indices.length * classes);
  const onehot = new Float32Array(classes);
  let loss = 0;
  let correct = 0;
  let row = 0;
  for (const batch of batches) {
    const probs = model.predict(batch.x);
    probabilities.set(probs, row * classes);
    batch.idx.forEach((item, k) => {
      const p = probs.subarray(k * classes, (k + 1) * classes);
      onehot.fill(0);
      onehot[targets[item]] = 1;
      loss += crossEntropyRow(p, onehot);
      let arg = 0;
      for (let c = 1; c < classes; c++) if (p[c] > p[arg]) arg = c;
      if (arg === targets[item]) correct++;
    });
    row += batch.idx.length;
  }
  const n = Math.max(indices.length, 1);
  return { loss: loss / n, acc: correct / n, indices, probabilities };
}

/**
 * Seconds as `12.3s`, `1m40s` or `2h05m`.
 *
 * @example
 * formatDuration(100); // '1m40s'
 */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The progress line of one epoch; fold and epoch are shown 1-based.
 *
 * @example
 * formatEpochLine(row, { fold: 1, folds: 5, epochs: 20, perEpoch: 12.3 });
 * // 'fold 2/5 epoch 7/20 train loss 1.234 acc 0.567 | val loss 1.345 acc 0.512 | lr 0.00050 | 12.3s, ETA 2m43s'
 */
export function formatEpochLine(
  row: EpochRow,
  at: { fold: number; folds: number; epochs: number; perEpoch: number },
): string {
  const eta = formatDuration(at.perEpoch * (at.epochs - row.epoch - 1));
  return (
    `fold ${at.fold + 1}/${at.folds} epoch ${row.epoch + 1}/${at.epochs} ` +
    `train loss ${row.trainLoss.toFixed(3)} acc ${row.trainAcc.toFixed(3)} | ` +
    `val loss ${row.valLoss.toFixed(3)} acc ${row.valAcc.toFixed(3)} | ` +
    `lr ${row.lr.toPrecision(2)} | ${formatDuration(row.seconds)}, ETA ${eta}`
  );
}

/** Reads a fold's history.csv (empty when there is none). */
export async function readHistory(foldDir: string): Promise<EpochRow[]> {
  const file = path.join(foldDir, 'history.csv');
  try {
    const { rows } = await readCsv(file, { required: HISTORY_COLUMNS });
    return rows.map(({ values: v }) => ({
      epoch: Number(v.epoch),
      stage: v.stage,
      lr: Number(v.lr),
      trainLoss: Number(v.train_loss),
      trainAcc: Number(v.train_acc),
      valLoss: Number(v.val_loss),
      valAcc: Number(v.val_acc),
      seconds: Number(v.seconds),
    }));
  } catch (err) {
    if (err instanceof SketchboardError && /file not found/.test(err.message)) return [];
    throw err;
  }
}
