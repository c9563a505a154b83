// Generates the synthetic hand-drawn sketch competition (train/test images + CSVs), deterministically per seed.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { SketchboardError } from '../errors.js';
import { mixSeed, Rng } from '../rng.js';
import { writeCsv } from './csv.js';
import { mapLimit, writeFileAtomic } from './io.js';
import { LAYOUT_FILES } from './layout.js';
import { SKETCH_CLASSES } from './sketch/classes.js';
import { randomTransform, renderSketch } from './sketch/render.js';

export { SKETCH_CLASSES };

/** The defaults of `generateSketchDataset` and `sketchboard gen` (one place). */
export const SKETCH_DEFAULTS = {
  classes: 50,
  trainPerClass: 30,
  testPerClass: 20,
  seed: 1,
  size: 128,
  testTransformShare: 0.2,
} as const;

/** Host-only file: which transform each test image got (`none`, `vflip`, `hflip+rot90`, ...). */
export const TEST_META_FILE = 'test_meta.csv';
/** Class names in target order, one per line. */
export const CLASSES_FILE = 'classes.txt';
/** Marks a folder as written by the generator, so a re-run may replace it. */
export const MARKER_FILE = 'generated.json';
const GENERATOR = 'sketchboard gen';

export type GenerateOptions = {
  out: string;
  classes?: number;
  trainPerClass?: number;
  testPerClass?: number;
  seed?: number;
  size?: number;
  testTransformShare?: number;
  /** Images rendered at once (default: the number of CPUs). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
};

export type GenerateResult = { trainCount: number; testCount: number; classNames: string[]; out: string };

type Job = { file: string; classIndex: number; seed: number; transform: string };

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SketchboardError(
      'invalid_argument',
      `${name} must be an integer in ${min}..${max}, got ${value}`,
    );
  }
  return value;
}

/** The generator's marker in `dir`, or null when there is none (or it is not ours). */
async function readMarker(dir: string): Promise<{ complete?: unknown } | null> {
  try {
    const marker = JSON.parse(await readFile(path.join(dir, MARKER_FILE), 'utf8')) as Record<string, unknown>;
    return marker.generator === GENERATOR ? marker : null;
  } catch {
    return null;
  }
}

/** Make `out` ready: create it, or clear a previous generated set; refuse any other non-empty folder. */
async function prepareOut(out: string): Promise<void> {
  const entries = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new SketchboardError('invalid_argument', `cannot use ${out} as the output folder: ${err.code}`, {
      cause: err,
    });
  });
  if (entries.length > 0) {
    if ((await readMarker(out)) === null) {
      throw new SketchboardError(
        'invalid_argument',
        `output folder ${out} is not empty and is not a set made by sketchboard gen; use a new or empty folder`,
      );
    }
    const ours: string[] = [...Object.values(LAYOUT_FILES), TEST_META_FILE, CLASSES_FILE];
    await Promise.all(ours.map((name) => rm(path.join(out, name), { recursive: true, force: true })));
  }
  await mkdir(out, { recursive: true });
}

/**
 * Generate a sketch competition in the competition layout under `out`: `train/<class>/*.png` + train.csv,
 * `test/<ID>.png` + test.csv (IDs are integers in shuffled order), the host's test_labels.csv and
 * test_meta.csv (the transform of each test image: a `testTransformShare` of them are flipped and/or
 * rotated), classes.txt and a generated.json marker. Same options → byte-identical files.
 *
 * @example
 * const { trainCount, testCount } = await generateSketchDataset({ out: 'data/sketch', classes: 10 });
 */
export async function generateSketchDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const d = SKETCH_DEFAULTS;
  const classes = checkInt('classes', opts.classes ?? d.classes, 1, SKETCH_CLASSES.length);
  const trainPerClass = checkInt('trainPerClass', opts.trainPerClass ?? d.trainPerClass, 1, 1e6);
  const testPerClass = checkInt('testPerClass', opts.testPerClass ?? d.testPerClass, 1, 1e6);
  const seed = checkInt('seed', opts.seed ?? d.seed, 0, 2 ** 31 - 1);
  const size = checkInt('size', opts.size ?? d.size, 16, 2048);
  const share = opts.testTransformShare ?? d.testTransformShare;
  if (!(share >= 0 && share <= 1)) {
    throw new SketchboardError('invalid_argument', `testTransformShare must be in 0..1, got ${share}`);
  }
  const out = opts.out;
  const classNames = SKETCH_CLASSES.slice(0, classes);
  await prepareOut(out);
  const settings = { generator: GENERATOR, version: 1, classes, trainPerClass, testPerClass, seed, size };
  const marker = (complete: boolean) =>
    `${JSON.stringify({ ...settings, testTransformShare: share, complete }, null, 2)}\n`;
  await writeFileAtomic(path.join(out, MARKER_FILE), marker(false));

  const jobs: Job[] = [];
  const trainRows: { class_name: string; image_path: string; target: number }[] = [];
  for (let c = 0; c < classes; c++) {
    await mkdir(path.join(out, LAYOUT_FILES.trainDir, classNames[c]), { recursive: true });
    for (let i = 0; i < trainPerClass; i++) {
      const rel = `${classNames[c]}/${classNames[c]}_${String(i).padStart(4, '0')}.png`;
      trainRows.push({ class_name: classNames[c], image_path: rel, target: c });
      const file = path.join(out, LAYOUT_FILES.trainDir, rel);
      jobs.push({ file, classIndex: c, seed: mixSeed(seed, 1, c, i), transform: 'none' });
    }
  }
  const testPlan = new Rng(mixSeed(seed, 2)).shuffle(
    Array.from({ length: classes * testPerClass }, (_, k) => ({
      c: Math.floor(k / testPerClass),
      i: k % testPerClass,
    })),
  );
  const transformed = new Set(
    new Rng(mixSeed(seed, 4))
      .shuffle(testPlan.map((_, k) => k))
      .slice(0, Math.round(share * testPlan.length)),
  );
  const testRows = testPlan.map(({ c, i }, k) => {
    const transform = transformed.has(k) ? randomTransform(new Rng(mixSeed(seed, 5, k))) : 'none';
    return { ID: String(k), image_path: `${k}.png`, target: c, transform, seed: mixSeed(seed, 3, c, i) };
  });
  await mkdir(path.join(out, LAYOUT_FILES.testDir), { recursive: true });
  for (const row of testRows) {
    const file = path.join(out, LAYOUT_FILES.testDir, row.image_path);
    jobs.push({ file, classIndex: row.target, seed: row.seed, transform: row.transform });
  }

  let done = 0;
  const concurrency = opts.concurrency ?? Math.max(2, availableParallelism());
  await mapLimit(jobs, concurrency, async (job) => {
    const png = await renderSketch(job.classIndex, job.seed, { size, transform: job.transform });
    await writeFile(job.file, png);
    opts.onProgress?.(++done, jobs.length);
  });

  await writeCsv(path.join(out, LAYOUT_FILES.train), ['class_name', 'image_path', 'target'], trainRows);
  await writeCsv(path.join(out, LAYOUT_FILES.test), ['ID', 'image_path'], testRows);
  await writeCsv(path.join(out, LAYOUT_FILES.labels), ['ID', 'image_path', 'target'], testRows);
  await writeCsv(path.join(out, TEST_META_FILE), ['ID', 'transform'], testRows);
  await writeFileAtomic(path.join(out, CLASSES_FILE), `${classNames.join('\n')}\n`);
  await writeFileAtomic(path.join(out, MARKER_FILE), marker(true));
  return { trainCount: trainRows.length, testCount: testRows.length, classNames, out };
}

/** True when `dir` holds a complete set written by generateSketchDataset. */
export async function isGeneratedSet(dir: string): Promise<boolean> {
  const marker = await readMarker(dir);
  return marker?.complete === true;
}
