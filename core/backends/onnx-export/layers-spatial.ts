// Converters for spatial TF.js layers (Conv2D, DepthwiseConv2D, pooling, BatchNormalization) and TF 'same' pads.
import {
  type ConvertContext,
  type Converter,
  permute,
  readWeight,
  requireWeight,
  singleInput,
} from './context.js';
import { type AttributeProto, attrFloat, attrInt, attrInts, attrString, type Value } from './graph.js';
import { applyActivation } from './layers-core.js';

/**
 * TF's 'same' padding along one axis: output = ceil(in / stride), total padding
 * max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0), of which floor(total / 2) goes before.
 *
 * @example
 * samePads1d(8, 2, 2, 1); // [0, 0]: ceil(8/2)=4 windows of 2 fit exactly
 * samePads1d(7, 4, 2, 1); // [1, 2]: asymmetric, the extra pixel after
 */
export function samePads1d(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Spatial geometry of a conv/pool window. */
export type Window = {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: 'same' | 'valid';
};

/**
 * ONNX `pads` ([top, left, bottom, right]) for a TF padding mode on an NHWC input of spatial size
 * [h, w]. With an unknown spatial size, 'same' falls back to auto_pad SAME_UPPER (the same rule).
 *
 * @example
 * padAttributes({ kernel: [2, 2], strides: [2, 2], dilations: [1, 1], padding: 'same' }, [7, 7]);
 * // [{ name: 'pads', ints: [0, 0, 1, 1] }]
 */
export function padAttributes(win: Window, spatial: [number | null, number | null]): AttributeProto[] {
  if (win.padding === 'valid') return [attrInts('pads', [0, 0, 0, 0])];
  const [h, w] = spatial;
  if (h === null || w === null) return [attrString('auto_pad', 'SAME_UPPER')];
  const [top, bottom] = samePads1d(h, win.kernel[0], win.strides[0], win.dilations[0]);
  const [left, right] = samePads1d(w, win.kernel[1], win.strides[1], win.dilations[1]);
  return [attrInts('pads', [top, left, bottom, right])];
}

/** A rank-4 NHWC input moved to NCHW, with its static spatial size (null where dynamic). */
function spatialInput(ctx: ConvertContext): { x: Value; hw: [number | null, number | null] } {
  const { value, shape } = singleInput(ctx);
  if (value.rank !== 4) throw ctx.cfg.fail(`expected a rank-4 NHWC input, got rank ${value.rank}`);
  ctx.cfg.requireChannelsLast();
  return { x: ctx.g.toNchw(value), hw: [shape[1], shape[2]] };
}

function windowAttributes(win: Window, hw: [number | null, number | null]) {
  return [
    attrInts('kernel_shape', win.kernel),
    attrInts('strides', win.strides),
    attrInts('dilations', win.dilations),
    ...padAttributes(win, hw),
  ];
}

function convWindow(ctx: ConvertContext): Window {
  const { cfg } = ctx;
  return {
    kernel: cfg.pair('kernelSize'),
    strides: cfg.pair('strides', [1, 1]),
    dilations: cfg.pair('dilationRate', [1, 1]),
    padding: cfg.padding(),
  };
}

/** Emits ONNX Conv (weights already in ONNX [out, in/group, kh, kw] order), then the activation. */
function conv(
  ctx: ConvertContext,
  x: Value,
  hw: [number | null, number | null],
  kernelSuffix: string,
): Value {
  const { g, cfg } = ctx;
  const win = convWindow(ctx);
  const k = requireWeight(ctx, kernelSuffix);
  const [kh, kw, cin, mult] = k.dims;
  // Conv2D kernel [kh, kw, cin, cout] → [cout, cin, kh, kw]. Depthwise [kh, kw, cin, m] → [cin*m, 1, kh, kw]
  // with output channel c*m + j, the order TF.js uses.
  const depthwise = kernelSuffix === 'depthwise_kernel';
  const w = depthwise
    ? { dims: [cin * mult, 1, kh, kw], data: permute(k, [2, 3, 0, 1]).data }
    : permute(k, [3, 2, 0, 1]);
  const inputs = [x.name, g.initializer(`${cfg.layerName}/${kernelSuffix}`, w.dims, w.data)];
  const bias = readWeight(ctx, 'bias');
  if (bias) inputs.push(g.initializer(`${cfg.layerName}/bias`, bias.dims, bias.data));
  const attrs = windowAttributes(win, hw);
  if (depthwise) attrs.push(attrInt('group', cin));
  const y: Value = { ...x, name: g.node('Conv', inputs, attrs, cfg.layerName), softmaxed: false };
  return applyActivation(g, y, cfg.str('activation', 'linear'), cfg);
}

const conv2d: Converter = (ctx) => {
  const { x, hw } = spatialInput(ctx);
  return conv(ctx, x, hw, 'kernel');
};

const depthwiseConv2d: Converter = (ctx) => {
  const { x, hw } = spatialInput(ctx);
  return conv(ctx, x, hw, 'depthwise_kernel');
};

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (ctx) => {
    const { g, cfg } = ctx;
    const { x, hw } = spatialInput(ctx);
    const kernel = cfg.pair('poolSize', [2, 2]);
    const win: Window = {
      kernel,
      strides: cfg.pair('strides', kernel),
      dilations: [1, 1],
      padding: cfg.padding(),
    };
    const attrs = [
      attrInts('kernel_shape', win.kernel),
      attrInts('strides', win.strides),
      ...padAttributes(win, hw),
    ];
    // TF averages over the pixels inside the image only; MaxPool padding never wins in ONNX.
    if (op === 'AveragePool') attrs.push(attrInt('count_include_pad', 0));
    return { ...x, name: g.node(op, [x.name], attrs, cfg.layerName), softmaxed: false };
  };
}

const globalAveragePooling2d: Converter = (ctx) => {
  const { g, cfg } = ctx;
  const { x } = spatialInput(ctx);
  if (cfg.bool('keepDims', false)) throw cfg.fail('keepDims: true is not supported');
  const pooled = g.node('GlobalAveragePool', [x.name], [], `${cfg.layerName}/pool`);
  const name = g.node('Flatten', [pooled], [attrInt('axis', 1)], cfg.layerName);
  return { name, rank: 2, layout: 'plain', softmaxed: false };
};

const batchNormalization: Converter = (ctx) => {
  const { g, cfg } = ctx;
  const { value } = singleInput(ctx);
  const axis = cfg.num('axis', -1);
  const last = axis === -1 || axis === value.rank - 1;
  if (!last || (value.rank !== 4 && value.rank !== 2)) {
    throw cfg.fail(
      `only the channel axis (-1) of a rank-2 or rank-4 input is supported (axis ${axis}, rank ${value.rank})`,
    );
  }
  const x = g.toNchw(value);
  const mean = requireWeight(ctx, 'moving_mean');
  const variance = requireWeight(ctx, 'moving_variance');
  const channels = mean.data.length;
  const gamma = readWeight(ctx, 'gamma') ?? { dims: [channels], data: new Float32Array(channels).fill(1) };
  const beta = readWeight(ctx, 'beta') ?? { dims: [channels], data: new Float32Array(channels) };
  const base = cfg.layerName;
  const inputs = [
    x.name,
    g.initializer(`${base}/gamma`, [channels], gamma.data),
    g.initializer(`${base}/beta`, [channels], beta.data),
    g.initializer(`${base}/moving_mean`, [channels], mean.data),
    g.initializer(`${base}/moving_variance`, [channels], variance.data),
  ];
  const attrs = [attrFloat('epsilon', cfg.num('epsilon', 1e-3))];
  return { ...x, name: g.node('BatchNormalization', inputs, attrs, base), softmaxed: false };
};

/** Spatial converters by TF.js class name. */
export const SPATIAL_CONVERTERS: Record<string, Converter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling2D: globalAveragePooling2d,
  BatchNormalization: batchNormalization,
};
