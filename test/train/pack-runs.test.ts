// pack RUN_DIR...: fold export, voting trees mirroring runs, head runs merged behind their backbone, refusals, CLI.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InputSpec, inputKey, listLeaves } from '../../core/bundle/manifest.js';
import { openBundle } from '../../core/bundle/open.js';
import { command } from '../../core/cli/pack.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { preprocessBatch } from '../../core/predict/preprocess.js';
import { hardVote, type NodeResult, resultOf, softmax, softVote } from '../../core/predict/vote.js';
import { buildFoldModel } from '../../core/train/networks.js';
import { packRuns } from '../../core/train/pack-runs.js';
import { captureOutput } from '../helpers/output.js';
import {
  backboneModel,
  CLASS_NAMES,
  CNN_INPUT,
  fakeRun,
  HEAD_INPUT,
  randomImages,
} from './pack-runs-fixtures.js';

process.env.SKETCHBOARD_TFJS_BACKEND = 'cpu';
let work: string;
let images: string[];
const C = CLASS_NAMES.length;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'pack-runs-'));
  await fakeRun(path.join(work, 'cnn'), { kind: 'cnn', folds: 3 });
  await fakeRun(path.join(work, 'eva-mlp3'), { kind: 'head', folds: 2, seed: 7 });
  images = await randomImages(path.join(work, 'images'), 6);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Softmaxed fold outputs computed in TF.js, straight from the checkpoints (the head behind the TF.js backbone). */
async function expectedFold(run: string, fold: number, spec: InputSpec, head: boolean): Promise<NodeResult> {
  const t = (await preprocessBatch(images, [spec])).get(inputKey(spec))!;
  const model = await buildFoldModel(path.join(work, run), fold);
  const backbone = head ? backboneModel() : null;
  const logits = tf.tidy(() => {
    let x = tf.tensor(t.data, t.dims);
    if (backbone) x = backbone.predict(x) as tf.Tensor;
    return model.predict(x) as tf.Tensor;
  });
  const data = Float32Array.from(await logits.data());
  logits.dispose();
  model.dispose();
  backbone?.dispose();
  return resultOf(softmax({ rows: images.length, classes: C, data }));
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
};

describe('packRuns', () => {
  it('one CNN run: a soft node over its folds whose bundle reproduces the checkpoints', async () => {
    const out = path.join(work, 'cnn.zip');
    const r = await packRuns({ runs: [path.join(work, 'cnn')], vote: 'soft', out });
    expect(r.manifest.ensemble).toEqual({
      vote: 'soft',
      members: [{ model: 'cnn/fold0.onnx' }, { model: 'cnn/fold1.onnx' }, { model: 'cnn/fold2.onnx' }],
    });
    expect(r.manifest).toMatchObject({
      name: 'cnn-3fold-soft',
      classes: C,
      output: 'logits',
      input: CNN_INPUT,
    });
    expect(r.models.map((m) => m.model)).toEqual(['cnn/fold0.onnx', 'cnn/fold1.onnx', 'cnn/fold2.onnx']);
    expect(r.warnings).toEqual([]);
    const folds = await Promise.all([0, 1, 2].map((f) => expectedFold('cnn', f, CNN_INPUT, false)));
    const want = softVote(folds.map((result) => ({ result, weight: 1 })));
    const bundle = await openBundle(out);
    try {
      const p = await predictBundle(bundle, images, { load: { executionProviders: ['cpu'] } });
      close(p.scores, want.scores.data);
      // The folds differ, so this is a real vote and not three copies of one model.
      expect(folds[0].scores.data).not.toEqual(folds[1].scores.data);
    } finally {
      await bundle.dispose();
    }
  });

  it('CNN + head runs: a hard vote over per-run soft votes, the head merged behind its backbone with input overrides', async () => {
    const out = path.join(work, 'two.zip');
    const r = await packRuns({
      runs: [path.join(work, 'cnn'), path.join(work, 'eva-mlp3')],
      vote: 'soft',
      outer: 'hard',
      out,
      shareBackbones: false,
      shareBackboneAbove: 0,
    });
    const root = r.manifest.ensemble;
    expect(root).toMatchObject({ vote: 'hard', members: [{ vote: 'soft' }, { vote: 'soft' }] });
    const leaves = listLeaves(r.manifest);
    expect(leaves.map((l) => l.model)).toEqual([
      'cnn/fold0.onnx',
      'cnn/fold1.onnx',
      'cnn/fold2.onnx',
      'eva-mlp3/fold0.onnx',
      'eva-mlp3/fold1.onnx',
    ]);
    expect(leaves[4].input).toEqual(HEAD_INPUT);
    expect(leaves[0].input).toEqual(CNN_INPUT);
    // Both head folds share one weights file for the backbone.
    expect(r.files).toContain('eva-mlp3/backbone.weights');
    const cnn = await Promise.all([0, 1, 2].map((f) => expectedFold('cnn', f, CNN_INPUT, false)));
    const head = await Promise.all([0, 1].map((f) => expectedFold('eva-mlp3', f, HEAD_INPUT, true)));
    const w = (results: NodeResult[]) => results.map((result) => ({ result, weight: 1 }));
    const want = hardVote(w([softVote(w(cnn)), softVote(w(head))]));
    const bundle = await openBundle(out);
    try {
      const p = await predictBundle(bundle, images, { load: { executionProviders: ['cpu'] } });
      const byId = new Map(p.members.map((m) => [m.id, m.predictions]));
      expect([...byId.get('1.0')!]).toEqual([...head[0].decisions]);
      expect([...byId.get('1')!]).toEqual([...softVote(w(head)).decisions]);
      expect([...p.predictions]).toEqual([...want.decisions]);
      close(p.scores, want.scores.data);
    } finally {
      await bundle.dispose();
    }
  });

  it('keeps small backbones inside each fold model, and warns about missing and unfinished folds', async () => {
    const dir = path.join(work, 'partial');
    await fakeRun(dir, { kind: 'head', folds: 4, trained: [0, 1, 3], unfinished: [3], head: 'linear' });
    const out = path.join(work, 'partial.zip');
    const r = await packRuns({ runs: [dir], vote: 'hard', out, shareBackbones: false });
    expect(r.files).toEqual([
      'manifest.json',
      'partial/fold0.onnx',
      'partial/fold1.onnx',
      'partial/fold3.onnx',
    ]);
    expect(r.warnings).toEqual([
      expect.stringMatching(/fold\(s\) 2 have no checkpoint; packing the other 3/),
      expect.stringMatching(/fold\(s\) 3 have not finished/),
    ]);
    expect(r.manifest.ensemble).toMatchObject({ vote: 'hard' });
  });

  it('refuses runs with different classes, runs without checkpoints, and writes nothing', async () => {
    const other = path.join(work, 'other');
    await fakeRun(other, { kind: 'cnn', folds: 2, classNames: ['x', 'y', 'z', 'w'] });
    const out = path.join(work, 'refused.zip');
    await expect(
      packRuns({ runs: [path.join(work, 'cnn'), other], vote: 'soft', out }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/different class lists/),
    });
    const empty = path.join(work, 'empty');
    await fakeRun(empty, { kind: 'cnn', folds: 2, trained: [] });
    await expect(packRuns({ runs: [empty], vote: 'soft', out })).rejects.toMatchObject({ code: 'not_found' });
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('sketchboard pack RUN_DIR...', () => {
  it('prints the tree and the checks; usage errors for bad flags', async () => {
    const { result: code, out: printed } = await captureOutput(() =>
      command.run([path.join(work, 'cnn'), '--vote', 'hard', '--out', path.join(work, 'cli.zip')]),
    );
    expect(code).toBe(0);
    expect(printed).toContain('hard vote of 3\n    cnn/fold0.onnx');
    expect(printed).toContain(`checked 3 models: each gives [2, ${C}] on a dummy batch`);
    const cnn = path.join(work, 'cnn');
    await expect(command.run([cnn, '--out', 'x.zip'])).rejects.toThrow(/--vote/);
    await expect(command.run([cnn, '--vote', 'mean', '--out', 'x.zip'])).rejects.toThrow(/soft or hard/);
    await expect(command.run([cnn, '--vote', 'soft', '--outer', 'hard', '--out', 'x.zip'])).rejects.toThrow(
      /at least two/,
    );
    await expect(command.run([cnn, '--manifest', 'm.json', '--out', 'x.zip'])).rejects.toThrow(/not both/);
  });
});
