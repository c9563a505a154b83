// Stratified k-fold assignment, seeded and independent of row order, and its folds.csv in the run folder.
import path from 'node:path';
import { readCsv, writeCsv } from '../data/csv.js';
import type { TrainItem } from '../data/layout.js';
import { SketchboardError } from '../errors.js';
import { mixSeed, Rng } from '../rng.js';

/** The folds file of a run folder. */
export const FOLDS_FILE = 'folds.csv';

/** One train item's fold: `imagePath` is train.csv's image_path (relative to DATA/train). */
export type FoldRow = { imagePath: string; target: number; fold: number };

/**
 * Assigns each item a fold in [0, k): within every class the items (sorted by path, then shuffled with a
 * seed of their own) are dealt round-robin, each class starting where the previous one stopped. So every
 * class's count per fold differs by at most one, fold sizes differ by at most one, and the result depends
 * only on the seed and the set of (path, target) pairs — not on row order or machine.
 * Throws SketchboardError('invalid_data') when a class has fewer items than folds.
 *
 * @example
 * const folds = stratifiedFolds(items, 5, 1); // folds[i] is the fold of items[i]
 */
export function stratifiedFolds(
  items: readonly Pick<TrainItem, 'relPath' | 'target' | 'className'>[],
  k: number,
  seed: number,
): number[] {
  if (!Number.isInteger(k) || k < 2) {
    throw new SketchboardError('invalid_argument', `folds must be an integer >= 2, got ${k}`);
  }
  const byClass = new Map<number, number[]>();
  items.forEach((item, i) => {
    const list = byClass.get(item.target) ?? [];
    list.push(i);
    byClass.set(item.target, list);
  });
  const small = [...byClass.entries()].filter(([, list]) => list.length < k);
  if (small.length > 0) {
    const shown = small
      .slice(0, 5)
      .map(([, list]) => `"${items[list[0]].className}" (${list.length})`)
      .join(', ');
    const more = small.length > 5 ? ` and ${small.length - 5} more` : '';
    throw new SketchboardError(
      'invalid_data',
      `cannot split into ${k} folds: ${small.length} class(es) have fewer than ${k} images: ${shown}${more}`,
    );
  }
  const folds = new Array<number>(items.length).fill(-1);
  let next = 0;
  for (const target of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = (byClass.get(target) as number[]).sort((a, b) =>
      items[a].relPath < items[b].relPath ? -1 : items[a].relPath > items[b].relPath ? 1 : 0,
    );
    new Rng(mixSeed(seed, target, k)).shuffle(list);
    for (const i of list) {
      folds[i] = next;
      next = (next + 1) % k;
    }
  }
  return folds;
}

/**
 * Writes `folds.csv` (image_path,target,fold in train item order) in the run folder, atomically.
 *
 * @example
 * await writeFolds('runs/a', items, stratifiedFolds(items, 5, 1));
 */
export async function writeFolds(
  runDir: string,
  items: readonly Pick<TrainItem, 'relPath' | 'target'>[],
  folds: readonly number[],
): Promise<void> {
  await writeCsv(
    path.join(runDir, FOLDS_FILE),
    ['image_path', 'target', 'fold'],
    items.map((item, i) => ({ image_path: item.relPath, target: item.target, fold: folds[i] })),
  );
}

/**
 * Reads a run's `folds.csv`.
 *
 * @example
 * const rows = await readFolds('runs/a'); // [{ imagePath: 'cat/0.png', target: 3, fold: 1 }, ...]
 */
export async function readFolds(runDir: string): Promise<FoldRow[]> {
  const file = path.join(runDir, FOLDS_FILE);
  const { rows } = await readCsv(file, { required: ['image_path', 'target', 'fold'] });
  return rows.map(({ line, values }) => {
    const target = Number(values.target);
    const fold = Number(values.fold);
    if (!Number.isInteger(target) || target < 0 || !Number.isInteger(fold) || fold < 0) {
      throw new SketchboardError('invalid_data', `${file} line ${line}: bad target or fold`);
    }
    return { imagePath: values.image_path, target, fold };
  });
}

/**
 * Checks that a run's saved folds match the data and seed (another machine, or a resumed run): the same
 * items in the same order with the same folds. Throws SketchboardError('invalid_argument') otherwise.
 */
export function checkFoldsMatch(
  saved: readonly FoldRow[],
  items: readonly TrainItem[],
  folds: number[],
): void {
  const bad =
    saved.length !== items.length
      ? -1
      : saved.findIndex(
          (r, i) => r.imagePath !== items[i].relPath || r.target !== items[i].target || r.fold !== folds[i],
        );
  if (saved.length !== items.length || bad >= 0) {
    const where = bad >= 0 ? ` (first difference at row ${bad + 2}: ${saved[bad].imagePath})` : '';
    throw new SketchboardError(
      'invalid_argument',
      `the run folder's ${FOLDS_FILE} does not match this data and seed${where}; use a new --out folder`,
    );
  }
}
