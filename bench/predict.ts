// Predictor benchmark: raw inference, preprocessing alone and end to end on a ResNet-18-sized ONNX model.
// Run: npx tsx bench/predict.ts [--images 1000] [--batch-size 32] [--threads N] [--size 256] [--rounds 4] [--sharp-threads N]
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadModel } from '../core/backends/index.js';
import { exportLayersModelToFile } from '../core/backends/onnx-export/index.js';
import { IMAGENET_NORM, inputSpec } from '../core/bundle/manifest.js';
import { openBundleDir } from '../core/bundle/open.js';
import { generateSketchDataset, isGeneratedSet } from '../core/data/generate.js';
import { loadTestSet } from '../core/data/layout.js';
import { predictBundle } from '../core/predict/predictor.js';
import { preprocessBatch } from '../core/predict/preprocess.js';
import { resnet18 } from './resnet.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '32' },
    threads: { type: 'string' },
    size: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '4' },
    'sharp-threads': { type: 'string' },
    work: { type: 'string', default: path.join(os.tmpdir(), 'sketchboard-bench') },
  },
});
const count = Number(values.images);
const batchSize = Number(values['batch-size']);
const threads = values.threads === undefined ? os.availableParallelism() : Number(values.threads);
const sketchSize = Number(values.size);
const rounds = Number(values.rounds);
if (values['sharp-threads'] !== undefined) sharp.concurrency(Number(values['sharp-threads']));

const CLASSES = 50;
const MODEL = 'resnet18.onnx';
const spec = inputSpec({ size: [224, 224], channels: 3, layout: 'NHWC', ...IMAGENET_NORM });
const now = () => performance.now() / 1000;
const line = (label: string, v: string) => process.stdout.write(`${label.padEnd(34)} ${v}\n`);

/** ≥ `count` generated test sketches, cached in the work folder between runs. */
async function sketches(): Promise<string[]> {
  const perClass = Math.ceil(count / CLASSES);
  const dir = path.join(values.work!, `sketch-${CLASSES}x${perClass}-${sketchSize}px`);
  if (!(await isGeneratedSet(dir))) {
    const t = now();
    await generateSketchDataset({
      out: dir,
      classes: CLASSES,
      trainPerClass: 1,
      testPerClass: perClass,
      size: sketchSize,
    });
    line('generated sketches', `${CLASSES * perClass} in ${(now() - t).toFixed(1)} s (${dir})`);
  }
  return (await loadTestSet(dir)).slice(0, count).map((item) => item.imagePath);
}

/** The bundle folder with the exported ResNet-18, built once and cached. */
async function bundleDir(): Promise<string> {
  const dir = path.join(values.work!, 'resnet18-bundle');
  await mkdir(dir, { recursive: true });
  if (!(await stat(path.join(dir, MODEL)).catch(() => null))) {
    const t = now();
    const model = await resnet18({ size: 224, classes: CLASSES });
    await exportLayersModelToFile(model, path.join(dir, MODEL));
    line(
      'built + exported ResNet-18',
      `${model.countParams().toLocaleString('en')} params in ${(now() - t).toFixed(1)} s`,
    );
    model.dispose();
  }
  const manifest = {
    version: 1,
    name: 'resnet18-random',
    classes: CLASSES,
    input: spec,
    output: 'logits',
    ensemble: { model: MODEL },
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/** Wall seconds and process CPU seconds (all threads: ORT's and sharp's included) of one phase. */
type Cost = { wall: number; cpu: number; images: number };
const add = (a: Cost, b: Cost): Cost => ({
  wall: a.wall + b.wall,
  cpu: a.cpu + b.cpu,
  images: a.images + b.images,
});
const ZERO: Cost = { wall: 0, cpu: 0, images: 0 };
async function measure(images: number, work: () => Promise<unknown>): Promise<Cost> {
  const c = process.cpuUsage();
  const t = now();
  await work();
  const used = process.cpuUsage(c);
  return { wall: now() - t, cpu: (used.user + used.system) / 1e6, images };
}
const rate = (c: Cost) => c.images / c.wall;
const describe = (c: Cost) =>
  `${rate(c).toFixed(1)} images/s (${c.images} in ${c.wall.toFixed(1)} s; ${((1000 * c.cpu) / c.images).toFixed(1)} CPU-ms/image)`;

/** Preprocessing alone: every image decoded and normalised, batch after batch, as the predictor does. */
async function preprocessAll(images: string[]): Promise<void> {
  for (let i = 0; i < images.length; i += batchSize)
    await preprocessBatch(images.slice(i, i + batchSize), [spec]);
}

async function main(): Promise<void> {
  line(
    'machine',
    `${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0].toFixed(1)}`,
  );
  line(
    'settings',
    `batch ${batchSize}, ORT threads ${threads}, sharp.concurrency ${sharp.concurrency()}, ` +
      `UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`,
  );
  const images = await sketches();
  const dir = await bundleDir();
  const bundle = await openBundleDir(dir);
  line('images', `${images.length} sketches of ${sketchSize}px → 224×224×3, ${rounds} interleaved rounds`);

  // Warm-up: page cache, sharp's and ORT's first-run costs.
  await preprocessAll(images.slice(0, 2 * batchSize));
  const model = await loadModel(dir, MODEL, { threads });
  const [ready] = (await preprocessBatch(images.slice(0, batchSize), [spec])).values();
  await model.run(ready);

  // Rounds interleave the three phases over slices of the images, so that load from other processes
  // on a shared machine falls on all three alike.
  let pre = ZERO;
  let raw = ZERO;
  let e2e = ZERO;
  let e2eWall = 0;
  const per = Math.ceil(images.length / rounds);
  for (let r = 0; r < rounds; r++) {
    const slice = images.slice(r * per, (r + 1) * per);
    pre = add(pre, await measure(slice.length, () => preprocessAll(slice)));
    const runs = Math.max(1, Math.round(slice.length / batchSize));
    raw = add(
      raw,
      await measure(runs * batchSize, async () => {
        for (let i = 0; i < runs; i++) await model.run(ready);
      }),
    );
    const t = now();
    let loop = 0;
    const cost = await measure(slice.length, async () => {
      loop = (await predictBundle(bundle, slice, { batchSize, load: { threads } })).seconds;
    });
    e2eWall += now() - t;
    e2e = add(e2e, { ...cost, wall: loop }); // the loop alone; model loading is reported apart
  }
  await model.dispose();

  const bound = 1 / (1 / rate(raw) + 1 / rate(pre));
  line('preprocessing only', describe(pre));
  line('raw inference (ready tensors)', describe(raw));
  line('end to end (predictBundle loop)', describe(e2e));
  line('end to end (wall, with model loads)', `${(e2e.images / e2eWall).toFixed(1)} images/s`);
  line('CPU bound 1/(1/raw + 1/pre)', `${bound.toFixed(1)} images/s`);
  line('ratio end to end / bound', `${(rate(e2e) / bound).toFixed(3)}`);
  line('ratio end to end / raw', `${(rate(e2e) / rate(raw)).toFixed(3)}`);
  // On a shared, oversubscribed machine wall rates follow the neighbours' load; CPU time per image does not.
  const perImage = (c: Cost) => c.cpu / c.images;
  line('CPU-time ratio (raw + pre) / e2e', `${((perImage(raw) + perImage(pre)) / perImage(e2e)).toFixed(3)}`);
  line(
    'load average at the end',
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  );
}

await main();
