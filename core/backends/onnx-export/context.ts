// What a layer converter receives (graph, config, input values, shapes) and how it reads layer weights.
import type { SymbolicTensor } from '@tensorflow/tfjs';
import type { LayerConfig } from './config.js';
import type { GraphBuilder, Value } from './graph.js';

/** A TF.js layer, as reached from a SymbolicTensor (tfjs does not export the Layer class type). */
export type TfLayer = SymbolicTensor['sourceLayer'];

/** A TF.js shape: null where dynamic (the batch dimension). */
export type TfShape = (number | null)[];

/** Everything a converter needs for one call (node) of one layer. */
export type ConvertContext = {
  g: GraphBuilder;
  layer: TfLayer;
  cfg: LayerConfig;
  /** Graph values of the node's inputs, in order. */
  inputs: Value[];
  /** TF.js (NHWC) shapes of the inputs. */
  inputShapes: TfShape[];
};

/** Turns one layer call into ONNX nodes; returns the output value. */
export type Converter = (ctx: ConvertContext) => Value;

/** A layer weight as float32 values with its TF.js dims. */
export type Weight = { dims: number[]; data: Float32Array };

/**
 * Reads the layer weight whose name ends in `/suffix` (e.g. 'kernel', 'moving_mean'), or null when the
 * layer has none (e.g. 'bias' with useBias: false).
 *
 * @example
 * const kernel = readWeight(ctx, 'kernel'); // { dims: [3, 3, 1, 8], data: Float32Array(72) }
 */
export function readWeight(ctx: ConvertContext, suffix: string): Weight | null {
  const variable = ctx.layer.weights.find(
    (w) => w.originalName === suffix || w.originalName.endsWith(`/${suffix}`),
  );
  if (!variable) return null;
  if (variable.dtype !== 'float32')
    throw ctx.cfg.fail(`weight "${suffix}" has dtype ${variable.dtype}, not float32`);
  const tensor = variable.read();
  const values = tensor.dataSync();
  if (!(values instanceof Float32Array)) throw ctx.cfg.fail(`weight "${suffix}" is not float32 data`);
  return { dims: [...tensor.shape], data: Float32Array.from(values) };
}

/** Like readWeight, but a missing weight is an error. */
export function requireWeight(ctx: ConvertContext, suffix: string): Weight {
  const w = readWeight(ctx, suffix);
  if (!w) throw ctx.cfg.fail(`weight "${suffix}" not found`);
  return w;
}

/** The single input of a one-input layer. */
export function singleInput(ctx: ConvertContext): { value: Value; shape: TfShape } {
  if (ctx.inputs.length !== 1) throw ctx.cfg.fail(`expected 1 input, got ${ctx.inputs.length}`);
  return { value: ctx.inputs[0], shape: ctx.inputShapes[0] };
}

/**
 * Moves a weight from TF.js axis order to ONNX order: `perm[i]` is the source axis of output axis i
 * (the same convention as ONNX Transpose).
 *
 * @example
 * permute({ dims: [kh, kw, cin, cout], data }, [3, 2, 0, 1]); // Conv2D kernel → ONNX [cout, cin, kh, kw]
 */
export function permute(w: Weight, perm: number[]): Weight {
  const dims = perm.map((p) => w.dims[p]);
  const srcStrides = new Array<number>(w.dims.length);
  let s = 1;
  for (let i = w.dims.length - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= w.dims[i];
  }
  const strides = perm.map((p) => srcStrides[p]);
  const out = new Float32Array(w.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++) src += idx[i] * strides[i];
    out[o] = w.data[src];
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  return { dims, data: out };
}
