// Fixtures for the predictor suites: tiny real CNNs (TF.js, exported ONNX, merged ONNX heads) and sketch test sets.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { exportLayersModelToFile } from '../../core/backends/onnx-export/index.js';
import { decodeOnnx, encodeOnnx, type OnnxTypes } from '../../core/backends/onnx-proto.js';
import { getTf } from '../../core/backends/tfjs.js';
import type { Tensor } from '../../core/backends/types.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { loadTestSet, type TestItem } from '../../core/data/layout.js';
import { bundleFiles, saveLayers } from '../backends/tfjs-fixtures.js';

/**
 * A tiny seeded CNN on [h, w, c] NHWC input: conv 3×3 stride 2 (4 filters, relu) → flatten
 * → dense(classes) logits. `nanBias` poisons the dense bias (for the NaN refusal).
 */
export async function tinyNet(opts: {
  h: number;
  w: number;
  c: number;
  classes: number;
  seed: number;
  nanBias?: boolean;
}) {
  const { tf } = await getTf();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [opts.h, opts.w, opts.c],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: opts.seed }),
        biasInitializer: 'zeros',
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: opts.classes,
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: opts.seed + 1 }),
      }),
    ],
  });
  if (opts.nanBias) {
    const [k1, b1, k2] = model.getWeights();
    model.setWeights([k1, b1, k2, tf.fill([opts.classes], Number.NaN)]);
  }
  return model;
}

/** Run a TF.js model directly on a preprocessed batch (the reference the predictor must match). */
export async function runTf(model: LayersModel, input: Tensor): Promise<Float32Array> {
  const { tf } = await getTf();
  const x = tf.tensor(input.data, input.dims);
  const y = model.predict(x) as import('@tensorflow/tfjs').Tensor;
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** Save as a TF.js model.json (+ shard) at `dir/rel` (rel ends in /model.json); disposes the model. */
export async function writeTfjs(model: LayersModel, dir: string, rel: string): Promise<void> {
  const files = bundleFiles(await saveLayers(model), path.posix.dirname(rel));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
}

/** Export to ONNX at `dir/rel` with the project's exporter. */
export async function writeOnnx(model: LayersModel, dir: string, rel: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await exportLayersModelToFile(model, path.join(dir, rel));
}

/** A small generated sketch competition in `dir`; returns its test items. */
export async function sketchSet(dir: string, classes = 3, testPerClass = 3, size = 32): Promise<TestItem[]> {
  await generateSketchDataset({ out: dir, classes, trainPerClass: 1, testPerClass, size, seed: 7 });
  return loadTestSet(dir);
}

/** Write a manifest object as `dir/manifest.json`. */
export async function writeManifest(dir: string, manifest: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

/**
 * One ONNX model from several single-output ones sharing an input (the exporter's): each model's graph
 * kept whole under a name prefix, its output renamed to its key. `heads` maps output name → ONNX bytes.
 */
export function mergeHeads(heads: Record<string, Uint8Array>): Uint8Array {
  const parts = Object.entries(heads).map(([name, bytes]) => [name, decodeOnnx(bytes, name)] as const);
  const first = parts[0][1];
  const input = first.graph.input![0];
  const graph = { name: 'heads', input: [input], output: [] as OnnxTypes.IValueInfoProto[] };
  const node: OnnxTypes.INodeProto[] = [];
  const initializer: OnnxTypes.ITensorProto[] = [];
  for (const [out, model] of parts) {
    const g = model.graph;
    const [inName, outName] = [g.input![0].name, g.output![0].name];
    const rename = (n: string) =>
      n === '' ? n : n === inName ? input.name! : n === outName ? out : `${out}/${n}`;
    for (const n of g.node ?? []) {
      node.push({
        ...n,
        name: `${out}/${n.name ?? ''}`,
        input: (n.input ?? []).map(rename),
        output: (n.output ?? []).map(rename),
      });
    }
    for (const t of g.initializer ?? []) initializer.push({ ...t, name: rename(t.name ?? '') });
    graph.output.push({ ...g.output![0], name: out });
  }
  return encodeOnnx({ ...first, graph: { ...graph, node, initializer } });
}
