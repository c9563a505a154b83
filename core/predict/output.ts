// The competition's output.csv: `ID,image_path,target`, one row per test image in test.csv order.
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../data/io.js';
import { SketchboardError } from '../errors.js';

/** Header of output.csv (a public contract, see DESIGN.md). */
export const OUTPUT_COLUMNS = ['ID', 'image_path', 'target'] as const;

/** A test image as test.csv lists it. */
export type OutputItem = { id: string; relPath: string };

/**
 * output.csv text for test items (in test.csv order) and their predicted classes.
 *
 * @example
 * outputCsv([{ id: '0', relPath: '0.png' }], Int32Array.of(7)); // 'ID,image_path,target\n0,0.png,7\n'
 */
export function outputCsv(items: readonly OutputItem[], predictions: ArrayLike<number>): string {
  if (items.length !== predictions.length) {
    throw new SketchboardError(
      'internal',
      `output.csv: ${items.length} test images but ${predictions.length} predictions`,
    );
  }
  const rows = items.map((item, i) => [item.id, item.relPath, String(predictions[i])]);
  return stringify([[...OUTPUT_COLUMNS], ...rows]);
}

/**
 * Write output.csv atomically (temp file, then rename).
 *
 * @example
 * await writeOutputCsv('output.csv', testItems, prediction.predictions);
 */
export async function writeOutputCsv(
  file: string,
  items: readonly OutputItem[],
  predictions: ArrayLike<number>,
): Promise<void> {
  await writeFileAtomic(file, outputCsv(items, predictions));
}
