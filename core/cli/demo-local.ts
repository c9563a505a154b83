// `sketchboard demo --local`: the participant's quick flow without a server: sketches, baseline bundle, predict, evaluate.
import { join } from 'node:path';
import { openBundle } from '../bundle/open.js';
import { generateSketchDataset } from '../data/generate.js';
import { loadTestSet } from '../data/layout.js';
import { formatEvaluation } from '../metrics/accuracy.js';
import { evaluate } from '../metrics/evaluate.js';
import { writeOutputCsv } from '../predict/output.js';
import { predictBundle } from '../predict/predictor.js';
import { buildBaselineBundle } from '../train/baseline.js';
import { progress } from './progress.js';

export type LocalDemoOptions = {
  /** Working folder: data/, the baseline bundle, output.csv. */
  out: string;
  classes: number;
  seed: number;
  say(line: string): void;
};

/**
 * Generates a sketch competition, fits the two-model nearest-centroid baseline (one ONNX, one TF.js,
 * different input sizes), packs it, predicts the test set exactly as the scorer would, and prints accuracy.
 *
 * @example
 * await runLocalDemo({ out: '.sketchboard/local-demo', classes: 10, seed: 1, say: console.log });
 */
export async function runLocalDemo(opts: LocalDemoOptions): Promise<void> {
  const { out, classes, seed, say } = opts;
  const data = join(out, 'data');

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
      { onProgress: (done) => p.update(done) },
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
  say('  npm run demo   (the whole competition: server, three teams, training, leaderboards)');
}
