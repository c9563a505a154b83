// Every supported layer kind: a tiny seeded TF.js model, exported to ONNX, must match TF.js within 1e-4.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithTfjs, type Layer, randomizeWeights, seq, useCpuBackend } from './helpers.js';

const L = tf.layers;
const head = (units = 3): Layer[] => [L.flatten(), L.dense({ units })];
const conv = (filters = 4, kernelSize = 3): Layer => L.conv2d({ filters, kernelSize, padding: 'same' });

/** name → model builder; each ends in [N, units]. */
const CASES: Record<string, () => tf.LayersModel> = {
  'Dense with bias, relu': () => seq([6], [L.dense({ units: 5, activation: 'relu' }), L.dense({ units: 3 })]),
  'Dense without bias, tanh': () => seq([6], [L.dense({ units: 5, useBias: false, activation: 'tanh' })]),
  'Dense on a rank-4 input (MatMul + Add)': () => seq([4, 4, 3], [L.dense({ units: 5 }), ...head()]),
  'Dense on a transposed NCHW value': () => seq([5, 5, 2], [conv(), L.dense({ units: 3 }), ...head()]),
  'Conv2D valid 3x3, relu': () =>
    seq([7, 7, 3], [L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), ...head()]),
  "Conv2D 'same' even kernel 2, stride 2 (asymmetric pads)": () =>
    seq([7, 9, 3], [L.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }), ...head()]),
  "Conv2D 'same' kernel 4, stride 2 on 9x8": () =>
    seq([9, 8, 2], [L.conv2d({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' }), ...head()]),
  "Conv2D 'same' dilation 2": () =>
    seq([8, 8, 2], [L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }), ...head()]),
  'Conv2D no bias, kernel [3, 2], strides [2, 1], sigmoid': () =>
    seq(
      [8, 7, 3],
      [
        L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], useBias: false, activation: 'sigmoid' }),
        ...head(),
      ],
    ),
  "DepthwiseConv2D multiplier 2, 'same' kernel 2 stride 2": () =>
    seq(
      [7, 7, 3],
      [L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, strides: 2, padding: 'same' }), ...head()],
    ),
  'DepthwiseConv2D multiplier 1 valid 3x3, relu': () =>
    seq([6, 6, 4], [L.depthwiseConv2d({ kernelSize: 3, activation: 'relu' }), ...head()]),
  "MaxPooling2D 'same' 2x2 stride 2 on 7x7 (negative inputs)": () =>
    seq([7, 7, 3], [L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), ...head()]),
  'MaxPooling2D valid 3x3 stride 2': () =>
    seq([7, 7, 2], [conv(), L.maxPooling2d({ poolSize: 3, strides: 2 }), ...head()]),
  "AveragePooling2D 'same' 3x3 stride 2 (padding excluded)": () =>
    seq([7, 7, 3], [L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), ...head()]),
  'AveragePooling2D valid 2x2': () =>
    seq([6, 6, 2], [conv(), L.averagePooling2d({ poolSize: 2 }), ...head()]),
  GlobalAveragePooling2D: () =>
    seq([6, 6, 3], [conv(5), L.globalAveragePooling2d({}), L.dense({ units: 3 })]),
  'BatchNormalization on NHWC, trained stats': () =>
    seq([5, 5, 3], [conv(), L.batchNormalization(), ...head()]),
  'BatchNormalization center=false, epsilon 0.01': () =>
    seq([5, 5, 3], [conv(), L.batchNormalization({ center: false, epsilon: 0.01 }), ...head()]),
  'BatchNormalization scale=false, straight on the input': () =>
    seq([5, 5, 3], [L.batchNormalization({ scale: false }), ...head()]),
  'BatchNormalization on a rank-2 input': () =>
    seq([6], [L.dense({ units: 5 }), L.batchNormalization(), L.dense({ units: 3 })]),
  'ReLU layer': () => seq([6], [L.dense({ units: 5 }), L.reLU(), L.dense({ units: 3 })]),
  'ReLU layer with maxValue (Clip)': () => seq([6], [L.dense({ units: 8 }), L.reLU({ maxValue: 0.3 })]),
  'ELU layer': () => seq([5, 5, 2], [conv(), L.elu(), ...head()]),
  'Softmax layer': () => seq([6], [L.dense({ units: 4 }), L.softmax()]),
  'Softmax layer over channels of an NCHW value': () =>
    seq([5, 5, 2], [conv(), L.softmax({ axis: -1 }), ...head()]),
  'Flatten straight on the NHWC input': () => seq([4, 3, 2], head()),
  'Flatten after conv (NCHW back to NHWC order)': () => seq([5, 4, 3], [conv(3, 2), ...head(4)]),
  'Dropout (identity), also last': () => seq([6], [L.dense({ units: 5 }), L.dropout({ rate: 0.5 })]),
  '1-channel input': () => seq([8, 8, 1], [conv(4), L.maxPooling2d({ poolSize: 2 }), ...head()]),
};

const ACTIVATIONS = ['relu', 'elu', 'softmax', 'linear', 'sigmoid', 'tanh'] as const;

describe('exportLayersModel: one layer kind at a time', () => {
  beforeAll(useCpuBackend);

  it.each(Object.keys(CASES))('%s', async (name) => {
    const model = CASES[name]();
    randomizeWeights(model, 11);
    const { maxDiff, spread, dims } = await compareWithTfjs(model);
    expect(dims[0]).toBe(3);
    expect(spread).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });

  it.each(ACTIVATIONS)('activation %s: Dense option and Activation layer', async (activation) => {
    for (const model of [
      seq([6], [L.dense({ units: 5, activation }), L.dense({ units: 3 })]),
      seq([5, 5, 2], [conv(), L.activation({ activation }), ...head()]),
    ]) {
      randomizeWeights(model, 5);
      const { maxDiff, spread } = await compareWithTfjs(model);
      expect(spread).toBeGreaterThan(1e-3);
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
      model.dispose();
    }
  });
});
