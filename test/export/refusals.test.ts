// What the ONNX exporter refuses (with messages people can act on) and its padding/weight-layout rules.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { permute } from '../../core/backends/onnx-export/context.js';
import { exportLayersModel, SUPPORTED_LAYERS } from '../../core/backends/onnx-export/index.js';
import { padAttributes, samePads1d } from '../../core/backends/onnx-export/layers-spatial.js';
import { type ErrorCode, isSketchboardError } from '../../core/errors.js';
import { seq, useCpuBackend } from './helpers.js';

const L = tf.layers;

function refusal(fn: () => unknown, code: ErrorCode = 'invalid_model'): string {
  try {
    fn();
  } catch (err) {
    if (isSketchboardError(err, code)) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('exportLayersModel refuses what it cannot reproduce', () => {
  beforeAll(useCpuBackend);

  it('an LSTM, naming the layer class and the supported list', () => {
    const message = refusal(() => exportLayersModel(seq([5, 4], [L.lstm({ units: 3, name: 'rnn' })])));
    expect(message).toContain('layer "rnn" (LSTM) is not supported');
    expect(message).toContain(`supported layers: ${SUPPORTED_LAYERS.join(', ')}`);
    expect(SUPPORTED_LAYERS).toEqual([
      'Activation',
      'Add',
      'AveragePooling2D',
      'BatchNormalization',
      'Conv2D',
      'Dense',
      'DepthwiseConv2D',
      'Dropout',
      'ELU',
      'Flatten',
      'GlobalAveragePooling2D',
      'InputLayer',
      'MaxPooling2D',
      'ReLU',
      'Softmax',
    ]);
  });

  it('a Conv2DTranspose', () => {
    const model = seq(
      [4, 4, 2],
      [L.conv2dTranspose({ filters: 2, kernelSize: 2 }), L.flatten(), L.dense({ units: 2 })],
    );
    expect(refusal(() => exportLayersModel(model))).toMatch(/\(Conv2DTranspose\) is not supported/);
  });

  it('an activation outside relu, elu, softmax, linear, sigmoid, tanh', () => {
    const message = refusal(() =>
      exportLayersModel(seq([4], [L.dense({ units: 2, activation: 'selu', name: 'd' })])),
    );
    expect(message).toBe(
      'ONNX export: layer "d" (Dense): activation "selu" is not supported; ' +
        'supported activations: relu, elu, softmax, linear, sigmoid, tanh',
    );
  });

  it('an output that is not [N, units]', () => {
    const model = seq([4, 4, 2], [L.conv2d({ filters: 2, kernelSize: 3 })]);
    expect(refusal(() => exportLayersModel(model))).toBe(
      'ONNX export: the output must be [N, units], it is [N, 2, 2, 2]',
    );
  });

  it('channelsFirst convolutions and BatchNormalization over a non-channel axis', () => {
    const cf = seq(
      [2, 4, 4],
      [L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), L.flatten()],
    );
    expect(refusal(() => exportLayersModel(cf))).toMatch(/dataFormat "channelsFirst" is not supported/);
    const bn = seq([4, 4, 2], [L.batchNormalization({ axis: 1 }), L.flatten()]);
    expect(refusal(() => exportLayersModel(bn))).toMatch(/only the channel axis/);
  });

  it('a model with two inputs, and an opset outside 13..21', () => {
    const a = tf.input({ shape: [3] });
    const b = tf.input({ shape: [3] });
    const sum = L.add().apply([a, b]);
    if (!(sum instanceof tf.SymbolicTensor)) throw new Error('expected a symbolic tensor');
    const twoInputs = tf.model({ inputs: [a, b], outputs: sum });
    expect(refusal(() => exportLayersModel(twoInputs))).toBe(
      'ONNX export: the model must have 1 input, it has 2',
    );
    const ok = seq([3], [L.dense({ units: 2 })]);
    expect(refusal(() => exportLayersModel(ok, { opset: 12 }), 'invalid_argument')).toMatch(/opset 12/);
  });
});

describe('TF padding and weight layout rules', () => {
  it.each([
    [7, 2, 2, 1, [0, 1]],
    [8, 2, 2, 1, [0, 0]],
    [9, 4, 2, 1, [1, 2]],
    [8, 4, 2, 1, [1, 1]],
    [8, 3, 1, 2, [2, 2]],
    [7, 3, 2, 1, [1, 1]],
    [6, 3, 2, 1, [0, 1]],
  ])('same padding: size %i, kernel %i, stride %i, dilation %i → %j', (size, k, s, d, pads) => {
    expect(samePads1d(size, k, s, d)).toEqual(pads);
  });

  it('pads attributes: explicit [top, left, bottom, right]; valid is zero; unknown size is SAME_UPPER', () => {
    const win = {
      kernel: [2, 3] as [number, number],
      strides: [2, 1] as [number, number],
      dilations: [1, 1] as [number, number],
    };
    expect(padAttributes({ ...win, padding: 'same' }, [7, 5])[0]).toMatchObject({
      name: 'pads',
      ints: [0, 1, 1, 1],
    });
    expect(padAttributes({ ...win, padding: 'valid' }, [7, 5])[0]).toMatchObject({
      name: 'pads',
      ints: [0, 0, 0, 0],
    });
    const auto = padAttributes({ ...win, padding: 'same' }, [null, null])[0];
    expect(auto.name).toBe('auto_pad');
    expect(new TextDecoder().decode(auto.s ?? new Uint8Array())).toBe('SAME_UPPER');
  });

  it('permute moves axes like ONNX Transpose', () => {
    expect(permute({ dims: [2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) }, [1, 0])).toEqual({
      dims: [3, 2],
      data: Float32Array.of(0, 3, 1, 4, 2, 5),
    });
    const k = permute({ dims: [1, 2, 2, 2], data: Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7) }, [3, 2, 0, 1]);
    expect(k.dims).toEqual([2, 2, 1, 2]);
    expect(Array.from(k.data)).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
  });
});
