// The fold trainer on tiny real runs: run folder, best/OOF agreement with the exported model, exact resume, head runs.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../core/train/epoch.js';
import { gatherImages, modelInput } from '../../core/train/images.js';
import { buildFoldModel } from '../../core/train/networks.js';
import { prepareRun } from '../../core/train/prepare.js';
import { foldDir, readCheckpoint, readOof, readRun } from '../../core/train/run.js';
import { runSchedulerConfig } from '../../core/train/scheduler-config.js';
import { trainFold } from '../../core/train/trainer.js';
import { maxDiff, tinyConfig, useTinyRoot, writeBackbone } from './trainer-fixtures.js';

const t = useTinyRoot('sb-trainer-');

describe('CNN fold training', () => {
  const straight = () => path.join(t.root, 'straight');

  it('writes the run folder; the best checkpoint and its OOF agree with the exported model', async () => {
    const runDir = straight();
    const p = await prepareRun({ dataDir: t.data, runDir, config: tinyConfig() });
    const lines: string[] = [];
    const done = await trainFold(p, 0, { onLine: (l) => lines.push(l) });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^fold 1\/2 epoch 1\/3 train loss \d+\.\d{3} acc \d\.\d{3} \| val loss \d+\.\d{3} acc \d\.\d{3} \| lr 0\.010 \| \d+\.\ds, ETA \S+$/,
    );
    expect(lines[2]).toMatch(/epoch 3\/3 .* lr 0\.0049 /);
    expect((await readdir(runDir)).sort()).toEqual(['fold-0', 'folds.csv', 'run.json']);
    const files = (await readdir(foldDir(runDir, 0))).filter((f) => !f.endsWith('.bin')).sort();
    expect(files).toEqual(['best.json', 'done.json', 'history.csv', 'last.json', 'oof.json']);
    const run = await readRun(runDir);
    expect(run.model).toMatchObject({
      kind: 'cnn',
      classes: 3,
      input: { size: [24, 24], layout: 'NHWC', channels: 1 },
    });
    const history = await readHistory(foldDir(runDir, 0));
    const bestAcc = Math.max(...history.map((h) => h.valAcc));
    const best = await readCheckpoint(runDir, 0);
    expect(best.info.epoch).toBe(done.bestEpoch);
    expect(best.info.metric.value).toBeCloseTo(bestAcc, 6);
    expect(done.backend).toMatch(/^(wasm|cpu|tensorflow)$/);

    const oof = await readOof(runDir);
    const valIdx = p.folds.flatMap((f, i) => (f === 0 ? [i] : []));
    expect(oof.covered).toEqual(p.folds.map((f) => f === 0));
    const model = await buildFoldModel(runDir, 0);
    try {
      const x = modelInput(gatherImages(p.images as NonNullable<typeof p.images>, valIdx), run.model.input);
      const probs = tf.tidy(() =>
        tf.softmax(model.predict(tf.tensor(x.data, x.dims)) as tf.Tensor2D).dataSync(),
      );
      const rows = valIdx.flatMap((i) => Array.from(oof.probabilities.subarray(i * 3, i * 3 + 3)));
      expect(maxDiff(probs, rows)).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('resumes from the last checkpoint to the same result as a straight run', async () => {
    const runDir = path.join(t.root, 'resumed');
    const first = await prepareRun({ dataDir: t.data, runDir, config: tinyConfig({ epochs: 2 }) });
    await trainFold(first, 0);
    await expect(trainFold(first, 0)).rejects.toThrow(/already holds a checkpoint: use --resume/);
    await expect(prepareRun({ dataDir: t.data, runDir, config: tinyConfig({ seed: 4 }) })).rejects.toThrow(
      /holds a run with a different config/,
    );
    const again = await prepareRun({ dataDir: t.data, runDir, config: tinyConfig() });
    const lines: string[] = [];
    await trainFold(again, 0, { resume: true, onLine: (l) => lines.push(l) });
    expect(lines.map((l) => l.slice(0, 18))).toEqual(['fold 1/2 epoch 3/3']);
    const [a, b] = await Promise.all([
      readCheckpoint(straight(), 0, 'last'),
      readCheckpoint(runDir, 0, 'last'),
    ]);
    expect(b.weights.map((w) => w.name)).toEqual(a.weights.map((w) => w.name));
    a.weights.forEach((w, i) => {
      expect(maxDiff(w.data, b.weights[i].data)).toBeLessThan(1e-5);
    });
    const [ha, hb] = await Promise.all([
      readHistory(foldDir(straight(), 0)),
      readHistory(foldDir(runDir, 0)),
    ]);
    expect(hb.map((h) => h.valAcc)).toEqual(ha.map((h) => h.valAcc));
    expect(hb.map((h) => h.trainLoss)).toEqual(ha.map((h) => h.trainLoss));
    expect((await readCheckpoint(runDir, 0)).info.epoch).toBe(
      (await readCheckpoint(straight(), 0)).info.epoch,
    );
  });
});

describe('run scheduler', () => {
  it('takes its LR from the optimizer and cosine length from the epochs', () => {
    expect(runSchedulerConfig(tinyConfig({ scheduler: { kind: 'cosine', minLr: 0.001 } }))).toEqual({
      kind: 'cosine',
      lr: 0.01,
      total: 3,
      minLr: 0.001,
    });
    expect(runSchedulerConfig(tinyConfig({ scheduler: { kind: 'cyclic' } }))).toEqual({
      kind: 'cyclic',
      maxLr: 0.01,
      baseLr: 0.001,
      stepSize: 2,
    });
  });
});

describe('head on a frozen ONNX backbone', () => {
  it('caches the features, reads the cache on the next run, and trains the head', async () => {
    const backbone = path.join(t.root, 'backbone.onnx');
    await writeBackbone(backbone);
    const runDir = path.join(t.root, 'head');
    const config = tinyConfig({ model: 'head', backbone, head: 'mlp3', curriculum: 'none', epochs: 2 });
    const first = await prepareRun({ dataDir: t.data, runDir, config });
    expect(first.features?.source).toBe('computed');
    expect(first.features?.dim).toBe(6);
    expect([first.images, first.backbone]).toEqual([null, null]);
    const run = await readRun(runDir);
    expect(run.model).toMatchObject({
      kind: 'head',
      head: 'mlp3',
      backbone: { file: 'backbone.onnx', featureDim: 6 },
    });
    expect(run.model.input).toMatchObject({ size: [24, 24], channels: 1, layout: 'NHWC' });
    expect(await readFile(path.join(runDir, 'backbone.onnx'))).toEqual(await readFile(backbone));

    // Plant other values in the cache file: the next run must return them (read, not recomputed).
    const file = first.features?.file as string;
    const original = await readFile(file);
    const planted = Float32Array.from({ length: 18 * 6 }, (_, i) => i / 7);
    await writeFile(file, new Uint8Array(planted.buffer));
    const mtime = (await stat(file)).mtimeMs;
    const second = await prepareRun({ dataDir: t.data, runDir, config });
    expect(second.features?.source).toBe('cache');
    expect(Array.from(second.features?.features ?? [])).toEqual(Array.from(planted));
    expect(second.images).toBeNull();
    expect((await stat(file)).mtimeMs).toBe(mtime);
    await writeFile(file, original);

    const third = await prepareRun({ dataDir: t.data, runDir, config });
    const done = await trainFold(third, 1);
    expect(done.bestEpoch).toBeGreaterThanOrEqual(0);
    const model = await buildFoldModel(runDir, 1);
    expect(model.inputs[0].shape).toEqual([null, 6]);
    model.dispose();
  });

  it('recomputes features per augmented batch when the curriculum augments', async () => {
    const backbone = path.join(t.root, 'backbone.onnx');
    const runDir = path.join(t.root, 'head-aug');
    const config = tinyConfig({ model: 'head', backbone, head: 'linear', curriculum: 'flips', epochs: 1 });
    const p = await prepareRun({ dataDir: t.data, runDir, config });
    expect(p.images?.n).toBe(18);
    const live = p.backbone as NonNullable<typeof p.backbone>;
    let calls = 0;
    const extract = live.extract;
    live.extract = (pixels) => {
      calls++;
      return extract(pixels);
    };
    try {
      await trainFold(p, 0);
    } finally {
      await live.dispose();
    }
    expect(calls).toBe(3); // 9 training items in batches of 4: 4 + 4 + 1
  });
});
