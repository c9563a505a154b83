// A ready-made baseline bundle: two nearest-centroid models (ONNX + TF.js, two input specs) soft-voted.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildLinearModel, saveLayersModel } from '../backends/linear-model.js';
import { exportLayersModelToFile } from '../backends/onnx-export/index.js';
import { type InputSpec, inputSpec, MANIFEST_FILE, type Manifest } from '../bundle/manifest.js';
import { packBundle } from '../bundle/pack.js';
import { loadTrainSet } from '../data/layout.js';
import { fitNearestCentroid } from './centroid.js';

/** The two members: a 32×32 stretched ONNX model and a 24×24 letterboxed TF.js model. */
const MEMBERS = [
  { file: 'centroid32.onnx', size: [32, 32] as [number, number], resize: 'stretch' as const },
  { file: 'centroid24/model.json', size: [24, 24] as [number, number], resize: 'letterbox' as const },
];

export type BaselineResult = { bundlePath: string; sha256: string; manifest: Manifest; folder: string };

/**
 * Fit the baseline on a competition folder's training set and pack it as `<outDir>/baseline.zip`
 * (the unpacked folder is kept next to it as `<outDir>/baseline/`).
 *
 * @example
 * const { bundlePath } = await buildBaselineBundle('data/sketches', 'runs/baseline');
 */
export async function buildBaselineBundle(
  dataDir: string,
  outDir: string,
  onStep: (message: string) => void = () => {},
): Promise<BaselineResult> {
  const train = await loadTrainSet(dataDir);
  const classes = train.classNames.length;
  const folder = join(outDir, 'baseline');
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const base = inputSpec({ size: [32, 32], channels: 1, layout: 'NHWC', mean: [0.5], std: [0.5] });
  for (const member of MEMBERS) {
    const spec: InputSpec = { ...base, size: member.size, resize: member.resize };
    onStep(
      `fitting nearest-centroid ${member.size.join('×')} ${member.resize} on ${train.items.length} images`,
    );
    const w = await fitNearestCentroid(train.items, spec, classes);
    const model = await buildLinearModel({
      inputShape: [spec.size[0], spec.size[1], spec.channels],
      kernel: w.kernel,
      bias: w.bias,
      output: 'logits',
    });
    try {
      if (member.file.endsWith('.onnx')) {
        await exportLayersModelToFile(model, join(folder, member.file), { name: 'centroid' });
      } else {
        const dir = join(folder, member.file.replace(/\/model\.json$/, ''));
        await saveLayersModel(model, dir);
      }
    } finally {
      model.dispose();
    }
  }
  const manifest: Manifest = {
    version: 1,
    name: 'nearest-centroid-baseline',
    classes,
    input: base,
    output: 'logits',
    ensemble: {
      vote: 'soft',
      members: MEMBERS.map((m) => ({ model: m.file, input: { size: m.size, resize: m.resize } })),
    },
  };
  await writeFile(join(folder, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const packed = await packBundle({
    manifestPath: join(folder, MANIFEST_FILE),
    out: join(outDir, 'baseline.zip'),
  });
  return { bundlePath: packed.out, sha256: packed.sha256, manifest, folder };
}
