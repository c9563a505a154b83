// Shown, not claimed: measures fold ensembles, flip augmentation and linear vs MLP-3 heads on a generated sketch set.
//
//   npx tsx bench/experiments.ts [--quick] [--work DIR] [--seed N]
//
// Full version (the README's table; ~1 hour on 2 cores): `sketchboard gen` with 50 classes, 30 training
// and 20 test images per class, 20% of test images flipped and/or rotated (test_meta.csv says which), then
// with `sketchboard train --folds 5 --parallel 2` (32×32 input, ResNet width 16):
//   (a) the 5-fold soft vote's test accuracy vs the mean of its single folds (and the hard vote);
//   (b) a run with flip augmentation (curriculum preset `flips`: hflip + vflip, p = 0.5) vs one without
//       (`none`), on the vertically flipped test images (plus all / untransformed for context);
//   (c) `linear` vs `mlp3` heads on frozen features. No pretrained weights can be downloaded here, so the
//       backbone is fold 0 of run (b)'s flip-augmented CNN (trained on 80% of the training set), cut
//       before its classifier at the global-average-pooled features (d = 4 × width), as an ONNX file.
// Every test accuracy comes from the ONNX models `sketchboard pack` would put in the bundle. --quick runs
// the same pipeline on 12 classes. Output: a markdown table on stdout and in WORK/experiments.md (+ .json).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TestGroup } from '../core/train/report.js';
import { readRun } from '../core/train/run.js';
import {
  backboneFromRun,
  cnnArgs,
  type ExperimentScale,
  evaluateRun,
  FULL_SCALE,
  generateExperimentData,
  QUICK_SCALE,
  type RunEvaluation,
  trainCli,
  VFLIP_GROUP,
} from './lib/experiment.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, work: { type: 'string' }, seed: { type: 'string' } },
});
const scale: ExperimentScale = {
  ...(values.quick ? QUICK_SCALE : FULL_SCALE),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
};
const work = path.resolve(values.work ?? (await mkdtemp(path.join(tmpdir(), 'sketchboard-experiments-'))));
const data = path.join(work, 'data');
const started = Date.now();
const say = (line: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

async function train(name: string, args: string[]): Promise<string> {
  const out = path.join(work, name);
  say(`train ${name} (log: ${out}.log)`);
  await trainCli(args, `${out}.log`);
  return out;
}

async function evaluate(run: string): Promise<RunEvaluation> {
  say(`predict the test set with every fold of ${path.basename(run)}`);
  return evaluateRun(run, data);
}

async function main(): Promise<void> {
  say(
    `generate ${scale.classes} classes × (${scale.trainPerClass} train + ${scale.testPerClass} test) in ${data}`,
  );
  await generateExperimentData(data, scale);
  const flips = await train('cnn-flips', cnnArgs(scale, data, path.join(work, 'cnn-flips'), 'flips'));
  const none = await train('cnn-none', cnnArgs(scale, data, path.join(work, 'cnn-none'), 'none'));
  const evFlips = await evaluate(flips);
  const evNone = await evaluate(none);

  const backbone = path.join(work, 'backbone.onnx');
  const featureDim = await backboneFromRun(flips, 0, backbone);
  // The cut CNN was trained on its run's normalisation (not the head runs' default): feed it the same.
  const { mean, std } = (await readRun(flips)).model.input;
  say(`backbone: ${path.basename(flips)} fold 0 cut before its classifier, d = ${featureDim}`);
  const heads = new Map<string, RunEvaluation>();
  for (const head of ['linear', 'mlp3']) {
    const args = [
      ...[
        '--data',
        data,
        '--out',
        path.join(work, `head-${head}`),
        '--model',
        'head',
        '--backbone',
        backbone,
      ],
      ...['--head', head, '--curriculum', 'none', '--folds', String(scale.folds)],
      ...['--mean', mean.join(','), '--std', std.join(',')],
      ...[
        '--epochs',
        String(scale.headEpochs),
        '--seed',
        String(scale.seed),
        '--parallel',
        String(scale.parallel),
      ],
    ];
    heads.set(head, await evaluate(await train(`head-${head}`, args)));
  }

  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const ci = (g: TestGroup) => `${pct(g.soft.accuracy)} (${pct(g.soft.ci[0])}–${pct(g.soft.ci[1])})`;
  const gain = (g: TestGroup) =>
    `${g.soft.accuracy >= g.meanSingle ? '+' : ''}${(100 * (g.soft.accuracy - g.meanSingle)).toFixed(1)} pp`;
  const row = (what: string, run: string, group: string, ev: RunEvaluation) => {
    const g = ev.get(group);
    if (!g) return `| ${what} | ${run} | ${group} | 0 | – | – | – | – |`;
    return `| ${what} | ${run} | ${group} | ${g.images} | ${pct(g.meanSingle)} | ${ci(g)} | ${pct(g.hard.accuracy)} | ${gain(g)} |`;
  };
  const ALL = 'all test images';
  const table = [
    `Generated set: ${scale.classes} classes, ${scale.trainPerClass} train + ${scale.testPerClass} test images per class, ` +
      `${pct(scale.testTransformShare)} of test images flipped/rotated, seed ${scale.seed}; ${scale.folds} folds, ` +
      `${scale.epochs} epochs (heads ${scale.headEpochs}), input ${scale.inputSize}×${scale.inputSize}, ResNet width ${scale.width}. ` +
      `Soft vote with its 95% Wilson CI.`,
    '',
    '| experiment | run | test images | n | mean single fold | soft vote (95% CI) | hard vote | soft − mean |',
    '|---|---|---|---|---|---|---|---|',
    row('(a) fold ensemble', 'CNN, flips aug', ALL, evFlips),
    row('(a) fold ensemble', 'CNN, no aug', ALL, evNone),
    row('(b) flip aug', 'CNN, flips aug', VFLIP_GROUP, evFlips),
    row('(b) no aug', 'CNN, no aug', VFLIP_GROUP, evNone),
    row('(b) context', 'CNN, flips aug', 'untransformed', evFlips),
    row('(b) context', 'CNN, no aug', 'untransformed', evNone),
    row('(c) linear head', `frozen CNN features, d = ${featureDim}`, ALL, heads.get('linear')!),
    row('(c) mlp3 head', `frozen CNN features, d = ${featureDim}`, ALL, heads.get('mlp3')!),
    '',
    `Backbone for (c): fold 0 of the flips-augmented CNN run (trained on 80% of the training images), cut before ` +
      `its classifier at the global-average-pooled features; heads trained without augmentation on cached features. ` +
      `Total time ${((Date.now() - started) / 60000).toFixed(1)} min.`,
  ].join('\n');
  const json = Object.fromEntries(
    [
      ['cnn-flips', evFlips],
      ['cnn-none', evNone],
      ['head-linear', heads.get('linear')!],
      ['head-mlp3', heads.get('mlp3')!],
    ].map(([k, ev]) => [k as string, Object.fromEntries(ev as RunEvaluation)]),
  );
  await writeFile(path.join(work, 'experiments.md'), `${table}\n`);
  await writeFile(
    path.join(work, 'experiments.json'),
    `${JSON.stringify({ scale, featureDim, runs: json }, null, 2)}\n`,
  );
  process.stdout.write(`${table}\n`);
  say(`written ${path.join(work, 'experiments.md')}`);
}

// Caught here: TF.js's wasm module turns an unhandled rejection into a crash that prints its whole source.
main().catch((err: unknown) => {
  process.stderr.write(`experiments failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
