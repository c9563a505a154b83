// What `sketchboard report RUN_DIR` measures: OOF accuracy per fold and pooled, per class, confusions, worst errors, test votes.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadCompetitionDir } from '../data/competition.js';
import { readCsv } from '../data/csv.js';
import { TEST_META_FILE } from '../data/generate.js';
import { LAYOUT_FILES } from '../data/layout.js';
import { SketchboardError } from '../errors.js';
import { type AccuracyStats, accuracyStats } from '../metrics/accuracy.js';
import {
  type ConfusedPair,
  type Confusion,
  confusionMatrix,
  perClassAccuracy,
  topConfusedPairs,
  topConfusions,
} from '../metrics/confusion.js';
import { type ErrorItem, worstErrors } from '../metrics/gallery.js';
import { argmaxRows } from '../predict/vote.js';
import { listFolds, type RunInfo, type RunOof, readOof, readRun } from './run.js';
import { type EnsembleAccuracy, ensembleAccuracy, predictRunFolds } from './run-predict.js';

export type ReportOptions = {
  /** A competition folder with test.csv + test_labels.csv: adds test accuracy of single folds and their votes. */
  data?: string;
  /** Worst errors in the gallery (default 8). */
  errors?: number;
  /** Confused pairs listed (default 10). */
  top?: number;
  onProgress?(done: number, total: number): void;
};

/** Test accuracy of single folds and their votes over some test images. */
export type TestGroup = { name: string; images: number } & Omit<
  EnsembleAccuracy,
  'softPredictions' | 'hardPredictions'
>;

/** Everything a run report states; RUN_DIR/report/report.json holds it. */
export type RunReport = {
  runDir: string;
  run: Pick<RunInfo, 'classNames' | 'folds' | 'seed' | 'model' | 'dataDir'>;
  oof: {
    /** Each fold's accuracy on its own validation images (its OOF rows), at its best epoch. */
    folds: { fold: number; bestEpoch: number; finished: boolean; stats: AccuracyStats }[];
    /** All OOF rows pooled: every train image predicted once, by the fold that did not train on it. */
    pooled: AccuracyStats;
    items: number;
    covered: number;
  };
  perClass: { name: string; stats: AccuracyStats }[];
  confusions: (ConfusedPair & { actualName: string; predictedName: string })[];
  pairs: { a: string; b: string; count: number; aToB: number; bToA: number }[];
  /** Most confident OOF errors; `image` is absolute. */
  errors: (ErrorItem & { image: string; fold: number })[];
  /** With `data`: all test images, then groups by test_meta.csv transform when the file exists. */
  test?: { dataDir: string; groups: TestGroup[] };
  /** Not written to report.json: the matrix and OOF tables the figures are drawn from. */
  confusion: Confusion;
  oofTable: RunOof;
};

/** Train image path of a folds.csv row: DATA/train/<image_path>. */
export const trainImagePath = (dataDir: string, rel: string) =>
  path.join(dataDir, LAYOUT_FILES.trainDir, rel);

/**
 * Computes a run's report from its OOF files and, with `opts.data`, from predicting the test set with every
 * fold. A soft or hard vote of k-fold OOF predictions is not computed: each train image has exactly one
 * OOF prediction (from the one fold that held it out), so any vote over folds equals the pooled OOF
 * accuracy; the votes' gain is measured on the test set, where every fold predicts every image.
 *
 * @example
 * const report = await buildRunReport('runs/cnn', { data: 'data/sketch' });
 * report.oof.pooled.accuracy; report.test?.groups[0].soft.accuracy;
 */
export async function buildRunReport(runDir: string, opts: ReportOptions = {}): Promise<RunReport> {
  const run = await readRun(runDir);
  const oof = await readOof(runDir);
  const summaries = await listFolds(runDir);
  if (oof.folds.length === 0)
    throw new SketchboardError('not_found', `run ${runDir} has no fold with OOF predictions yet`);
  const { classes, items, covered } = oof;
  const names = run.classNames;
  const decisions = argmaxRows({ rows: items.length, classes, data: oof.probabilities });
  const targets = items.map((it, i) => (covered[i] ? it.target : -1));
  const folds = oof.folds.map((fold) => {
    let correct = 0;
    let total = 0;
    items.forEach((it, i) => {
      if (it.fold !== fold || !covered[i]) return;
      total++;
      if (decisions[i] === it.target) correct++;
    });
    const s = summaries.find((f) => f.fold === fold);
    return {
      fold,
      bestEpoch: s?.bestEpoch ?? -1,
      finished: s?.done != null,
      stats: accuracyStats(correct, total),
    };
  });
  const confusion = confusionMatrix(targets, decisions, classes);
  const coveredCount = covered.filter(Boolean).length;
  const pooledCorrect = items.reduce((s, it, i) => s + (covered[i] && decisions[i] === it.target ? 1 : 0), 0);
  const dataDir = opts.data ?? run.dataDir;
  const errors = worstErrors(oof.probabilities, classes, targets, covered, opts.errors ?? 8).map((e) => ({
    ...e,
    image: trainImagePath(dataDir, items[e.index].imagePath),
    fold: items[e.index].fold,
  }));
  const top = opts.top ?? 10;
  return {
    runDir,
    run: { classNames: names, folds: run.folds, seed: run.seed, model: run.model, dataDir: run.dataDir },
    oof: {
      folds,
      pooled: accuracyStats(pooledCorrect, coveredCount),
      items: items.length,
      covered: coveredCount,
    },
    perClass: perClassAccuracy(confusion).map((stats, c) => ({ name: names[c], stats })),
    confusions: topConfusions(confusion, top).map((c) => ({
      ...c,
      actualName: names[c.actual],
      predictedName: names[c.predicted],
    })),
    pairs: topConfusedPairs(confusion, top).map((p) => ({ ...p, a: names[p.a], b: names[p.b] })),
    errors,
    test: opts.data ? await testSection(runDir, opts.data, names, opts) : undefined,
    confusion,
    oofTable: oof,
  };
}

/** Single-fold and voted test accuracy, overall and per test_meta.csv transform group. */
async function testSection(runDir: string, dataDir: string, names: string[], opts: ReportOptions) {
  const comp = await loadCompetitionDir(dataDir, { labels: true });
  if (JSON.stringify(comp.classNames) !== JSON.stringify(names)) {
    throw new SketchboardError(
      'invalid_argument',
      `${dataDir} has other classes than the run was trained on`,
    );
  }
  const targets = comp.labels!.map((l) => l.target);
  const pred = await predictRunFolds(
    runDir,
    comp.test.map((t) => t.imagePath),
    { onProgress: opts.onProgress },
  );
  const group = (name: string, rows?: number[]): TestGroup => {
    const { softPredictions: _s, hardPredictions: _h, ...acc } = ensembleAccuracy(pred, targets, rows);
    return { name, images: rows?.length ?? targets.length, ...acc };
  };
  const groups = [group('all test images')];
  const transforms = await readTransforms(
    dataDir,
    comp.test.map((t) => t.id),
  );
  if (transforms) {
    for (const [name, keep] of TRANSFORM_GROUPS) {
      const rows = transforms.flatMap((t, i) => (keep(t) ? [i] : []));
      if (rows.length > 0) groups.push(group(name, rows));
    }
  }
  return { dataDir, groups };
}

/** Test subsets by the generator's transform names (test_meta.csv): what the flip experiments look at. */
export const TRANSFORM_GROUPS: [string, (t: string) => boolean][] = [
  ['untransformed', (t) => t === 'none'],
  ['flipped or rotated', (t) => t !== 'none'],
  ['vertically flipped (vflip, vflip+rot…)', (t) => t.split('+').includes('vflip')],
  ['horizontally flipped (hflip, hflip+rot…)', (t) => t.split('+').includes('hflip')],
];

/**
 * Each test image's transform from DATA/test_meta.csv, in the given ID order; null when the file is absent.
 *
 * @example
 * const transforms = await readTransforms('data/sketch', test.map((t) => t.id)); // ['none', 'vflip', ...]
 */
export async function readTransforms(dataDir: string, ids: string[]): Promise<string[] | null> {
  const file = path.join(dataDir, TEST_META_FILE);
  try {
    await access(file);
  } catch {
    return null;
  }
  const { rows } = await readCsv(file, { required: ['ID', 'transform'] });
  const byId = new Map(rows.map((r) => [r.values.ID, r.values.transform]));
  return ids.map((id) => {
    const t = byId.get(id);
    if (t === undefined) throw new SketchboardError('invalid_data', `${file}: no row for test ID "${id}"`);
    return t;
  });
}

/** The report without its in-memory tables, for report.json. */
export function reportJson(report: RunReport): string {
  const { confusion: _c, oofTable: _o, ...rest } = report;
  return `${JSON.stringify(rest, null, 2)}\n`;
}

/** Reads a report.json written earlier (for tools and tests). */
export async function readReportJson(file: string): Promise<Omit<RunReport, 'confusion' | 'oofTable'>> {
  return JSON.parse(await readFile(file, 'utf8')) as Omit<RunReport, 'confusion' | 'oofTable'>;
}
