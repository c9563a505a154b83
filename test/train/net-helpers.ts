// Test helpers for networks: seeded weights far from the initial ones, forward on host arrays, ONNX round trip.
import * as tf from '@tensorflow/tfjs';
import { exportLayersModelWithInfo } from '../../core/backends/onnx-export/index.js';
import { getOrt } from '../../core/backends/onnx-session.js';
import type { Network } from '../../core/backends/train/network.js';
import { Rng } from '../../core/rng.js';

/** Replaces every weight with seeded values: moving variances in [0.5, 2), the rest roughly N(0, 0.5²). */
export function randomizeNetwork(net: Network, seed: number): void {
  const rng = new Rng(seed);
  net.setWeights(
    net.getWeights().map((w) => ({
      ...w,
      data: Float32Array.from(w.data, () =>
        w.name.endsWith('moving_variance') ? rng.range(0.5, 2) : rng.normal(0.5),
      ),
    })),
  );
}

/** Seeded inputs [n, ...inputShape] in [0, 1) as host data. */
export function sampleInput(net: Network, n: number, seed: number): { data: Float32Array; dims: number[] } {
  const rng = new Rng(seed);
  const dims = [n, ...net.inputShape];
  const size = dims.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: size }, () => rng.next()), dims };
}

/** The network's inference-mode logits on host data. */
export function forwardHost(net: Network, x: { data: Float32Array; dims: number[] }): Float32Array {
  const out = tf.tidy(() => net.forward(tf.tensor(x.data, x.dims), false));
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

/** A LayersModel's outputs on host data. */
export function predictHost(model: tf.LayersModel, x: { data: Float32Array; dims: number[] }): Float32Array {
  const out = tf.tidy(() => model.predict(tf.tensor(x.data, x.dims)) as tf.Tensor);
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

/** Exports `model` to ONNX and runs it in onnxruntime-node on host data; returns outputs and export info. */
export async function runOnnx(model: tf.LayersModel, x: { data: Float32Array; dims: number[] }) {
  const { bytes, info } = exportLayersModelWithInfo(model);
  const ort = await getOrt();
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims) };
    const result = await session.run(feeds);
    return { data: result[session.outputNames[0]].data as Float32Array, info };
  } finally {
    await session.release();
  }
}
