// Unpacking a downloaded data zip (train.zip, test.zip) into the competition layout, safely and only once.
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { extractZip } from '../bundle/extract.js';
import { resolveLimits } from '../bundle/limits.js';

/** Data zips hold one entry per image: far more entries than a model bundle, the same other limits. */
const DATA_LIMITS = resolveLimits({ maxEntries: 2_000_000 });

type Marker = { sha256: string; tops: string[] };

const markerOf = (dir: string, zipPath: string) => join(dir, `.${basename(zipPath)}.unpacked.json`);

async function readMarker(path: string): Promise<Marker | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Marker;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/**
 * Unpack `zipPath` (whose sha256 is `sha256`) into `dir`: its top-level entries (`train.csv` and `train/`, or
 * `test.csv` and `test/`) replace any of the same name, so `dir` ends up in the competition layout
 * `sketchboard train --data dir` and `predict --data dir` read. Extraction is core/bundle's safe extractor
 * (no traversal, links or bombs) into a staging folder, then renamed into place. A marker file records what
 * was unpacked: when it names this sha256 and its entries are all there, nothing is done (returns false).
 *
 * @example
 * await unpackDataZip('data/train.zip', 'data', file.sha256); // data/train.csv + data/train/...
 */
export async function unpackDataZip(zipPath: string, dir: string, sha256: string): Promise<boolean> {
  const marker = markerOf(dir, zipPath);
  const done = await readMarker(marker);
  if (done?.sha256 === sha256) {
    const present = await Promise.all(done.tops.map((t) => exists(join(dir, t))));
    if (present.every(Boolean)) return false;
  }
  const staging = await mkdtemp(join(dir, '.unpack-'));
  try {
    const { files } = await extractZip(zipPath, staging, DATA_LIMITS);
    const tops = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    for (const top of tops) {
      await rm(join(dir, top), { recursive: true, force: true });
      await rename(join(staging, top), join(dir, top));
    }
    await writeFile(marker, JSON.stringify({ sha256, tops } satisfies Marker));
    return true;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
