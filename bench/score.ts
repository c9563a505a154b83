// Benchmark: the scorer's end-to-end images/s for one submission (claim → child → accuracy → output.csv) over `sketchboard predict`'s.
//
//   npx tsx bench/score.ts [--images 2000] [--classes 20] [--size 96] [--members 3] [--repeat 3]
//
// Not a test: prints figures. The same generated bundle and images are run three ways, alternating:
//   predict (CLI)   `node functions/cli/bin.mjs predict BUNDLE --data DIR --out output.csv`, whole process
//   predict (lib)   openBundle + predictBundle in this process (runtimes already imported)
//   scorer          scoreAttempt on embedded PGlite: claim, labels, sandboxed child (model load,
//                   prediction), accuracy, output.csv to the blob store, result write; two ways:
//                   one-shot (`sketchboard score`: the child is spawned on claim and loads node and the
//                   runtimes while the answer key is read) and worker (`sketchboard scorer`: the child
//                   was started ahead from the pool and its replacement starts during the job)
// Target: scorer / predict ≥ 0.95 (medians).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { exportLayersModel } from '../core/backends/onnx-export/index.js';
import { openBundle } from '../core/bundle/open.js';
import { packBundle } from '../core/bundle/pack.js';
import { generateSketchDataset } from '../core/data/generate.js';
import { loadTestLabels } from '../core/data/layout.js';
import { DEFAULT_BATCH_SIZE, predictBundle } from '../core/predict/predictor.js';
import { scoreAttempt } from '../functions/scorer/attempt.js';
import { RunnerPool } from '../functions/scorer/sandbox/pool.js';
import { scorerDeps } from '../functions/scorer/worker.js';
import { triggerSubmission } from '../functions/services/index.js';
import { openBenchScorer } from './lib/scorer-setup.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    classes: { type: 'string', default: '20' },
    size: { type: 'string', default: '96' },
    members: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '3' },
  },
});
const classes = Number(args.classes);
const testPerClass = Math.ceil(Number(args.images) / classes);
const size = Number(args.size);
const threads = availableParallelism();
const root = join(tmpdir(), `sketchboard-bench-score-${size}-${classes}x${testPerClass}`);
const BIN = fileURLToPath(new URL('../functions/cli/bin.mjs', import.meta.url));

/** A small CNN member (conv-relu-pool ×2, GAP, dense), seeded. */
function member(seed: number): Uint8Array {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [size, size, 3],
      filters: 16,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
    }),
  );
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  const bytes = exportLayersModel(m);
  m.dispose();
  return bytes;
}

async function prepare(): Promise<{ data: string; zip: string }> {
  const data = join(root, 'data');
  const zip = join(root, 'bundle.zip');
  await mkdir(root, { recursive: true });
  await generateSketchDataset({ out: data, classes, trainPerClass: 1, testPerClass, seed: 3 });
  await tf.setBackend('cpu');
  const dir = join(root, 'bundle');
  await mkdir(dir, { recursive: true });
  const members = Number(args.members);
  for (let i = 0; i < members; i++) await writeFile(join(dir, `m${i}.onnx`), member(i + 1));
  const manifest = {
    version: 1,
    name: 'bench',
    classes,
    input: { size: [size, size], channels: 3, layout: 'NHWC' },
    output: 'logits',
    ensemble: { vote: 'soft', members: Array.from({ length: members }, (_, i) => ({ model: `m${i}.onnx` })) },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await packBundle({ manifestPath: join(dir, 'manifest.json'), out: zip });
  return { data, zip };
}

/** CPU seconds of this process plus its waited-for children (/proc/self/stat utime..cstime, 100 ticks/s). */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After the command: state is field 3, so utime/stime/cutime/cstime (14-17) sit at 11-14 here.
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / 100;
}

/** Wall-clock and CPU images/s of one timed run. */
async function timed(n: number, body: () => Promise<void> | void): Promise<{ wall: number; cpu: number }> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  await body();
  return { wall: n / ((performance.now() - t0) / 1000), cpu: n / (cpuSeconds() - c0) };
}

type Rate = { wall: number; cpu: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { data, zip } = await prepare();
  const labels = await loadTestLabels(join(data, 'test_labels.csv'));
  const n = labels.length;
  const images = labels.map((l) => join(data, 'test', l.relPath));

  // The scorer's side: embedded PGlite, local blobs, one competition and one team.
  const { database, ctx, blobs, team, bundle, close } = await openBenchScorer(root, {
    slug: 'bench',
    classes,
    datasetDir: join(data, 'test'),
    datasetSha256: 'c'.repeat(64),
    items: labels.map((l) => ({ id: l.id, imagePath: l.relPath, label: l.target })),
    bundleZip: zip,
  });
  const env = {
    maxActiveSubmissions: 1000,
    scorer: { concurrency: 1, timeoutSeconds: 3600, memoryMb: 16_384, maxAttempts: 1, embedded: false },
  };
  const deps = scorerDeps({
    db: database.db,
    blobs,
    env,
    options: { threads },
    workRoot: join(root, 'work'),
  });

  const pool = new RunnerPool({ size: 1, memoryMb: env.scorer.memoryMb });
  const warmDeps = { ...deps, pool };
  const runs = { cli: [] as Rate[], lib: [] as Rate[], scorer: [] as Rate[], warm: [] as Rate[] };
  const score = async (d: typeof deps) => {
    const { submission } = await triggerSubmission(ctx, { teamId: team.id, bundleId: bundle.id });
    const out = await scoreAttempt(d, { submissionId: submission.id, lastAttempt: true });
    if (out.status !== 'scored') throw new Error(`scorer: ${JSON.stringify(out)}`);
  };
  for (let r = 0; r < Number(args.repeat); r++) {
    runs.cli.push(
      await timed(n, () => {
        const cli = spawnSync(
          process.execPath,
          [
            BIN,
            'predict',
            zip,
            '--data',
            data,
            '--out',
            join(root, 'output.csv'),
            '--threads',
            String(threads),
          ],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        if (cli.status !== 0) throw new Error(`sketchboard predict failed: ${cli.stderr}`);
      }),
    );
    runs.lib.push(
      await timed(n, async () => {
        const b = await openBundle(zip);
        await predictBundle(b, images, { batchSize: DEFAULT_BATCH_SIZE, load: { threads } });
        await b.dispose();
      }),
    );
    runs.scorer.push(await timed(n, () => score(deps)));
    runs.warm.push(await timed(n, () => score(warmDeps)));
    const fmt = (x: Rate[]) => `${x.at(-1)?.wall.toFixed(1)} (cpu ${x.at(-1)?.cpu.toFixed(1)})`;
    process.stderr.write(
      `run ${r + 1} images/s: cli ${fmt(runs.cli)}, lib ${fmt(runs.lib)}, scorer ${fmt(runs.scorer)}, worker ${fmt(runs.warm)}\n`,
    );
  }
  const m = (xs: Rate[], k: keyof Rate) => median(xs.map((x) => x[k]));
  const line = (name: string, xs: Rate[]) =>
    `${name.padEnd(36)} ${m(xs, 'wall').toFixed(1).padStart(7)} images/s wall  ${m(xs, 'cpu').toFixed(1).padStart(7)} images/CPU-s`;
  const ratio = (name: string, a: Rate[], b: Rate[]) =>
    `${name.padEnd(36)} ${(m(a, 'wall') / m(b, 'wall')).toFixed(3).padStart(7)} wall           ${(m(a, 'cpu') / m(b, 'cpu')).toFixed(3).padStart(7)} CPU`;
  process.stdout.write(
    [
      `bench/score: ${n} images ${size}×${size}, ${Number(args.members)}-model soft ensemble, ${classes} classes, ${threads} thread(s), median of ${args.repeat}, load average ${loadavg()[0].toFixed(1)}`,
      line('sketchboard predict (process)', runs.cli),
      line('predictBundle (in-process)', runs.lib),
      line('scorer, one-shot (cold child)', runs.scorer),
      line('scorer, worker (warm child)', runs.warm),
      `${ratio('one-shot / sketchboard predict', runs.scorer, runs.cli)}   (target ≥ 0.95)`,
      `${ratio('worker / sketchboard predict', runs.warm, runs.cli)}   (target ≥ 0.95)`,
      ratio('one-shot / predictBundle in-process', runs.scorer, runs.lib),
      ratio('worker / predictBundle in-process', runs.warm, runs.lib),
      '',
    ].join('\n'),
  );
  pool.close();
  await close();
  await rm(join(root, 'work'), { recursive: true, force: true });
}

await main();
