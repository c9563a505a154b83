// `train` input flags: --mean/--std/--layout reach run.json and the features, head defaults are the bundle format's, CNN --size defaults.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_DEFAULTS } from '../../core/bundle/manifest.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import {
  CNN_INPUT_NORM,
  DEFAULT_INPUT_SIZE,
  inputMeanStd,
  resolveTrainConfig,
} from '../../core/train/config-file.js';
import { backboneSpec, describeInput, FEATURES_DIR } from '../../core/train/features.js';
import { prepareRun } from '../../core/train/prepare.js';
import { readRun } from '../../core/train/run.js';
import { runCli } from '../helpers/cli.js';
import { tinyConfig, useTinyRoot } from './trainer-fixtures.js';

const t = useTinyRoot('sb-train-input-', { backbone: true });

const head = (input: Record<string, unknown> = {}) =>
  resolveTrainConfig({ model: 'head', backbone: 'b.onnx', input });

describe('input spec defaults', () => {
  it('head runs default to the bundle format’s mean/std, CNNs keep theirs', () => {
    expect(inputMeanStd(head({ channels: 3 }))).toEqual({
      mean: [INPUT_DEFAULTS.mean, INPUT_DEFAULTS.mean, INPUT_DEFAULTS.mean],
      std: [INPUT_DEFAULTS.std, INPUT_DEFAULTS.std, INPUT_DEFAULTS.std],
    });
    expect(inputMeanStd(resolveTrainConfig({}))).toEqual({
      mean: [CNN_INPUT_NORM.mean],
      std: [CNN_INPUT_NORM.std],
    });
    expect(inputMeanStd(head({ channels: 3, mean: [0.5], std: [0.25] }))).toEqual({
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
    });
  });

  it('takes the layout from the backbone’s dims, the flag over them, the format’s default when they do not tell', () => {
    expect(backboneSpec([null, 3, 224, 224], head())).toMatchObject({
      layout: 'NCHW',
      channels: 3,
      size: [224, 224],
    });
    expect(backboneSpec([null, 224, 224, 3], head())).toMatchObject({ layout: 'NHWC', channels: 3 });
    expect(backboneSpec([null, null, null, null], head())).toMatchObject({
      layout: INPUT_DEFAULTS.layout,
      size: [DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE],
    });
    expect(backboneSpec([null, null, null, null], head({ layout: 'NHWC', size: 32 }))).toMatchObject({
      layout: 'NHWC',
      size: [32, 32],
    });
    expect(() => backboneSpec([null, 1, 28, 28], head({ mean: [0.4, 0.4, 0.4] }))).toThrow(
      /input\.mean has 3 values but the backbone takes 1 channel/,
    );
  });

  it('prints the spec it feeds the backbone', () => {
    const spec = backboneSpec([null, 3, 224, 224], head());
    expect(describeInput(spec)).toBe('backbone input: 224×224, 3 channels, NCHW, mean 0,0,0, std 1,1,1');
  });

  it('refuses 2 values, a CNN layout and unknown layouts', () => {
    expect(() => head({ mean: [0.1, 0.2] })).toThrow(/input\.mean: give 1 value \(every channel\) or 3/);
    expect(() => resolveTrainConfig({ input: { layout: 'NCHW' } })).toThrow(
      /input\.layout: only for head runs/,
    );
    expect(() => head({ layout: 'CHW' })).toThrow(/input\.layout/);
  });
});

describe('train --model head with --mean/--std/--layout', () => {
  const args = ['--model', 'head', '--backbone', '', '--folds', '2', '--fold', '0', '--epochs', '1'];
  const run = (out: string, extra: string[]) => {
    const a = [...args];
    a[3] = t.backbone;
    return runCli([
      'train',
      '--data',
      t.data,
      '--out',
      path.join(t.root, out),
      ...a,
      '--curriculum',
      'none',
      ...extra,
    ]);
  };
  /** The run's cached features: the input spec they were computed with, and the values. */
  const features = async (out: string) => {
    const dir = path.join(t.root, out, FEATURES_DIR);
    const [meta] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const info = JSON.parse(await readFile(path.join(dir, meta), 'utf8')) as { input: unknown };
    return { input: info.input, values: await readFile(path.join(dir, meta.replace(/\.json$/, '.bin'))) };
  };

  it('defaults to the bundle format’s input, and the flags reach run.json, the features and the printed line', async () => {
    const plain = await run('head-default', []);
    expect(plain.err).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/^backbone input: 24×24, 1 channel, NHWC, mean 0, std 1$/m);
    const a = await readRun(path.join(t.root, 'head-default'));
    expect(a.model.input).toMatchObject({
      layout: 'NHWC',
      mean: [INPUT_DEFAULTS.mean],
      std: [INPUT_DEFAULTS.std],
    });

    const flagged = await run('head-flags', ['--mean', '0.2', '--std', '0.25', '--layout', 'NHWC']);
    expect(flagged.code).toBe(0);
    expect(flagged.out).toMatch(/^backbone input: 24×24, 1 channel, NHWC, mean 0.2, std 0.25$/m);
    const b = await readRun(path.join(t.root, 'head-flags'));
    expect(b.config.input).toMatchObject({ mean: [0.2], std: [0.25], layout: 'NHWC' });
    expect(b.model.input).toMatchObject({ mean: [0.2], std: [0.25], layout: 'NHWC' });
    // The features were computed from the flagged spec: other numbers than the defaults gave.
    const [fa, fb] = [await features('head-default'), await features('head-flags')];
    expect(fa.input).toEqual(a.model.input);
    expect(fb.input).toEqual(b.model.input);
    expect(fb.values.length).toBe(fa.values.length);
    expect(fb.values.equals(fa.values)).toBe(false);

    // A config file with the same keys gives the same run.
    const file = path.join(t.root, 'input.json');
    await writeFile(file, JSON.stringify({ input: { mean: [0.2], std: [0.25], layout: 'NHWC' } }));
    const fromFile = await run('head-file', ['--config', file]);
    expect(fromFile.code).toBe(0);
    expect((await readRun(path.join(t.root, 'head-file'))).model.input).toEqual(b.model.input);
    expect((await features('head-file')).values.equals(fb.values)).toBe(true);
  }, 120_000);

  it('refuses bad values with exit 2', async () => {
    for (const [extra, message] of [
      [['--mean', '0.1,0.2'], /input\.mean: give 1 value/],
      [['--std', '0'], /input\.std\.0: /],
      [['--mean', 'x'], /--mean must be a number/],
      [['--layout', 'HWC'], /input\.layout/],
      [['--mean', '0.1,0.2,0.3'], /input\.mean has 3 values but the backbone takes 1 channel/],
    ] as [string[], RegExp][]) {
      const r = await run('never', extra);
      expect(r.code, extra.join(' ')).not.toBe(0);
      expect(r.err, extra.join(' ')).toMatch(message);
    }
  });
});

describe('CNN --size default', () => {
  const prepare = async (name: string, side: number, size?: number) => {
    const dir = path.join(t.root, `px${side}`);
    await generateSketchDataset({
      out: dir,
      classes: 2,
      trainPerClass: 4,
      testPerClass: 1,
      seed: 2,
      size: side,
    });
    const config = tinyConfig({ input: size === undefined ? {} : { size } });
    await prepareRun({ dataDir: dir, runDir: path.join(t.root, name), config, loadData: false });
    return readRun(path.join(t.root, name));
  };

  it('is the images’ own size below 64 (28×28 stays 28×28), 64 above, and --size wins', async () => {
    const small = await prepare('cnn-28', 28);
    expect(small.config.input.size).toBe(28);
    expect(small.model.input.size).toEqual([28, 28]);
    expect((await prepare('cnn-96', 96)).model.input.size).toEqual([DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE]);
    expect((await prepare('cnn-28-forced', 28, 64)).model.input.size).toEqual([64, 64]);
  }, 60_000);

  it('reaches the CLI: `train` on a 28×28 set trains at 28×28', async () => {
    const out = path.join(t.root, 'cnn-cli');
    const r = await runCli([
      'train',
      '--data',
      path.join(t.root, 'px28'),
      '--out',
      out,
      '--folds',
      '2',
      '--fold',
      '0',
      '--epochs',
      '1',
      '--width',
      '4',
      '--batch-size',
      '4',
      '--curriculum',
      'none',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^images: 8 decoded at 28x28x1$/m);
    expect((await readRun(out)).model.input.size).toEqual([28, 28]);
  }, 120_000);
});
