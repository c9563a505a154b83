// Scale-test bundles: the API tests' constant models, and a slow one (a long chain of shared-weight Gemms) to kill or stop mid-job.
import type { onnx as OnnxTypes } from 'onnx-proto';
import { CLASSES, manifest, zip } from '../api/fixtures.js';
import { encodeModel } from '../backends/onnx-fixtures.js';

/** Width of the slow model's hidden layers: each layer is a WIDTH × WIDTH matrix product per image. */
const WIDTH = 1024;

const gemm = (input: string, weight: string, bias: string, output: string): OnnxTypes.INodeProto => ({
  opType: 'Gemm',
  input: [input, weight, bias],
  output: [output],
  attribute: [{ name: 'transB', type: 2, i: 1 }],
});

/** `n` seeded values in [-1, 1) (a linear congruential generator: same seed, same bytes). */
function noise(n: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/**
 * ONNX model over [N,1,8,8] images whose run time grows with `layers`: Flatten → Gemm to WIDTH →
 * `layers` Gemms reusing one WIDTH × WIDTH weight (so the file stays ~4 MB) → Gemm to logits. The
 * input weights are zero, so every activation is exactly 0 (no denormals, no overflow) and the last bias
 * makes it predict `favour` for every image like the constant models; the shared weight is seeded noise
 * so that the zip is not refused as a compression bomb. Roughly 3 ms per layer for 20 images on two
 * cores (1000 layers: ~3 s).
 */
export function slowModel(layers: number, favour = 0, classes = CLASSES): Uint8Array {
  if (!Number.isInteger(layers) || layers < 1 || layers > 5000) throw new Error(`layers ${layers}: 1-5000`);
  const nodes: OnnxTypes.INodeProto[] = [
    { opType: 'Flatten', input: ['image'], output: ['h0'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
    gemm('h0', 'w_in', 'b_hidden', 'g0'),
  ];
  for (let i = 0; i < layers; i++) nodes.push(gemm(`g${i}`, 'w_hidden', 'b_hidden', `g${i + 1}`));
  nodes.push(gemm(`g${layers}`, 'w_out', 'b_out', 'logits'));
  const zeros = (n: number) => new Array<number>(n).fill(0);
  return encodeModel({
    inputs: [{ name: 'image', dims: ['N', 1, 8, 8] }],
    output: { name: 'logits', dims: ['N', classes] },
    nodes,
    inits: [
      { name: 'w_in', dims: [WIDTH, 64], values: zeros(WIDTH * 64) },
      { name: 'w_hidden', dims: [WIDTH, WIDTH], values: noise(WIDTH * WIDTH, layers) },
      { name: 'b_hidden', dims: [WIDTH], values: zeros(WIDTH) },
      { name: 'w_out', dims: [classes, WIDTH], values: zeros(classes * WIDTH) },
      { name: 'b_out', dims: [classes], values: zeros(classes).map((_, k) => (k === favour ? 5 : 0)) },
    ],
  });
}

/** A valid bundle around {@link slowModel}; same `layers` and `favour`, same bytes. */
export function slowBundle(layers: number, favour = 0): Promise<Buffer> {
  return zip({
    'manifest.json': JSON.stringify(manifest(CLASSES, { name: `slow-${layers}-${favour}` })),
    'model.onnx': slowModel(layers, favour),
  });
}
