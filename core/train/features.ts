// Frozen-backbone features for head runs: the backbone copied into the run, run through onnxruntime, cached on disk.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadModel } from '../backends/index.js';
import type { LoadedModel, Tensor } from '../backends/types.js';
import { INPUT_DEFAULTS, type InputSpec, inputKey } from '../bundle/manifest.js';
import { writeFileAtomic } from '../data/io.js';
import { SketchboardError } from '../errors.js';
import { DEFAULT_INPUT_SIZE, inputMeanStd, type TrainConfig } from './config-file.js';
import { gatherImages, type ImageSet, modelInput } from './images.js';
import { BACKBONE_FILE } from './run.js';

/** Images per backbone call. */
const FEATURE_BATCH = 64;
export const FEATURES_DIR = 'features';

/** A frozen backbone: NHWC [0, 1] pixel batches in, feature rows [N, featureDim] out. */
export type Backbone = {
  spec: InputSpec;
  featureDim: number;
  sha256: string;
  extract(pixels: Tensor): Promise<Float32Array>;
  dispose(): Promise<void>;
};

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Copies the backbone ONNX file into the run folder as backbone.onnx (a file already there must be the
 * same bytes) and returns its sha256.
 *
 * @example
 * const sha = await installBackbone('runs/head', 'models/eva02.onnx');
 */
export async function installBackbone(runDir: string, source: string): Promise<string> {
  const target = path.join(runDir, BACKBONE_FILE);
  const bytes = await readFile(source).catch((err: unknown) => {
    throw new SketchboardError('invalid_argument', `backbone ${source} cannot be read`, { cause: err });
  });
  const sha = sha256(bytes);
  const existing = await readFile(target).catch(() => null);
  if (existing && sha256(existing) !== sha) {
    throw new SketchboardError(
      'invalid_argument',
      `${target} is a different backbone; use a new --out folder`,
    );
  }
  if (!existing) await copyFile(source, target);
  return sha;
}

/** The layout its dims tell (channels 1 or 3 on one side only), else the bundle format's default. */
function layoutOf(dims: (number | null)[]): InputSpec['layout'] {
  const is13 = (d: number | null) => d === 1 || d === 3;
  if (is13(dims[3]) && !is13(dims[1])) return 'NHWC';
  if (is13(dims[1]) && !is13(dims[3])) return 'NCHW';
  return INPUT_DEFAULTS.layout;
}

/**
 * The backbone's input spec: layout as configured, else from its dims; size and channels from its declared
 * dims where fixed, else the config; mean/std as configured, else the bundle format's defaults.
 */
export function backboneSpec(dims: (number | null)[], config: TrainConfig): InputSpec {
  const layout = config.input.layout ?? layoutOf(dims);
  const [h, w, c] = layout === 'NHWC' ? [dims[1], dims[2], dims[3]] : [dims[2], dims[3], dims[1]];
  const channels = (c ?? config.input.channels) as 1 | 3;
  for (const key of ['mean', 'std'] as const) {
    const n = config.input[key]?.length ?? 1;
    if (n !== 1 && n !== channels) {
      throw new SketchboardError(
        'invalid_argument',
        `input.${key} has ${n} values but the backbone takes ${channels} channel(s) (${layout} [${dims.map((d) => d ?? '?')}])`,
      );
    }
  }
  const { mean, std } = inputMeanStd({ ...config, input: { ...config.input, channels } });
  const side = config.input.size ?? DEFAULT_INPUT_SIZE;
  const size: [number, number] = [h ?? side, w ?? side];
  return { size, channels, layout, resize: config.input.resize, mean, std };
}

/**
 * The line `train` prints for the spec it feeds a backbone.
 *
 * @example
 * describeInput(spec); // 'backbone input: 224×224, 3 channels, NCHW, mean 0,0,0, std 1,1,1'
 */
export function describeInput(spec: InputSpec): string {
  const channels = `${spec.channels} channel${spec.channels === 1 ? '' : 's'}`;
  return `backbone input: ${spec.size.join('×')}, ${channels}, ${spec.layout}, mean ${spec.mean.join(',')}, std ${spec.std.join(',')}`;
}

/**
 * Opens the run's backbone.onnx with onnxruntime (through core/backends) and finds its feature size by
 * running one white image. Outputs of rank > 2 are flattened per image.
 *
 * @example
 * const backbone = await openBackbone('runs/head', config); // backbone.featureDim === 1024
 */
export async function openBackbone(runDir: string, config: TrainConfig, threads?: number): Promise<Backbone> {
  const model: LoadedModel = await loadModel(runDir, BACKBONE_FILE, threads ? { threads } : {});
  let spec: InputSpec;
  try {
    spec = backboneSpec(model.inputDims, config);
  } catch (err) {
    await model.dispose();
    throw err;
  }
  const digest = sha256(await readFile(path.join(runDir, BACKBONE_FILE)));
  const run = async (pixels: Tensor): Promise<{ rows: Float32Array; dim: number }> => {
    const out = await model.run(modelInput(pixels, spec));
    const n = pixels.dims[0];
    if (out.dims[0] !== n || out.data.length % n !== 0) {
      throw new SketchboardError('invalid_model', `backbone output [${out.dims}] is not [N, d] for N = ${n}`);
    }
    return { rows: out.data, dim: out.data.length / n };
  };
  try {
    const [h, w] = spec.size;
    const probe = await run({
      data: new Float32Array(h * w * spec.channels).fill(1),
      dims: [1, h, w, spec.channels],
    });
    const featureDim = probe.dim;
    return {
      spec,
      featureDim,
      sha256: digest,
      async extract(pixels) {
        const { rows, dim } = await run(pixels);
        if (dim !== featureDim)
          throw new SketchboardError('model_output', `backbone gave ${dim} features, not ${featureDim}`);
        return rows;
      },
      dispose: () => model.dispose(),
    };
  } catch (err) {
    await model.dispose();
    throw err;
  }
}

/** Where the features came from: read from the run's cache file, or computed (and then written to it). */
export type FeatureResult = {
  features: Float32Array;
  dim: number;
  source: 'cache' | 'computed';
  file: string;
};

function cachePaths(runDir: string, backbone: Backbone, relPaths: readonly string[]) {
  const key = sha256(JSON.stringify([backbone.sha256, inputKey(backbone.spec), relPaths])).slice(0, 24);
  const dir = path.join(runDir, FEATURES_DIR);
  return { dir, file: path.join(dir, `${key}.bin`), meta: path.join(dir, `${key}.json`) };
}

/**
 * The cached features of these images under this backbone, or null when not cached. The cache file is
 * RUN_DIR/features/<key>.bin (+ .json), keyed by the backbone's sha256, its input spec and the image list.
 *
 * @example
 * const hit = await readCachedFeatures(runDir, backbone, relPaths); // null on a first run
 */
export async function readCachedFeatures(
  runDir: string,
  backbone: Backbone,
  relPaths: readonly string[],
): Promise<FeatureResult | null> {
  const { file, meta } = cachePaths(runDir, backbone, relPaths);
  const dim = backbone.featureDim;
  const hasMeta = await stat(meta).then(
    () => true,
    () => false,
  );
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (!hasMeta || size !== relPaths.length * dim * 4) return null;
  const bytes = await readFile(file);
  const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { features, dim, source: 'cache', file };
}

/**
 * Features of every image, un-augmented: read from the run's cache when there, else computed in batches
 * through the backbone and written to the cache (data file first, then its JSON, each atomically).
 *
 * @example
 * const { features, source } = await cachedFeatures(runDir, backbone, relPaths, images);
 */
export async function cachedFeatures(
  runDir: string,
  backbone: Backbone,
  relPaths: readonly string[],
  images: ImageSet,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<FeatureResult> {
  const hit = await readCachedFeatures(runDir, backbone, relPaths);
  if (hit) return hit;
  const { dir, file, meta } = cachePaths(runDir, backbone, relPaths);
  const dim = backbone.featureDim;
  const features = new Float32Array(relPaths.length * dim);
  for (let start = 0; start < relPaths.length; start += FEATURE_BATCH) {
    const idx = Array.from({ length: Math.min(FEATURE_BATCH, relPaths.length - start) }, (_, k) => start + k);
    features.set(await backbone.extract(gatherImages(images, idx)), start * dim);
    onProgress(start + idx.length, relPaths.length);
  }
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(file, new Uint8Array(features.buffer));
  const info = {
    formatVersion: 1,
    backboneSha256: backbone.sha256,
    input: backbone.spec,
    images: relPaths.length,
    dim,
  };
  await writeFileAtomic(meta, `${JSON.stringify(info, null, 1)}\n`);
  return { features, dim, source: 'computed', file };
}
