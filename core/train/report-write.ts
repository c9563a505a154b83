// Writes a run report into RUN_DIR/report/: report.md (also printed), report.json, confusion.png and errors.png.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../data/io.js';
import type { AccuracyStats } from '../metrics/accuracy.js';
import { confusionSvg, svgToPng } from '../metrics/confusion-plot.js';
import { classExamples, type GalleryRow, renderErrorGallery } from '../metrics/gallery.js';
import { type RunReport, reportJson, trainImagePath } from './report.js';

/** Files of a written report, absolute. */
export type ReportFiles = { dir: string; markdown: string; json: string; confusion: string; gallery: string };

/** Classes listed in the per-class table (worst first); report.json has all. */
const PER_CLASS_SHOWN = 25;

const pct = (s: AccuracyStats) => `${(100 * s.accuracy).toFixed(2)}%`;
const ci = (s: AccuracyStats) => `${(100 * s.ci[0]).toFixed(1)}–${(100 * s.ci[1]).toFixed(1)}%`;
const cell = (s: AccuracyStats) => `${pct(s)} (${s.correct}/${s.total}, 95% CI ${ci(s)})`;

/**
 * The report as markdown: OOF per fold and pooled (and why no OOF vote is printed), test votes vs single
 * folds, per-class accuracy (worst first), most-confused pairs, worst errors, and the two figures.
 *
 * @example
 * process.stdout.write(formatReport(report));
 */
export function formatReport(r: RunReport): string {
  const m = r.run.model;
  const what =
    m.kind === 'cnn'
      ? `CNN (resnet width ${m.cnn?.width}, depth ${m.cnn?.depth})`
      : `${m.head} head on ${m.backbone?.file} (d = ${m.backbone?.featureDim})`;
  const L: string[] = [
    `# Run report: ${path.basename(path.resolve(r.runDir))}`,
    '',
    `${what}, ${r.run.classNames.length} classes, ${r.run.folds} folds, seed ${r.run.seed}, input ${m.input.size.join('×')}×${m.input.channels}.`,
    '',
    '## Out-of-fold (OOF) accuracy',
    '',
    'Each fold is scored on the train images it held out, with its best-epoch checkpoint.',
    '',
    '| fold | best epoch (1-based) | OOF accuracy |',
    '|---|---|---|',
    ...r.oof.folds.map(
      (f) => `| ${f.fold}${f.finished ? '' : ' (unfinished)'} | ${f.bestEpoch + 1} | ${cell(f.stats)} |`,
    ),
    `| **pooled** | | **${cell(r.oof.pooled)}** |`,
    '',
    `Pooled OOF covers ${r.oof.covered} of ${r.oof.items} train images. In k-fold OOF every image has exactly one prediction ` +
      '(from the fold that did not train on it), so a soft or a hard vote over the folds gives exactly the pooled OOF ' +
      `accuracy; ${r.test ? 'the ensembles are compared on the test set below' : 'pass --data DIR (with test_labels.csv) to compare them on the test set'}, where every fold predicts every image.`,
    '',
  ];
  if (r.test) {
    L.push(
      '## Test accuracy: single folds vs their votes',
      '',
      `Labels: ${r.test.dataDir}/test_labels.csv.`,
      '',
    );
    L.push(
      '| test images | n | mean single fold | soft vote | hard vote | folds |',
      '|---|---|---|---|---|---|',
    );
    for (const g of r.test.groups) {
      const folds = g.folds.map((f) => `${f.fold}: ${pct(f.stats)}`).join(', ');
      L.push(
        `| ${g.name} | ${g.images} | ${(100 * g.meanSingle).toFixed(2)}% | ${cell(g.soft)} | ${cell(g.hard)} | ${folds} |`,
      );
    }
    L.push('');
  }
  const perClass = r.perClass
    .map((c, i) => ({ ...c, i }))
    .sort((a, b) => a.stats.accuracy - b.stats.accuracy || a.i - b.i);
  const shown = perClass.slice(0, PER_CLASS_SHOWN);
  L.push('## Per-class OOF accuracy (worst first)', '', '| class | accuracy |', '|---|---|');
  for (const c of shown) L.push(`| ${c.name} | ${cell(c.stats)} |`);
  if (perClass.length > shown.length) {
    L.push('', `… and ${perClass.length - shown.length} more classes (all of them in report.json).`);
  }
  L.push(
    '',
    '## Most-confused classes (OOF)',
    '',
    '| true → predicted | images | share of the true class |',
    '|---|---|---|',
  );
  for (const c of r.confusions)
    L.push(`| ${c.actualName} → ${c.predictedName} | ${c.count} | ${(100 * c.share).toFixed(1)}% |`);
  L.push('', 'Pairs, either direction:', '');
  for (const p of r.pairs) L.push(`- ${p.a} ↔ ${p.b}: ${p.count} (${p.aToB} + ${p.bToA})`);
  L.push(
    '',
    '## Most confident OOF errors',
    '',
    '| image | fold | true | predicted | p(predicted) |',
    '|---|---|---|---|---|',
  );
  for (const e of r.errors) {
    const rel = r.oofTable.items[e.index].imagePath;
    L.push(
      `| ${rel} | ${e.fold} | ${r.run.classNames[e.actual]} | ${r.run.classNames[e.predicted]} | ${e.confidence.toFixed(3)} |`,
    );
  }
  L.push('', '![confusion matrix](confusion.png)', '', '![error gallery](errors.png)', '');
  return L.join('\n');
}

/**
 * Writes report.md, report.json, confusion.png and errors.png into `dir` (default RUN_DIR/report).
 *
 * @example
 * const files = await writeRunReport(await buildRunReport('runs/cnn'));
 */
export async function writeRunReport(
  r: RunReport,
  dir = path.join(r.runDir, 'report'),
): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    markdown: path.join(dir, 'report.md'),
    json: path.join(dir, 'report.json'),
    confusion: path.join(dir, 'confusion.png'),
    gallery: path.join(dir, 'errors.png'),
  };
  const name = path.basename(path.resolve(r.runDir));
  const pooled = `${(100 * r.oof.pooled.accuracy).toFixed(1)}%`;
  await svgToPng(
    confusionSvg(r.confusion, r.run.classNames, {
      title: `${name}: OOF confusion (accuracy ${pooled}), rows normalised`,
    }),
    files.confusion,
  );
  const { probabilities, classes, items, covered } = r.oofTable;
  const targets = items.map((it) => it.target);
  const dataDir = r.test?.dataDir ?? r.run.dataDir;
  const example = (cls: number, exclude: number) =>
    classExamples(probabilities, classes, targets, covered, cls, 3, exclude).map((i) =>
      trainImagePath(dataDir, items[i].imagePath),
    );
  const rows: GalleryRow[] = r.errors.map((e) => ({
    image: e.image,
    caption: items[e.index].imagePath,
    actual: r.run.classNames[e.actual],
    predicted: r.run.classNames[e.predicted],
    confidence: e.confidence,
    actualExamples: example(e.actual, e.index),
    predictedExamples: example(e.predicted, e.index),
  }));
  await renderErrorGallery(rows, files.gallery, { title: `${name}: most confident OOF errors` });
  await writeFileAtomic(files.markdown, formatReport(r));
  await writeFileAtomic(files.json, reportJson(r));
  return files;
}
