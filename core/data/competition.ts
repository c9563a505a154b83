// Loads a whole competition folder and cross-checks its parts (labels against test.csv, targets against classes).
import path from 'node:path';
import { SketchboardError } from '../errors.js';
import {
  LAYOUT_FILES,
  type LabelItem,
  type LoadOptions,
  loadTestLabels,
  loadTestSet,
  loadTrainSet,
  type TestItem,
  type TrainItem,
} from './layout.js';

export type Competition = {
  train: TrainItem[];
  /** classNames[target] is the class's name. */
  classNames: string[];
  test: TestItem[];
  /** Present when loaded with `labels: true`, in test.csv order. */
  labels?: LabelItem[];
  classes: number;
};

const fail = (message: string) => new SketchboardError('invalid_data', message);

/**
 * Check that labels cover exactly the IDs of test.csv, with the same image paths and targets < classes.
 * Returns the labels in test.csv order.
 *
 * @example
 * const ordered = matchLabels('test_labels.csv', test, labels, 50);
 */
export function matchLabels(
  file: string,
  test: TestItem[],
  labels: LabelItem[],
  classes: number,
): LabelItem[] {
  const byId = new Map(labels.map((l) => [l.id, l]));
  const testIds = new Set(test.map((t) => t.id));
  const missing = test.filter((t) => !byId.has(t.id)).map((t) => t.id);
  const extra = labels.filter((l) => !testIds.has(l.id)).map((l) => l.id);
  if (missing.length > 0 || extra.length > 0) {
    const list = (ids: string[]) =>
      `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, … (${ids.length})` : ''}`;
    const parts = [
      missing.length > 0 ? `no label for test ID(s) ${list(missing)}` : '',
      extra.length > 0 ? `ID(s) not in test.csv: ${list(extra)}` : '',
    ].filter(Boolean);
    throw fail(`${file}: IDs do not match test.csv: ${parts.join('; ')}`);
  }
  return test.map((t) => {
    const label = byId.get(t.id)!;
    if (label.relPath !== t.relPath) {
      throw fail(`${file}: ID "${t.id}" has image_path "${label.relPath}" but test.csv says "${t.relPath}"`);
    }
    if (label.target >= classes) {
      throw fail(
        `${file}: ID "${t.id}" has target ${label.target}, but train.csv has only ${classes} classes`,
      );
    }
    return label;
  });
}

/**
 * Load a folder in the competition layout: train.csv + train/, test.csv + test/, and with `labels: true`
 * the host's test_labels.csv, checked against test.csv. Images are checked to exist unless
 * `checkImages: false`.
 *
 * @example
 * const { train, test, labels, classes } = await loadCompetitionDir('data/sketch', { labels: true });
 */
export async function loadCompetitionDir(
  dir: string,
  opts: LoadOptions & { labels?: boolean } = {},
): Promise<Competition> {
  const [{ items, classNames }, test] = await Promise.all([loadTrainSet(dir, opts), loadTestSet(dir, opts)]);
  const result: Competition = { train: items, classNames, test, classes: classNames.length };
  if (opts.labels) {
    const file = path.join(dir, LAYOUT_FILES.labels);
    result.labels = matchLabels(file, test, await loadTestLabels(file), classNames.length);
  }
  return result;
}
