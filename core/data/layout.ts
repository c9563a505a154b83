// Loaders for the competition layout: train.csv + train/, test.csv + test/, the host's test_labels.csv.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Split } from '../api/common.js';
import { isSketchboardError, SketchboardError } from '../errors.js';
import { type CsvRow, readCsv } from './csv.js';
import { mapLimit, safeRelativePath } from './io.js';

export type TrainItem = { className: string; relPath: string; imagePath: string; target: number };
export type TestItem = { id: string; relPath: string; imagePath: string };
export type { Split };
export type LabelItem = { id: string; relPath: string; target: number; split?: Split };
export type TrainSet = { items: TrainItem[]; classNames: string[] };
export type LoadOptions = { checkImages?: boolean };

/** The names of the competition layout's CSV files and image folders. */
export const LAYOUT_FILES = {
  train: 'train.csv',
  test: 'test.csv',
  labels: 'test_labels.csv',
  trainDir: 'train',
  testDir: 'test',
} as const;

/** How many image stats run at once. */
const STAT_CONCURRENCY = 64;

const fail = (message: string, cause?: unknown) =>
  new SketchboardError('invalid_data', message, cause === undefined ? undefined : { cause });

/** The row's image_path made safe, with the file and line in the error. */
function relPathOf(file: string, row: CsvRow<'image_path', string>): string {
  try {
    return safeRelativePath(row.values.image_path);
  } catch (err) {
    if (isSketchboardError(err)) throw fail(`${file} line ${row.line}: ${err.message}`, err);
    throw err;
  }
}

function targetOf(file: string, line: number, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw fail(`${file} line ${line}: target "${raw}" is not a non-negative integer`);
  }
  return Number(raw);
}

/**
 * Stat every image (bounded concurrency) and throw one error listing the missing ones.
 *
 * @example
 * await checkImagesExist('train.csv', items.map((t, i) => ({ path: t.imagePath, line: i + 2 })));
 */
export async function checkImagesExist(
  file: string,
  images: { path: string; line: number }[],
): Promise<void> {
  const missing = (
    await mapLimit(images, STAT_CONCURRENCY, async (img) => {
      try {
        return (await stat(img.path)).isFile() ? null : img;
      } catch {
        return img;
      }
    })
  ).filter((m) => m !== null);
  if (missing.length === 0) return;
  const shown = missing.slice(0, 3).map((m) => `line ${m.line}: ${m.path}`);
  const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
  throw fail(`${file}: ${missing.length} image file(s) missing: ${shown.join('; ')}${more}`);
}

/**
 * Load `dir/train.csv` (class_name,image_path,target; paths relative to `dir/train/`). Targets must be
 * 0..C-1, each with one class name; classNames[target] is that name.
 *
 * @example
 * const { items, classNames } = await loadTrainSet('data/sketch');
 */
export async function loadTrainSet(dir: string, opts: LoadOptions = {}): Promise<TrainSet> {
  const file = path.join(dir, LAYOUT_FILES.train);
  const root = path.resolve(dir, LAYOUT_FILES.trainDir);
  const { rows } = await readCsv(file, { required: ['class_name', 'image_path', 'target'] });
  if (rows.length === 0) throw fail(`${file}: no rows`);
  const nameOf = new Map<number, string>();
  const targetOfName = new Map<string, number>();
  const seen = new Set<string>();
  const items = rows.map((row) => {
    const { class_name: className } = row.values;
    if (className === '') throw fail(`${file} line ${row.line}: class_name is empty`);
    const target = targetOf(file, row.line, row.values.target);
    const relPath = relPathOf(file, row);
    if (seen.has(relPath)) throw fail(`${file} line ${row.line}: duplicate image_path "${relPath}"`);
    seen.add(relPath);
    const known = nameOf.get(target);
    if (known !== undefined && known !== className) {
      throw fail(
        `${file} line ${row.line}: target ${target} is class "${known}" elsewhere, not "${className}"`,
      );
    }
    const knownTarget = targetOfName.get(className);
    if (knownTarget !== undefined && knownTarget !== target) {
      throw fail(
        `${file} line ${row.line}: class "${className}" has target ${knownTarget} elsewhere, not ${target}`,
      );
    }
    nameOf.set(target, className);
    targetOfName.set(className, target);
    return { className, relPath, imagePath: path.join(root, relPath), target };
  });
  const classNames: string[] = [];
  for (let t = 0; t < nameOf.size; t++) {
    const name = nameOf.get(t);
    if (name === undefined) {
      throw fail(`${file}: targets must be 0..${nameOf.size - 1} without gaps, but no row has target ${t}`);
    }
    classNames.push(name);
  }
  if (opts.checkImages !== false) {
    await checkImagesExist(
      file,
      items.map((item, k) => ({ path: item.imagePath, line: rows[k].line })),
    );
  }
  return { items, classNames };
}

/**
 * Load `dir/test.csv` (ID,image_path; paths relative to `dir/test/`). IDs must be unique and non-empty.
 *
 * @example
 * const test = await loadTestSet('data/sketch'); // [{ id: '0', relPath: '0.png', imagePath: '/abs/...' }]
 */
export async function loadTestSet(dir: string, opts: LoadOptions = {}): Promise<TestItem[]> {
  const file = path.join(dir, LAYOUT_FILES.test);
  const root = path.resolve(dir, LAYOUT_FILES.testDir);
  const { rows } = await readCsv(file, { required: ['ID', 'image_path'] });
  if (rows.length === 0) throw fail(`${file}: no rows`);
  const lineOfId = new Map<string, number>();
  const items = rows.map((row) => {
    const id = row.values.ID;
    if (id === '') throw fail(`${file} line ${row.line}: ID is empty`);
    const first = lineOfId.get(id);
    if (first !== undefined)
      throw fail(`${file} line ${row.line}: duplicate ID "${id}" (first on line ${first})`);
    lineOfId.set(id, row.line);
    const relPath = relPathOf(file, row);
    return { id, relPath, imagePath: path.join(root, relPath) };
  });
  if (opts.checkImages !== false) {
    await checkImagesExist(
      file,
      items.map((item, k) => ({ path: item.imagePath, line: rows[k].line })),
    );
  }
  return items;
}

/**
 * Load the host's labels file (ID,image_path,target[,split]); split values are `public` or `private`.
 *
 * @example
 * const labels = await loadTestLabels('data/sketch/test_labels.csv');
 */
export async function loadTestLabels(csvPath: string): Promise<LabelItem[]> {
  const { rows } = await readCsv(csvPath, { required: ['ID', 'image_path', 'target'], optional: ['split'] });
  const lineOfId = new Map<string, number>();
  return rows.map((row) => {
    const { ID: id, split } = row.values;
    if (id === '') throw fail(`${csvPath} line ${row.line}: ID is empty`);
    const first = lineOfId.get(id);
    if (first !== undefined)
      throw fail(`${csvPath} line ${row.line}: duplicate ID "${id}" (first on line ${first})`);
    lineOfId.set(id, row.line);
    const item: LabelItem = {
      id,
      relPath: relPathOf(csvPath, row),
      target: targetOf(csvPath, row.line, row.values.target),
    };
    if (split !== undefined && split !== '') {
      if (split !== 'public' && split !== 'private') {
        throw fail(`${csvPath} line ${row.line}: split "${split}" must be "public" or "private"`);
      }
      item.split = split;
    }
    return item;
  });
}
