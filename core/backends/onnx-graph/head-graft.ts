// Checks and naming for grafting heads behind a backbone: opsets, IR versions, shapes, names free in a graph.
import { SketchboardError } from '../../errors.js';
import { int64, type OnnxTypes } from '../onnx-proto.js';

type Model = OnnxTypes.IModelProto;
type Graph = OnnxTypes.IGraphProto;
type ValueInfo = OnnxTypes.IValueInfoProto;

/**
 * Ops whose semantics are the same in every opset from 11 to the newest on the 2-D tensors a head
 * works on: a head made only of these may join a backbone of another opset.
 */
const OPSET_STABLE_HEAD_OPS = new Set([
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Flatten',
  'Identity',
  'Softmax',
]);
const MIN_OPSET = 11;
/** Graph output names: printable ASCII without spaces (what a manifest leaf's outputName accepts). */
export const OUTPUT_NAME = /^[\x21-\x7e]{1,256}$/;

/** The default-domain ('' or 'ai.onnx') opset of a model, 0 when it imports none. */
export function defaultOpset(model: Model): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  return int64(entry?.version);
}

/** Dims of a value, null where unknown or symbolic; null for a value without a shape. */
export function valueDims(info: ValueInfo | undefined): (number | null)[] | null {
  const dims = info?.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined ? int64(d.dimValue) : null));
}

/** Every value, initializer and node name used in a graph (top level; subgraphs keep their own scope). */
export function namesOf(graph: Graph): Set<string> {
  const names = new Set<string>();
  for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
    if (v.name) names.add(v.name);
  }
  for (const t of graph.initializer ?? []) if (t.name) names.add(t.name);
  for (const n of graph.node ?? []) {
    if (n.name) names.add(n.name);
    for (const x of [...(n.input ?? []), ...(n.output ?? [])]) if (x) names.add(x);
  }
  return names;
}

export const mergeFail = (message: string) =>
  new SketchboardError('invalid_model', `merge backbone + head: ${message}`);

/** `${base}/`, else `${base}2/`, `${base}3/`, ...: the first prefix no taken name starts with. */
export function freePrefix(base: string, taken: Set<string>): string {
  let prefix = `${base}/`;
  for (let k = 2; [...taken].some((n) => n.startsWith(prefix)); k++) prefix = `${base}${k}/`;
  return prefix;
}

/** The head's one data input and one output; refuses functions, subgraphs and foreign domains. */
export function headIo(head: Model, label: string): { input: ValueInfo; output: ValueInfo } {
  const hg = head.graph;
  if (!hg) throw mergeFail(`head ${label} has no graph`);
  if ((head.functions ?? []).length > 0)
    throw mergeFail(`head ${label} must not define model-local functions`);
  const inits = new Set((hg.initializer ?? []).map((t) => t.name));
  const inputs = (hg.input ?? []).filter((i) => !inits.has(i.name));
  if (inputs.length !== 1 || (hg.output ?? []).length !== 1) {
    throw mergeFail(
      `the head needs exactly one input and one output, has ${inputs.length} and ${hg.output?.length ?? 0}`,
    );
  }
  for (const n of hg.node ?? []) {
    if ((n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0)) {
      throw mergeFail(`head node ${n.name ?? n.opType} has a subgraph; heads are plain layer stacks`);
    }
    if (n.domain && n.domain !== 'ai.onnx') throw mergeFail(`head node ${n.name} uses domain ${n.domain}`);
  }
  return { input: inputs[0], output: (hg.output ?? [])[0] };
}

/** The IR version a head needs at the backbone's opset, or a refusal when it cannot run at that opset. */
export function headIrVersion(backbone: Model, head: Model): number {
  const bOpset = defaultOpset(backbone);
  const hOpset = defaultOpset(head);
  const bIr = int64(backbone.irVersion);
  if (bOpset === hOpset) return Math.max(bIr, int64(head.irVersion));
  const unstable = (head.graph?.node ?? []).find((n) => !OPSET_STABLE_HEAD_OPS.has(n.opType ?? ''));
  if (bOpset < MIN_OPSET || unstable) {
    const why = unstable
      ? `its op ${unstable.opType} may differ between opsets`
      : `opset ${bOpset} is too old`;
    throw mergeFail(
      `backbone opset ${bOpset} and head opset ${hOpset} differ and ${why}; export the head at opset ${bOpset}` +
        (bOpset < MIN_OPSET ? ` or re-export the backbone at opset ≥ ${MIN_OPSET}` : ''),
    );
  }
  return bIr;
}
