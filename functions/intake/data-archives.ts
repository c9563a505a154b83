// Building the files participants download: train.zip, test.zip (no labels) and sample_submission.csv, streamed to disk.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { DataFileName } from '../../core/api/data.js';
import { digestFile, digestTap } from '../../core/bundle/digest.js';
import { writeCsv } from '../../core/data/csv.js';
import { LAYOUT_FILES, loadTrainSet } from '../../core/data/layout.js';
import { writeOutputCsv } from '../../core/predict/output.js';
import { type BlobStore, dataFileKey, moveIntoStore } from '../storage/blob.js';

/** A built file as stored: what the `data_files` table records. */
export type StoredDataFile = { name: DataFileName; bytes: number; sha256: string; blobKey: string };

/** A test item as the server keeps it: its ID and its path relative to the competition's test image folder. */
export type TestEntry = { id: string; imagePath: string };

/** Every entry gets this timestamp and mode, so the same files always give the same archive (and sha256). */
const ENTRY = { mtime: new Date(1980, 0, 1), mode: 0o100644, forceDosTimestamp: true } as const;

/** One zip entry from a file on disk; images are stored (already compressed), CSVs deflated. */
type Entry = { name: string; path: string };

/** Zip `entries` (in order) into `dest`, streamed: no entry and no archive is ever held whole in memory. */
async function zipTo(entries: readonly Entry[], dest: string) {
  const zip = new ZipFile();
  for (const e of entries) zip.addFile(e.path, e.name, { ...ENTRY, compress: e.name.endsWith('.csv') });
  zip.end();
  const { tap, result } = digestTap();
  // yazl reports read errors (an image missing on disk) on the ZipFile, not on its output stream.
  zip.on('error', (err: Error) => tap.destroy(err));
  await pipeline(zip.outputStream, tap, createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
  return result();
}

/** Store a finished temp file content-addressed (`data/<sha256>.<ext>`) and describe it. */
async function store(
  blobs: BlobStore,
  name: DataFileName,
  file: string,
  digest: { sha256: string; bytes: number },
): Promise<StoredDataFile> {
  const blobKey = dataFileKey(digest.sha256, name.endsWith('.zip') ? 'zip' : 'csv');
  // Content-addressed: an identical file already stored (another competition, a racing build) is kept.
  if (await blobs.exists(blobKey)) await rm(file, { force: true });
  else await moveIntoStore(blobs, blobKey, file);
  return { name, blobKey, ...digest };
}

/** Run `build(dir)` in a fresh folder under `workDir`, removed afterwards whatever happens. */
async function inScratch<T>(workDir: string, build: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(workDir, { recursive: true });
  const dir = await mkdtemp(join(workDir, 'data-'));
  try {
    return await build(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `train.zip`: the dataset's own `train.csv` and every image it lists under `train/`, the competition layout
 * `sketchboard train --data` reads. Built from the dataset folder while it is at hand (at creation: the
 * server keeps only the test images afterwards).
 *
 * @example
 * const file = await buildTrainZip(dataset.dir, config.workDir, blobs); // then record it with the competition
 */
export async function buildTrainZip(datasetDir: string, workDir: string, blobs: BlobStore) {
  const { items } = await loadTrainSet(datasetDir);
  const entries: Entry[] = [
    { name: LAYOUT_FILES.train, path: join(datasetDir, LAYOUT_FILES.train) },
    ...items.map((t) => ({ name: `${LAYOUT_FILES.trainDir}/${t.relPath}`, path: t.imagePath })),
  ];
  return inScratch(workDir, async (dir) => {
    const zip = join(dir, 'train.zip');
    return store(blobs, 'train.zip', zip, await zipTo(entries, zip));
  });
}

/**
 * `test.zip`: a `test.csv` written from the server's test items (`ID,image_path` only: never a label or the
 * split, whatever the host's files held) and every test image under `test/`, from the competition's image
 * folder.
 *
 * @example
 * const file = await buildTestZip(competition.datasetDir, items, config.workDir, blobs);
 */
export async function buildTestZip(
  imagesDir: string,
  items: readonly TestEntry[],
  workDir: string,
  blobs: BlobStore,
): Promise<StoredDataFile> {
  return inScratch(workDir, async (dir) => {
    const csv = join(dir, LAYOUT_FILES.test);
    await writeCsv(
      csv,
      ['ID', 'image_path'],
      items.map((i) => ({ ID: i.id, image_path: i.imagePath })),
    );
    const entries: Entry[] = [
      { name: LAYOUT_FILES.test, path: csv },
      ...items.map((i) => ({
        name: `${LAYOUT_FILES.testDir}/${i.imagePath}`,
        path: join(imagesDir, ...i.imagePath.split('/')),
      })),
    ];
    const zip = join(dir, 'test.zip');
    return store(blobs, 'test.zip', zip, await zipTo(entries, zip));
  });
}

/**
 * `sample_submission.csv`: test.csv's IDs and image paths with the placeholder target 0 (a valid class), in
 * output.csv's format, so a participant sees exactly what a prediction file looks like.
 *
 * @example
 * const file = await buildSampleSubmission(items, config.workDir, blobs);
 */
export async function buildSampleSubmission(
  items: readonly TestEntry[],
  workDir: string,
  blobs: BlobStore,
): Promise<StoredDataFile> {
  return inScratch(workDir, async (dir) => {
    const csv = join(dir, 'sample_submission.csv');
    const rows = items.map((i) => ({ id: i.id, relPath: i.imagePath }));
    await writeOutputCsv(csv, rows, new Int32Array(rows.length));
    return store(blobs, 'sample_submission.csv', csv, await digestFile(csv));
  });
}
