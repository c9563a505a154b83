// The competition's output.csv: `ID,image_path,target`, one row per test image in test.csv order.
import { writeCsv } from '../data/csv.js';
import { SketchboardError } from '../errors.js';

/** Header of output.csv (a public contract, see DESIGN.md). */
export const OUTPUT_COLUMNS = ['ID', 'image_path', 'target'] as const;

/** A test image as test.csv lists it. */
export type OutputItem = { id: string; relPath: string };

type OutputRow = Record<(typeof OUTPUT_COLUMNS)[number], string | number>;

/**
 * output.csv rows for test items (in test.csv order) and their predicted classes.
 *
 * @example
 * outputRows([{ id: '0', relPath: '0.png' }], Int32Array.of(7)); // [{ ID: '0', image_path: '0.png', target: 7 }]
 */
export function outputRows(items: readonly OutputItem[], predictions: ArrayLike<number>): OutputRow[] {
  if (items.length !== predictions.length) {
    throw new SketchboardError(
      'internal',
      `output.csv: ${items.length} test images but ${predictions.length} predictions`,
    );
  }
  return items.map((item, i) => ({ ID: item.id, image_path: item.relPath, target: predictions[i] }));
}

/**
 * Write output.csv atomically (temp file, then rename) with the data helpers' CSV writer.
 *
 * @example
 * await writeOutputCsv('output.csv', testItems, prediction.predictions);
 */
export async function writeOutputCsv(
  file: string,
  items: readonly OutputItem[],
  predictions: ArrayLike<number>,
): Promise<void> {
  await writeCsv(file, OUTPUT_COLUMNS, outputRows(items, predictions));
}
