// Activations (relu, elu, softmax, linear, sigmoid, tanh) and converters for Dense, Flatten, Dropout, Add.
import type { LayerConfig } from './config.js';
import { type Converter, readWeight, requireWeight, singleInput } from './context.js';
import { attrFloat, attrInt, type GraphBuilder, type Value } from './graph.js';

/** Activation names the exporter maps to ONNX. */
export const SUPPORTED_ACTIVATIONS = ['relu', 'elu', 'softmax', 'linear', 'sigmoid', 'tanh'] as const;

const ELEMENTWISE = new Map([
  ['relu', 'Relu'],
  ['sigmoid', 'Sigmoid'],
  ['tanh', 'Tanh'],
]);

/**
 * Softmax over one TF.js axis of `v` (default last, like TF.js), mapped to the value's ONNX layout.
 *
 * @example
 * const probs = softmax(g, logits, -1, 'dense_1'); // probs.softmaxed === true for rank-2 logits
 */
export function softmax(g: GraphBuilder, v: Value, tfAxis: number, base: string): Value {
  const axis = g.onnxAxis(v, tfAxis);
  const name = g.node('Softmax', [v.name], [attrInt('axis', axis)], `${base}/softmax`);
  const lastAxis = (tfAxis < 0 ? tfAxis + v.rank : tfAxis) === v.rank - 1;
  return { ...v, name, softmaxed: lastAxis };
}

/**
 * ELU with TF.js semantics: x for x > 0, alpha * (exp(x) - 1) otherwise.
 *
 * @example
 * const y = elu(g, x, 1, 'elu_1');
 */
export function elu(g: GraphBuilder, v: Value, alpha: number, base: string): Value {
  const name = g.node('Elu', [v.name], [attrFloat('alpha', alpha)], `${base}/elu`);
  return { ...v, name, softmaxed: false };
}

/**
 * TF.js ReLU layer: max(x, 0), capped at `maxValue` when set (ONNX Clip with min/max inputs).
 *
 * @example
 * const y = relu(g, x, 6, 'relu6'); // Clip(x, 0, 6)
 */
export function relu(g: GraphBuilder, v: Value, maxValue: number | null, base: string): Value {
  if (maxValue === null) {
    return { ...v, name: g.node('Relu', [v.name], [], `${base}/relu`), softmaxed: false };
  }
  const lo = g.initializer(`${base}/clip_min`, [], new Float32Array([0]));
  const hi = g.initializer(`${base}/clip_max`, [], new Float32Array([maxValue]));
  return { ...v, name: g.node('Clip', [v.name, lo, hi], [], `${base}/relu`), softmaxed: false };
}

/**
 * Applies a TF.js activation given by name (as in a layer's `activation` option).
 * Unknown or unsupported names fail with invalid_model, naming the supported list.
 *
 * @example
 * const y = applyActivation(g, x, cfg.str('activation', 'linear'), cfg);
 */
export function applyActivation(g: GraphBuilder, v: Value, activation: string, cfg: LayerConfig): Value {
  const base = cfg.layerName;
  if (activation === 'linear') return v;
  if (activation === 'softmax') return softmax(g, v, -1, base);
  if (activation === 'elu') return elu(g, v, 1, base);
  const op = ELEMENTWISE.get(activation);
  if (op !== undefined) {
    return { ...v, name: g.node(op, [v.name], [], `${base}/${activation}`), softmaxed: false };
  }
  throw cfg.fail(
    `activation "${activation}" is not supported; supported activations: ${SUPPORTED_ACTIVATIONS.join(', ')}`,
  );
}

/** Dense: Gemm on rank-2 inputs; MatMul + Add over the last axis (TF.js order) for higher ranks. */
const dense: Converter = (ctx) => {
  const { g, cfg } = ctx;
  const { value } = singleInput(ctx);
  const x = g.toNhwc(value);
  const kernel = requireWeight(ctx, 'kernel');
  const bias = readWeight(ctx, 'bias');
  const w = g.initializer(`${cfg.layerName}/kernel`, kernel.dims, kernel.data);
  const b = bias ? g.initializer(`${cfg.layerName}/bias`, bias.dims, bias.data) : null;
  let name: string;
  if (x.rank === 2) {
    name = g.node('Gemm', b ? [x.name, w, b] : [x.name, w], [], cfg.layerName);
  } else {
    name = g.node('MatMul', [x.name, w], [], b ? `${cfg.layerName}/matmul` : cfg.layerName);
    if (b) name = g.node('Add', [name, b], [], cfg.layerName);
  }
  const y: Value = { ...x, name, softmaxed: false };
  return applyActivation(g, y, cfg.str('activation', 'linear'), cfg);
};

/** Flatten in TF.js (NHWC) order: NCHW values are transposed back first. */
const flatten: Converter = (ctx) => {
  const { g, cfg } = ctx;
  const { value } = singleInput(ctx);
  cfg.requireChannelsLast();
  if (value.rank === 2) return value;
  const x = g.toNhwc(value);
  const name = g.node('Flatten', [x.name], [attrInt('axis', 1)], cfg.layerName);
  return { name, rank: 2, layout: 'plain', softmaxed: false };
};

/** Dropout is the identity at inference. */
const dropout: Converter = (ctx) => singleInput(ctx).value;

const activation: Converter = (ctx) =>
  applyActivation(ctx.g, singleInput(ctx).value, ctx.cfg.str('activation'), ctx.cfg);

const reluLayer: Converter = (ctx) =>
  relu(ctx.g, singleInput(ctx).value, ctx.cfg.optNum('maxValue'), ctx.cfg.layerName);

const eluLayer: Converter = (ctx) =>
  elu(ctx.g, singleInput(ctx).value, ctx.cfg.num('alpha', 1), ctx.cfg.layerName);

const softmaxLayer: Converter = (ctx) => {
  const { value } = singleInput(ctx);
  const axis = ctx.cfg.axis('axis', -1);
  if (axis < -value.rank || axis >= value.rank)
    throw ctx.cfg.fail(`axis ${axis} out of range for rank ${value.rank}`);
  return softmax(ctx.g, value, axis, ctx.cfg.layerName);
};

/**
 * Add of two or more same-shaped inputs (residual connections). Rank-4 inputs are brought to one
 * layout: NCHW if any input is already NCHW, so a residual block adds no transposes.
 */
const add: Converter = (ctx) => {
  const { g, cfg, inputs } = ctx;
  if (inputs.length < 2) throw cfg.fail(`expected at least 2 inputs, got ${inputs.length}`);
  const ranks = new Set(inputs.map((v) => v.rank));
  const shapes = new Set(ctx.inputShapes.map((s) => JSON.stringify(s.slice(1))));
  if (ranks.size !== 1 || shapes.size !== 1) {
    throw cfg.fail(
      `inputs must have the same shape, got ${ctx.inputShapes.map((s) => JSON.stringify(s)).join(', ')}`,
    );
  }
  const anyNchw = inputs.some((v) => v.layout === 'nchw');
  const aligned = inputs.map((v) => (anyNchw ? g.toNchw(v) : v));
  let acc = aligned[0];
  for (let i = 1; i < aligned.length; i++) {
    const base = i === aligned.length - 1 ? cfg.layerName : `${cfg.layerName}/sum${i}`;
    acc = { ...acc, name: g.node('Add', [acc.name, aligned[i].name], [], base), softmaxed: false };
  }
  return acc;
};

/** Core converters by TF.js class name. */
export const CORE_CONVERTERS: Record<string, Converter> = {
  Dense: dense,
  Flatten: flatten,
  Dropout: dropout,
  Activation: activation,
  ReLU: reluLayer,
  ELU: eluLayer,
  Softmax: softmaxLayer,
  Add: add,
};
