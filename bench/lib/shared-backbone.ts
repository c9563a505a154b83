// bench/ensemble part (a): 5 heads on one shared backbone vs one member vs five separately packed members.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { mergeBackboneHeads } from '../../core/backends/onnx-graph/merge-heads.js';
import { decodeOnnx, encodeOnnx } from '../../core/backends/onnx-proto.js';
import { openBundleDir } from '../../core/bundle/open.js';
import { predictBundle } from '../../core/predict/predictor.js';

/** The backbone's input side and width; heavy enough that it, not the heads, is what costs. */
const SIZE = 64;
const FOLDS = 5;

/** A seeded conv backbone (→ global average pool: [N, 256] features) as ONNX bytes. */
function backbone(): Uint8Array {
  const m = tf.sequential();
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  m.add(
    tf.layers.conv2d({
      inputShape: [SIZE, SIZE, 3],
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  m.add(
    tf.layers.conv2d({
      filters: 64,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(2),
    }),
  );
  m.add(
    tf.layers.conv2d({
      filters: 128,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(3),
    }),
  );
  m.add(
    tf.layers.conv2d({
      filters: 256,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(4),
    }),
  );
  m.add(tf.layers.globalAveragePooling2d({}));
  const bytes = exportLayersModel(m);
  m.dispose();
  return bytes;
}

/** An MLP-3 head (Linear(d,d)-ReLU-Linear(d,C)) on the backbone's 256 features, seeded. */
function head(seed: number, classes: number): Uint8Array {
  const m = tf.sequential();
  const init = tf.initializers.glorotUniform({ seed });
  m.add(tf.layers.dense({ inputShape: [256], units: 256, activation: 'relu', kernelInitializer: init }));
  m.add(tf.layers.dense({ units: classes, kernelInitializer: init }));
  const bytes = exportLayersModel(m);
  m.dispose();
  return bytes;
}

async function writeBundle(dir: string, models: Map<string, Uint8Array>, classes: number, ensemble: object) {
  await mkdir(dir, { recursive: true });
  for (const [file, bytes] of models) await writeFile(join(dir, file), bytes);
  const input = { size: [SIZE, SIZE], channels: 3, layout: 'NHWC' };
  const manifest = { version: 1, name: 'bench', classes, input, output: 'logits', ensemble };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return openBundleDir(dir);
}

/**
 * Time predictBundle (in this process, cpu, models loaded per call) over `images` test images for one
 * member, five members packed apart (five backbone copies), and five heads sharing one backbone; the
 * median of `repeats` runs each. Returns the printed lines.
 *
 * @example
 * lines.push(...(await sharedBackbonePart('/tmp/bench', { images: 256, classes: 500, repeats: 3 })));
 */
export async function sharedBackbonePart(
  root: string,
  opts: { images: number; classes: number; repeats: number },
): Promise<string[]> {
  await tf.setBackend('cpu');
  const dir = join(root, 'shared-backbone');
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'images'), { recursive: true });
  const images: string[] = [];
  for (let i = 0; i < opts.images; i++) {
    const file = join(dir, 'images', `${i}.png`);
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 30 + (i % 20) };
    await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#888', noise } })
      .png()
      .toFile(file);
    images.push(file);
  }
  const bb = decodeOnnx(backbone(), 'backbone');
  const heads = Array.from({ length: FOLDS }, (_, i) => decodeOnnx(head(100 + i, opts.classes), `head ${i}`));
  const single = (i: number) =>
    encodeOnnx(mergeBackboneHeads(bb, [{ model: heads[i], output: 'scores' }]).model);
  const shared = encodeOnnx(
    mergeBackboneHeads(
      bb,
      heads.map((model, i) => ({ model, output: `fold${i}` })),
    ).model,
  );
  const one = await writeBundle(join(dir, 'one'), new Map([['fold0.onnx', single(0)]]), opts.classes, {
    model: 'fold0.onnx',
  });
  const apartModels = new Map(Array.from({ length: FOLDS }, (_, i) => [`fold${i}.onnx`, single(i)] as const));
  const apart = await writeBundle(join(dir, 'apart'), apartModels, opts.classes, {
    vote: 'soft',
    members: [...apartModels.keys()].map((model) => ({ model })),
  });
  const together = await writeBundle(join(dir, 'shared'), new Map([['heads.onnx', shared]]), opts.classes, {
    vote: 'soft',
    members: heads.map((_, i) => ({ model: 'heads.onnx', outputName: `fold${i}` })),
  });

  const time = async (bundle: typeof one) => {
    const runs: number[] = [];
    await predictBundle(bundle, images.slice(0, 32), { load: { threads: 1 } }); // warm-up
    for (let r = 0; r < opts.repeats; r++) {
      const t = performance.now();
      await predictBundle(bundle, images, { load: { threads: 1 } });
      runs.push((performance.now() - t) / 1000);
    }
    return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  };
  // Interleaved measurements would be fairer on a noisy machine; medians of a few runs each do well enough.
  const tOne = await time(one);
  const tApart = await time(apart);
  const tShared = await time(together);
  await rm(dir, { recursive: true, force: true });
  const s = (v: number) => `${v.toFixed(3)} s`;
  return [
    `(a) ${FOLDS} MLP-3 heads on one ${SIZE}×${SIZE} conv backbone, ${opts.images} images, cpu, 1 thread (median of ${opts.repeats})`,
    `    one member (backbone + 1 head)                 ${s(tOne)}`,
    `    ${FOLDS} members packed apart (${FOLDS} backbones)          ${s(tApart)}   ${(tApart / tOne).toFixed(2)} × one member`,
    `    ${FOLDS} heads on one shared backbone              ${s(tShared)}   ${(tShared / tOne).toFixed(2)} × one member (target ≤ 1.2), ${(tShared / tApart).toFixed(2)} × apart`,
    '',
  ];
}
