// Join predictions to labels by ID, refusing missing, extra and duplicate IDs with messages that name them.
import { SketchboardError } from '../errors.js';
import { type Evaluation, scoreAligned } from './accuracy.js';

/** A predicted row (from output.csv or straight from the predictor). */
export type PredictedRow = { id: string; target: number; relPath?: string };
/** A label row (test_labels.csv), with its public/private split when known. */
export type LabelRow = { id: string; target: number; relPath?: string; split?: string };

const SHOW = 5;
const list = (ids: string[]) =>
  `${ids.slice(0, SHOW).join(', ')}${ids.length > SHOW ? ` and ${ids.length - SHOW} more` : ''}`;

/**
 * Score predictions against labels: every label ID must be predicted exactly once, and nothing
 * else. Targets must be non-negative integers; where both rows give an image path they must agree.
 * Throws SketchboardError('invalid_data') naming the offending IDs (`source` names the prediction
 * file in messages).
 *
 * @example
 * const e = scorePredictions(rows, labels); e.overall.accuracy; e.splits.public?.ci;
 */
export function scorePredictions(
  predictions: readonly PredictedRow[],
  labels: readonly LabelRow[],
  source = 'predictions',
): Evaluation {
  const byId = new Map<string, PredictedRow>();
  const duplicates: string[] = [];
  const badTargets: string[] = [];
  for (const p of predictions) {
    if (byId.has(p.id)) duplicates.push(p.id);
    byId.set(p.id, p);
    if (!Number.isInteger(p.target) || p.target < 0) badTargets.push(`${p.id} (${p.target})`);
  }
  if (duplicates.length > 0) {
    throw new SketchboardError('invalid_data', `${source}: duplicate ID(s) ${list(duplicates)}`);
  }
  if (badTargets.length > 0) {
    throw new SketchboardError(
      'invalid_data',
      `${source}: target must be a non-negative integer class index; bad: ${list(badTargets)}`,
    );
  }
  const labelIds = new Set(labels.map((l) => l.id));
  const missing = labels.filter((l) => !byId.has(l.id)).map((l) => l.id);
  const extra = predictions.filter((p) => !labelIds.has(p.id)).map((p) => p.id);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `${missing.length} labelled ID(s) have no prediction: ${list(missing)}` : '',
      extra.length > 0 ? `${extra.length} predicted ID(s) are not in the labels: ${list(extra)}` : '',
    ].filter(Boolean);
    throw new SketchboardError('invalid_data', `${source}: ${parts.join('; ')}`);
  }
  const mismatched: string[] = [];
  const predicted = new Int32Array(labels.length);
  const targets = new Int32Array(labels.length);
  const splits: (string | undefined)[] = [];
  labels.forEach((l, i) => {
    const p = byId.get(l.id)!;
    if (p.relPath !== undefined && l.relPath !== undefined && samePath(p.relPath, l.relPath) === false) {
      mismatched.push(`${l.id} (${p.relPath} vs ${l.relPath})`);
    }
    predicted[i] = p.target;
    targets[i] = l.target;
    splits.push(l.split);
  });
  if (mismatched.length > 0) {
    throw new SketchboardError(
      'invalid_data',
      `${source}: image_path differs from the labels for ID(s) ${list(mismatched)}`,
    );
  }
  const withSplits = splits.some((s) => s !== undefined && s !== '');
  return scoreAligned(predicted, targets, withSplits ? splits.map((s) => s || undefined) : undefined);
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '');
  return norm(a) === norm(b);
}
