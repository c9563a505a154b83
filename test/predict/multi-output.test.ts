// Leaves reading named outputs of one ONNX model: one run per (batch, spec, view), tables equal to single models.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBundleModels, loadBundleModels } from '../../core/predict/models.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { maxAbsDiff } from '../backends/fixtures.js';
import { mergeHeads, tinyNet, writeOnnx } from './fixtures.js';
import {
  boxed,
  bundleOf,
  CLASSES,
  countingLoader,
  expectHeadsMatchSingles,
  headLeaves,
  refusal,
  useSketchRoot,
} from './multi-fixtures.js';

/** Three tinyNet heads (seeds 1, 3, 5) as single ONNX models f0..f2 and merged into heads.onnx (fold0..fold2). */
const set = useSketchRoot('sb-heads-', async (root) => {
  const dir = path.join(root, 'onnx');
  const heads: Record<string, Uint8Array> = {};
  for (const [k, seed] of [1, 3, 5].entries()) {
    const net = await tinyNet({ h: 16, w: 16, c: 1, classes: CLASSES, seed });
    await writeOnnx(net, dir, `f${k}.onnx`);
    net.dispose();
    heads[`fold${k}`] = await readFile(path.join(dir, `f${k}.onnx`));
  }
  await writeFile(path.join(dir, 'heads.onnx'), mergeHeads(heads));
});

describe('multi-output ONNX model', () => {
  const dir = () => path.join(set.root, 'onnx');
  const heads = [{ k: 0 }, { k: 1 }, { k: 2, input: boxed }, { k: 1, input: boxed }];

  it('runs once per batch per (spec, view) for 4 leaves and gives the single-output tables', async () => {
    const { multi, single } = await expectHeadsMatchSingles(
      dir(),
      set.images,
      heads,
      'heads.onnx',
      (k) => `f${k}.onnx`,
    );
    // 3 batches × 2 specs × 2 views; each run gives every output read with that spec.
    const runs = multi.get('heads.onnx')!;
    expect(runs).toHaveLength(12);
    expect(runs.filter((r) => r.join() === 'fold0,fold1')).toHaveLength(6);
    expect(runs.filter((r) => r.join() === 'fold2,fold1')).toHaveLength(6);
    // Single-output models: 4 (model, spec) pairs × 3 batches × 2 views, twice the runs.
    expect([...single.values()].flat()).toHaveLength(24);
  });

  it('predicts the same as the single-output bundle, and the upload check runs once per spec', async () => {
    const multi = bundleOf(
      dir(),
      headLeaves(heads, () => 'heads.onnx', true),
    );
    const single = bundleOf(
      dir(),
      headLeaves(heads, (k) => `f${k}.onnx`, false),
    );
    const [a, b] = [await predictBundle(multi, set.images), await predictBundle(single, set.images)];
    expect([...a.predictions]).toEqual([...b.predictions]);
    expect(maxAbsDiff(a.scores, b.scores)).toBeLessThan(1e-5);
    const { loader, calls } = countingLoader();
    const report = await checkBundleModels(multi, { loader });
    expect(report.map((r) => [r.model, r.inputs.length, r.outputs])).toEqual([
      ['heads.onnx', 2, ['fold0', 'fold1', 'fold2']],
    ]);
    expect(calls.get('heads.onnx')).toEqual([
      ['fold0', 'fold1'],
      ['fold2', 'fold1'],
    ]);
  });

  it('refuses a missing outputName and a multi-output model without one, at load and at upload', async () => {
    const missing = bundleOf(dir(), [
      { model: 'heads.onnx', outputName: 'fold0' },
      { model: 'heads.onnx', outputName: 'fold7' },
    ]);
    for (const p of [loadBundleModels(missing), checkBundleModels(missing)]) {
      expect(await refusal(p)).toBe(
        'model heads.onnx has no output "fold7"; it has 3 outputs (fold0, fold1, fold2)',
      );
    }
    const unnamed = bundleOf(dir(), [{ model: 'heads.onnx' }]);
    expect(await refusal(checkBundleModels(unnamed))).toBe(
      'model heads.onnx has 3 outputs (fold0, fold1, fold2); name one with outputName',
    );
    // A single-output model may be named by its one output, or not at all.
    const one = bundleOf(dir(), [{ model: 'f0.onnx' }, { model: 'f1.onnx', outputName: 'fold7' }]);
    expect(await refusal(checkBundleModels(one))).toMatch(
      /^model f1\.onnx has no output "fold7"; it has 1 output \(/,
    );
  });
});
