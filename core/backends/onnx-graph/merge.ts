// Graph surgery: a trained head's ONNX graph appended behind a frozen backbone's ONNX graph, as one self-contained model.
import type { OnnxTypes } from '../onnx-proto.js';
import { freePrefix, namesOf } from './head-graft.js';
import { mergeBackboneHeads } from './merge-heads.js';

export { defaultOpset, valueDims } from './head-graft.js';

export type MergeOptions = {
  /** The backbone output that holds the features; default its only (or first) output. */
  backboneOutput?: string;
  /** Name of the merged graph; default `<backbone graph> + <head graph>`. */
  name?: string;
};

/** What mergeBackboneHead built, besides the model. */
export type MergeInfo = {
  /** Prefix given to every name of the head graph (nodes, weights, intermediate values). */
  headPrefix: string;
  /** True when a Flatten(axis=1) was inserted between a rank ≠ 2 backbone output and the head. */
  flattened: boolean;
  /** The merged model's default-domain opset and IR version. */
  opset: number;
  irVersion: number;
};

/**
 * One ONNX model computing head(flatten(backbone(x))): mergeBackboneHeads with one head, whose output keeps
 * its own name when the backbone does not use it (else it is prefixed like the head's other names, `head/`
 * or `head2/`, ...). Refuses (SketchboardError 'invalid_model') what mergeBackboneHeads refuses.
 *
 * @example
 * const { model } = mergeBackboneHead(decodeOnnx(backboneBytes, 'backbone'), decodeOnnx(headBytes, 'head'));
 * await writeFile('fold0.onnx', encodeOnnx(model));
 */
export function mergeBackboneHead(
  backbone: OnnxTypes.IModelProto,
  head: OnnxTypes.IModelProto,
  opts: MergeOptions = {},
): { model: OnnxTypes.ModelProto; info: MergeInfo } {
  const taken = backbone.graph ? namesOf(backbone.graph) : new Set<string>();
  const headOut = head.graph?.output?.[0]?.name ?? 'output';
  const output = taken.has(headOut) ? `${freePrefix('head', taken)}${headOut}` : headOut;
  const { model, info } = mergeBackboneHeads(backbone, [{ model: head, output, prefix: 'head' }], {
    backboneOutput: opts.backboneOutput,
    name: opts.name ?? `${backbone.graph?.name || 'backbone'} + ${head.graph?.name || 'head'}`,
  });
  const { flattened, opset, irVersion } = info;
  return { model, info: { headPrefix: info.prefixes[0], flattened, opset, irVersion } };
}
