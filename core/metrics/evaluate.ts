// Evaluate an output.csv against the host's test_labels.csv: accuracy overall and per split, with CIs.
import { readCsv } from '../data/csv.js';
import { loadTestLabels } from '../data/layout.js';
import { SketchboardError } from '../errors.js';
import type { Evaluation } from './accuracy.js';
import { type PredictedRow, scorePredictions } from './join.js';

/**
 * Read predictions from an output.csv (`ID,image_path,target`). Targets must be non-negative
 * integers; errors name the file and line (SketchboardError 'invalid_data').
 *
 * @example
 * const rows = await readOutputCsv('output.csv'); // [{ id: '0', relPath: '0.png', target: 3 }, ...]
 */
export async function readOutputCsv(file: string): Promise<PredictedRow[]> {
  const { rows } = await readCsv(file, { required: ['ID', 'image_path', 'target'] });
  return rows.map(({ line, values }) => {
    const raw = values.target.trim();
    if (!/^\d+$/.test(raw)) {
      throw new SketchboardError(
        'invalid_data',
        `${file} line ${line}: target "${values.target}" is not a class index (a non-negative integer)`,
      );
    }
    return { id: values.ID, relPath: values.image_path, target: Number(raw) };
  });
}

/**
 * Accuracy of an output.csv against labels, joined by ID: overall, and per split (public/private)
 * when the labels have a `split` column, each with a Wilson 95% interval. Missing, extra and
 * duplicate IDs and bad targets are SketchboardError('invalid_data') naming them.
 *
 * @example
 * const e = await evaluate('output.csv', 'data/test_labels.csv');
 * console.log(e.overall.accuracy, e.overall.ci, e.splits.private);
 */
export async function evaluate(outputCsv: string, labelsCsv: string): Promise<Evaluation> {
  const [predictions, labels] = await Promise.all([readOutputCsv(outputCsv), loadTestLabels(labelsCsv)]);
  return scorePredictions(predictions, labels, outputCsv);
}
