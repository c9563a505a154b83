// pack-tree: voting trees for soft-soft / soft-hard / hard-hard, input overrides, bundle folder names.
import { describe, expect, it } from 'vitest';
import { IMAGENET_NORM, inputSpec, listLeaves } from '../../core/bundle/manifest.js';
import {
  ensembleTree,
  inputOverride,
  type PackedRun,
  runFolderNames,
  runsManifest,
} from '../../core/train/pack-tree.js';

const top = inputSpec({ size: [64, 64], channels: 1, layout: 'NHWC' });
const big = inputSpec({ size: [224, 224], channels: 3, layout: 'NCHW', ...IMAGENET_NORM });
const run = (label: string, n: number, input = top): PackedRun => ({
  label,
  input,
  models: Array.from({ length: n }, (_, i) => `${label}/fold${i}.onnx`),
});

describe('ensembleTree', () => {
  it.each([
    ['soft', 'soft'],
    ['soft', 'hard'],
    ['hard', 'hard'],
  ] as const)('%s-%s: inner votes over folds, the outer vote over runs', (inner, outer) => {
    const tree = ensembleTree([run('a', 2), run('b', 3)], top, inner, outer);
    expect(tree).toEqual({
      vote: outer,
      members: [
        { vote: inner, members: [{ model: 'a/fold0.onnx' }, { model: 'a/fold1.onnx' }] },
        {
          vote: inner,
          members: [{ model: 'b/fold0.onnx' }, { model: 'b/fold1.onnx' }, { model: 'b/fold2.onnx' }],
        },
      ],
    });
  });

  it('one run is one node; --outer defaults to --vote; empty runs are refused', () => {
    expect(ensembleTree([run('a', 2)], top, 'hard')).toEqual({
      vote: 'hard',
      members: [{ model: 'a/fold0.onnx' }, { model: 'a/fold1.onnx' }],
    });
    expect(ensembleTree([run('a', 1), run('b', 1)], top, 'soft')).toMatchObject({ vote: 'soft' });
    expect(() => ensembleTree([run('a', 0)], top, 'soft')).toThrow(/no fold checkpoints/);
    expect(() => ensembleTree([], top, 'soft')).toThrow(/no runs/);
  });
});

describe('inputOverride and runsManifest', () => {
  it('overrides only what differs, and always mean/std with channels', () => {
    expect(inputOverride(top, top)).toBeUndefined();
    expect(inputOverride(top, { ...top, size: [32, 32] })).toEqual({ size: [32, 32] });
    expect(inputOverride(top, big)).toEqual({
      size: [224, 224],
      channels: 3,
      layout: 'NCHW',
      mean: big.mean,
      std: big.std,
    });
  });

  it('gives each leaf its run input after the manifest round trip', () => {
    const m = runsManifest({
      runs: [run('cnn', 2), run('eva', 1, big)],
      classes: 10,
      vote: 'soft',
      outer: 'hard',
    });
    expect(m.name).toBe('cnn+eva-soft-hard');
    expect(listLeaves(m).map((l) => l.input)).toEqual([top, top, big]);
  });
});

describe('runFolderNames', () => {
  it('uses safe base names, numbered when equal', () => {
    expect(runFolderNames(['runs/a/cnn', 'other/cnn/', 'x y', '..'])).toEqual([
      'cnn',
      'cnn-2',
      'x-y',
      'run3',
    ]);
  });
});
