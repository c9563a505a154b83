// Dataset intake for competition creation: a server folder or an uploaded zip → checked test set, labels, hash.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { extractZip } from '../../core/bundle/extract.js';
import { type ArchiveLimits, resolveLimits } from '../../core/bundle/limits.js';
import { loadCompetitionDir } from '../../core/data/competition.js';
import { LAYOUT_FILES } from '../../core/data/layout.js';
import { SketchboardError } from '../../core/errors.js';
import type { LabeledItem } from '../services/competitions.js';
import { STAGING_PREFIX } from './test-images.js';

/**
 * A competition dataset ready for `createCompetition`. `dir` is the dataset root in the competition layout
 * (train.csv, test.csv, test_labels.csv, train/, test/); `testDir` is its `test/` folder, where each item's
 * `imagePath` (test.csv's image_path) points. The competition's `datasetDir` is NOT `testDir` (its parent
 * holds the labels): `withTestImages` (test-images.ts) puts the images in a folder of their own.
 * `sha256` hashes test.csv and every test image, in test.csv order.
 */
export type Dataset = { dir: string; testDir: string; classes: number; items: LabeledItem[]; sha256: string };

/**
 * The server's datasets folder under the data dir: test image folders and archives being extracted.
 *
 * @example
 * datasetsDirOf('./.sketchboard'); // '.sketchboard/datasets'
 */
export function datasetsDirOf(dataDir: string): string {
  return join(dataDir, 'datasets');
}

/** sha256 over test.csv and the test images (each framed by its path and size), in test.csv order. */
async function hashTestSet(dir: string, images: { relPath: string; imagePath: string }[]): Promise<string> {
  const hash = createHash('sha256');
  const add = async (name: string, file: string) => {
    hash.update(`${name}\0${(await stat(file)).size}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  };
  await add(LAYOUT_FILES.test, join(dir, LAYOUT_FILES.test));
  for (const image of images) await add(`${LAYOUT_FILES.testDir}/${image.relPath}`, image.imagePath);
  return hash.digest('hex');
}

/**
 * Load and check a dataset folder: train.csv gives the class count, test_labels.csv must match test.csv,
 * every image must exist. Throws SketchboardError 'invalid_data' (422) naming the problem.
 *
 * @example
 * const dataset = await loadDataset('/srv/data/imagenet-sketch'); // then withTestImages(dataset, ...)
 */
export async function loadDataset(path: string): Promise<Dataset> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory())
    throw new SketchboardError('invalid_data', `dataset folder ${path} does not exist`);
  const { test, labels, classes } = await loadCompetitionDir(dir, { labels: true });
  const items = (labels ?? []).map((l) => ({ id: l.id, imagePath: l.relPath, label: l.target }));
  return {
    dir,
    testDir: join(dir, LAYOUT_FILES.testDir),
    classes,
    items,
    sha256: await hashTestSet(dir, test),
  };
}

/** Archive limits for dataset zips: many small images, so far more entries than a model bundle. */
export function datasetLimits(maxArchiveBytes: number): ArchiveLimits {
  return resolveLimits({ maxArchiveBytes, maxEntries: 500_000, maxTotalBytes: 4 * maxArchiveBytes });
}

/** The layout root inside an extracted archive: the archive root, or its single top-level folder. */
async function layoutRoot(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && n !== '__MACOSX');
  if (names.includes(LAYOUT_FILES.test)) return dir;
  if (names.length === 1 && (await stat(join(dir, names[0]))).isDirectory()) return join(dir, names[0]);
  throw new SketchboardError('invalid_data', `the dataset archive has no ${LAYOUT_FILES.test} at its root`);
}

/**
 * Safely extract an uploaded dataset zip (core/bundle's extractor: traversal, symlinks, bombs refused with
 * 'unsafe_archive') into a staging folder under `datasetsDir`, load it, and run `use` on it. The extracted
 * folder is removed afterwards whatever happens: by then the labels are in the database and the test
 * images linked into their own folder (`withTestImages`).
 *
 * @example
 * const competition = await withExtractedDataset(upload.path, config.datasetsDir, datasetLimits(max),
 *   (dataset) => withTestImages(dataset, config.datasetsDir, (datasetDir) => create(dataset, datasetDir)));
 */
export async function withExtractedDataset<T>(
  zipPath: string,
  datasetsDir: string,
  limits: ArchiveLimits,
  use: (dataset: Dataset) => Promise<T>,
): Promise<T> {
  const staging = join(datasetsDir, `${STAGING_PREFIX}${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    await extractZip(zipPath, staging, limits);
    return await use(await loadDataset(await layoutRoot(staging)));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
