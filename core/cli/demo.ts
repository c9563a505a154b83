// `sketchboard demo`: the local flow end to end: generate sketches, build a baseline bundle, predict, evaluate.
import { join, resolve } from 'node:path';
import { openBundle } from '../bundle/open.js';
import { generateSketchDataset } from '../data/generate.js';
import { loadTestSet } from '../data/layout.js';
import { formatEvaluation } from '../metrics/accuracy.js';
import { evaluate } from '../metrics/evaluate.js';
import { writeOutputCsv } from '../predict/output.js';
import { predictBundle } from '../predict/predictor.js';
import { buildBaselineBundle } from '../train/baseline.js';
import { type Command, intOption, parse } from './args.js';
import { progress } from './progress.js';

const usage = `Usage: sketchboard demo [--out DIR] [--classes 10] [--seed 1]

Runs the participant's local flow on generated data: makes a synthetic sketch competition,
fits a two-model nearest-centroid baseline (one ONNX, one TF.js, different input sizes),
packs it as a bundle, predicts the test set exactly as the scorer would, and prints accuracy.

  --out DIR     working folder (default: $SKETCHBOARD_DATA_DIR/local-demo, i.e. ./.sketchboard/local-demo)
  --classes N   number of sketch classes, 2..60 (default 10)
  --seed N      generator seed (default 1)`;

const options = { out: { type: 'string' }, classes: { type: 'string' }, seed: { type: 'string' } } as const;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, false);
  const dataRoot = process.env.SKETCHBOARD_DATA_DIR ?? '.sketchboard';
  const out = resolve(values.out ?? join(dataRoot, 'local-demo'));
  const classes = intOption(values.classes, 'classes', 10, 2, 60);
  const seed = intOption(values.seed, 'seed', 1, 0, 2 ** 31 - 1);
  const data = join(out, 'data');
  const say = (s: string) => process.stdout.write(`${s}\n`);

  say(`1/4 generating ${classes} sketch classes into ${data}`);
  const bar = progress('gen', 0);
  const gen = await generateSketchDataset({
    out: data,
    classes,
    trainPerClass: 20,
    testPerClass: 20,
    seed,
    size: 96,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.done(`${gen.trainCount} train, ${gen.testCount} test images`);

  say('2/4 building the baseline bundle');
  const baseline = await buildBaselineBundle(data, out, (m) => say(`    ${m}`));
  say(`    packed ${baseline.bundlePath} (sha256 ${baseline.sha256.slice(0, 12)}…)`);

  say('3/4 predicting the test set');
  const bundle = await openBundle(baseline.bundlePath);
  const outputCsv = join(out, 'output.csv');
  try {
    const items = await loadTestSet(data);
    const p = progress('predict', items.length);
    const result = await predictBundle(
      bundle,
      items.map((i) => i.imagePath),
      {
        onProgress: (done) => p.update(done),
      },
    );
    p.done(`${result.imagesPerSecond.toFixed(0)} images/s`);
    await writeOutputCsv(outputCsv, items, result.predictions);
  } finally {
    await bundle.dispose();
  }

  say(`4/4 evaluating ${outputCsv}`);
  const evaluation = await evaluate(outputCsv, join(data, 'test_labels.csv'));
  for (const line of formatEvaluation(evaluation)) say(`    ${line}`);
  say(`    chance is ${(1 / classes).toFixed(4)}; train real models with \`sketchboard train\`.`);
  say('');
  say('Try next:');
  say(`  node core/cli/bin.mjs predict ${baseline.bundlePath} --data ${data} --out /tmp/output.csv`);
  say(`  node core/cli/bin.mjs evaluate /tmp/output.csv --labels ${join(data, 'test_labels.csv')}`);
  return 0;
}

export const command: Command = {
  name: 'demo',
  summary: 'local demo: generate sketches, build a baseline bundle, predict, evaluate',
  usage,
  run,
};
