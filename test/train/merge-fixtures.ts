// Models the graph-merging tests share: a hand-made NCHW backbone as a PyTorch export looks, and a dense head.
import * as tf from '@tensorflow/tfjs';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { randomizeWeights } from '../export/helpers.js';

const { onnx } = onnxProto;

/**
 * x [batch,3,4,4] → Mul by 2 → GlobalAveragePool → pooled [batch,3,1,1]: rank 4, so a head behind it needs a
 * Flatten; the inner value is named `head/a` to clash with a merged head's prefixed names.
 */
export function nchwBackbone(opset = 13): OnnxTypes.IModelProto {
  const info = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'torch',
      node: [
        { opType: 'Mul', input: ['x', 'two'], output: ['head/a'], name: 'mul' },
        { opType: 'GlobalAveragePool', input: ['head/a'], output: ['pooled'], name: 'gap' },
      ],
      initializer: [{ name: 'two', dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [2] }],
      input: [info('x', ['batch', 3, 4, 4])],
      output: [info('pooled', ['batch', 3, 1, 1])],
    },
  });
}

/** Head on d features: Dense(hidden, relu) named "dense" (to clash with a backbone's names) → Dense(3), seeded weights. */
export function denseHead(d: number, seed = 12, hidden = 6): tf.LayersModel {
  const input = tf.input({ shape: [d], name: 'input' });
  const h = tf.layers.dense({ units: hidden, activation: 'relu', name: 'dense' }).apply(input);
  const out = tf.layers.dense({ units: 3, name: 'out' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'head' });
  randomizeWeights(model, seed);
  return model;
}
