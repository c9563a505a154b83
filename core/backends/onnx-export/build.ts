// Builds the ONNX nodes of a TF.js model: walks its layer calls in topological order, converting each one.
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { isSketchboardError, SketchboardError } from '../../errors.js';
import { LayerConfig } from './config.js';
import type { Converter, TfLayer, TfShape } from './context.js';
import { GraphBuilder, type NodeProto, type TensorProto, type Value } from './graph.js';
import { CORE_CONVERTERS } from './layers-core.js';
import { SPATIAL_CONVERTERS } from './layers-spatial.js';

/** One call of one layer: its input and output symbolic tensors. */
export type Step = {
  layer: TfLayer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
};

function nodeKey(t: SymbolicTensor): string {
  return `${t.sourceLayer.name}#${t.nodeIndex}`;
}

function stepOf(t: SymbolicTensor): Step {
  const node = t.sourceLayer.inboundNodes[t.nodeIndex];
  if (!node) {
    throw new SketchboardError('invalid_model', `ONNX export: tensor "${t.name}" has no producing node`);
  }
  // An InputLayer's node lists its own output as input (as in Keras): it has no real inputs.
  const inputs = t.sourceLayer.getClassName() === 'InputLayer' ? [] : node.inputTensors;
  return { layer: t.sourceLayer, inputs, outputs: node.outputTensors };
}

/**
 * Layer calls in topological order (every step after the steps producing its inputs), starting with
 * the InputLayer steps. Shared layers appear once per call. Only calls reachable from the model's
 * outputs are listed.
 *
 * @example
 * for (const step of topologicalSteps(model)) console.log(step.layer.getClassName());
 */
export function topologicalSteps(model: LayersModel): Step[] {
  const order: Step[] = [];
  const done = new Set<string>();
  const active = new Set<string>();
  // Iterative post-order DFS: deep models must not overflow the call stack.
  const stack: { tensor: SymbolicTensor; expanded: boolean }[] = model.outputs
    .slice()
    .reverse()
    .map((tensor) => ({ tensor, expanded: false }));
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const key = nodeKey(top.tensor);
    if (done.has(key)) {
      stack.pop();
      continue;
    }
    const step = stepOf(top.tensor);
    if (top.expanded) {
      stack.pop();
      active.delete(key);
      done.add(key);
      order.push(step);
      continue;
    }
    if (active.has(key)) {
      throw new SketchboardError('invalid_model', `ONNX export: cycle through layer "${step.layer.name}"`);
    }
    top.expanded = true;
    active.add(key);
    for (let i = step.inputs.length - 1; i >= 0; i--) {
      if (!done.has(nodeKey(step.inputs[i]))) stack.push({ tensor: step.inputs[i], expanded: false });
    }
  }
  return order;
}

const CONVERTERS = new Map<string, Converter>(Object.entries({ ...CORE_CONVERTERS, ...SPATIAL_CONVERTERS }));

/** TF.js layer class names the exporter converts. */
export const SUPPORTED_LAYERS: readonly string[] = ['InputLayer', ...CONVERTERS.keys()].sort();

/** The graph of one model, ready to wrap in a ModelProto. */
export type BuiltGraph = {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputDims: TfShape;
  output: 'logits' | 'probabilities';
  outputDims: TfShape;
};

function fail(message: string, cause?: unknown): SketchboardError {
  return new SketchboardError(
    'invalid_model',
    `ONNX export: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function lookup(values: Map<number, Value>, t: SymbolicTensor): Value {
  const v = values.get(t.id);
  if (!v) throw fail(`tensor "${t.name}" is used before it is computed (model with several inputs?)`);
  return v;
}

/**
 * Converts every layer call of `model` into ONNX nodes. The single model input becomes the graph input
 * `inputName` in TF.js layout; the single output, which must be [N, units], is named 'probabilities'
 * when it comes from a softmax over its last axis and 'logits' otherwise.
 *
 * @example
 * const built = buildGraph(model, 'input'); // built.output === 'logits'
 */
export function buildGraph(model: LayersModel, inputName: string): BuiltGraph {
  if (model.inputs.length !== 1) throw fail(`the model must have 1 input, it has ${model.inputs.length}`);
  if (model.outputs.length !== 1) throw fail(`the model must have 1 output, it has ${model.outputs.length}`);
  const [modelInput] = model.inputs;
  const [modelOutput] = model.outputs;
  if (modelInput.dtype !== 'float32') throw fail(`the input must be float32, it is ${modelInput.dtype}`);
  if (modelOutput.shape.length !== 2) {
    throw fail(`the output must be [N, units], it is [${modelOutput.shape.map((d) => d ?? 'N').join(', ')}]`);
  }
  const g = new GraphBuilder();
  for (const reserved of [inputName, 'logits', 'probabilities']) g.reserve(reserved);
  const values = new Map<number, Value>();
  for (const step of topologicalSteps(model)) {
    const className = step.layer.getClassName();
    if (step.outputs.length !== 1)
      throw fail(`layer "${step.layer.name}" (${className}) has several outputs`);
    const [out] = step.outputs;
    if (className === 'InputLayer') {
      if (out.id !== modelInput.id) throw fail(`input layer "${step.layer.name}" is not the model input`);
      values.set(out.id, {
        name: inputName,
        rank: out.rank,
        layout: out.rank === 4 ? 'nhwc' : 'plain',
        softmaxed: false,
      });
      continue;
    }
    const convert = CONVERTERS.get(className);
    if (!convert) {
      throw fail(
        `layer "${step.layer.name}" (${className}) is not supported; supported layers: ${SUPPORTED_LAYERS.join(', ')}`,
      );
    }
    const cfg = new LayerConfig(className, step.layer.name, step.layer.getConfig());
    const inputs = step.inputs.map((t) => lookup(values, t));
    try {
      const value = convert({
        g,
        layer: step.layer,
        cfg,
        inputs,
        inputShapes: step.inputs.map((t) => t.shape),
      });
      values.set(out.id, value);
    } catch (err) {
      if (isSketchboardError(err)) throw err;
      throw cfg.fail(err instanceof Error ? err.message : String(err), err);
    }
  }
  const final = lookup(values, modelOutput);
  const output = final.softmaxed ? 'probabilities' : 'logits';
  g.renameOutput(final.name, output);
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    inputDims: [...modelInput.shape],
    output,
    outputDims: [...modelOutput.shape],
  };
}
