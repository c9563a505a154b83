// `sketchboard report RUN_DIR`: OOF and test accuracy, per class, confusions, confusion-matrix and error-gallery PNGs.
import { relative } from 'node:path';
import { buildRunReport } from '../train/report.js';
import { formatReport, writeRunReport } from '../train/report-write.js';
import { type Command, intOption, parse, UsageError } from './args.js';
import { progress } from './progress.js';

const usage = `Usage: sketchboard report RUN_DIR [--data DIR] [--errors 8] [--top 10] [--out DIR]

Analyses a training run folder (written by \`sketchboard train\`) and writes RUN_DIR/report/:
  report.md      the summary printed below
  report.json    the same numbers for tools
  confusion.png  OOF confusion matrix (rows: true class, normalised; columns: predicted)
  errors.png     the most confident OOF errors: each image, 3 training images of its true
                 class and 3 of the class it was taken for

  OOF accuracy is given per fold (each fold on the train images it held out) and pooled.
  Every train image has exactly one OOF prediction, so a soft or hard vote of the folds over
  OOF equals the pooled accuracy; the votes are compared on the test set instead:
  --data DIR     a competition folder with test.csv and test_labels.csv (and test_meta.csv for
                 groups by transform): adds the test accuracy of each fold, their mean, and the
                 soft and hard votes of all folds. Also where train images are read from for the
                 gallery (default: the data folder recorded in run.json).
  --errors N     errors shown in the gallery (default 8)
  --top N        confused class pairs listed (default 10)
  --out DIR      write the report here instead of RUN_DIR/report`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    errors: { type: 'string' },
    top: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one RUN_DIR');
  const runDir = positionals[0];
  const bar = values.data ? progress('predict test', 0) : null;
  const report = await buildRunReport(runDir, {
    data: values.data,
    errors: intOption(values.errors, 'errors', 8, 0, 100),
    top: intOption(values.top, 'top', 10, 1, 1000),
    onProgress: bar ? (done, total) => bar.update(done, total) : undefined,
  });
  bar?.done();
  const files = await writeRunReport(report, values.out);
  const rel = (f: string) => relative(process.cwd(), f) || f;
  process.stdout.write(
    `${formatReport(report)}\nwritten: ${[files.markdown, files.json, files.confusion, files.gallery].map(rel).join(', ')}\n`,
  );
  return 0;
}

/** The `report` command. */
export const command: Command = {
  name: 'report',
  summary: 'analyse a training run: OOF/test accuracy, confusions, error gallery',
  usage,
  run,
};
