// Leaves reading named outputs of TF.js models (LayersModel, GraphModel): one run per (batch, spec, view), checks.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getTf } from '../../core/backends/tfjs.js';
import { checkBundleModels } from '../../core/predict/models.js';
import { bundleFiles, graphNet } from '../backends/tfjs-fixtures.js';
import { tinyNet, writeTfjs } from './fixtures.js';
import {
  boxed,
  bundleOf,
  CLASSES,
  countingLoader,
  expectHeadsMatchSingles,
  refusal,
  useSketchRoot,
} from './multi-fixtures.js';

const set = useSketchRoot('sb-tfheads-');

/** A functional LayersModel with heads fold0, fold1 (tinyNet's shape each) and the same heads as single models. */
async function layersHeads(seeds: number[]): Promise<{ multi: LayersModel; singles: LayersModel[] }> {
  const { tf } = await getTf();
  const input = tf.input({ shape: [16, 16, 1] });
  const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 1, seed });
  const outputs = seeds.map((seed, k) => {
    const conv = tf.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      kernelInitializer: init(seed),
      name: `conv${k}`,
    });
    const flat = tf.layers.flatten({ name: `flat${k}` }).apply(conv.apply(input));
    return tf.layers
      .dense({ units: CLASSES, kernelInitializer: init(seed + 1), name: `fold${k}` })
      .apply(flat) as SymbolicTensor;
  });
  const multi = tf.model({ inputs: input, outputs });
  const singles = await Promise.all(
    seeds.map(async (seed, k) => {
      const net = await tinyNet({ h: 16, w: 16, c: 1, classes: CLASSES, seed });
      net.setWeights([
        ...multi.getLayer(`conv${k}`).getWeights(),
        ...multi.getLayer(`fold${k}`).getWeights(),
      ]);
      return net;
    }),
  );
  return { multi, singles };
}

describe('multi-output TF.js models', () => {
  it('a LayersModel with two output layers: one run per (batch, spec, view), tables of its single heads', async () => {
    const dir = path.join(set.root, 'tfjs');
    const { multi, singles } = await layersHeads([11, 13]);
    await writeTfjs(multi, dir, 'heads/model.json');
    for (const [k, net] of singles.entries()) await writeTfjs(net, dir, `s${k}/model.json`);
    const { multi: calls } = await expectHeadsMatchSingles(
      dir,
      set.images,
      [{ k: 0 }, { k: 1 }, { k: 0, input: boxed }],
      'heads/model.json',
      (k) => `s${k}/model.json`,
    );
    expect(calls.get('heads/model.json')).toEqual([
      ...[0, 1, 2].flatMap(() => [['fold0', 'fold1'], ['fold0', 'fold1'], ['fold0'], ['fold0']]),
    ]);
  });

  it('a GraphModel: its output nodes are checked at upload, a missing one refused with the list', async () => {
    const dir = path.join(set.root, 'graph');
    for (const [name, bytes] of Object.entries(bundleFiles(graphNet({ logitsOutput: true }), 'g'))) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), bytes);
    }
    const spec = { input: { size: [4, 4], channels: 1, layout: 'NHWC' }, output: 'probabilities', tta: [] };
    const ok = bundleOf(
      dir,
      [
        { model: 'g/model.json', outputName: 'probs' },
        { model: 'g/model.json', outputName: 'logits_out' },
      ],
      spec,
    );
    const { loader, calls } = countingLoader();
    const [report] = await checkBundleModels(ok, { loader });
    expect(report.outputs).toEqual(['probs', 'logits_out']);
    expect(calls.get('g/model.json')).toEqual([['probs', 'logits_out']]);
    const bad = bundleOf(dir, [{ model: 'g/model.json', outputName: 'fold1' }], spec);
    expect(await refusal(checkBundleModels(bad))).toMatch(
      /^model g\/model\.json has no output "fold1"; it has 2 outputs \((probs, logits_out|logits_out, probs)\)$/,
    );
    expect(await refusal(checkBundleModels(bundleOf(dir, [{ model: 'g/model.json' }], spec)))).toMatch(
      /has 2 outputs .*name one with outputName/,
    );
  });
});
