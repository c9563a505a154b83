// Graph surgery: a trained head's ONNX graph appended behind a frozen backbone's ONNX graph, as one self-contained model.
import { SketchboardError } from '../../errors.js';
import { int64, type OnnxTypes, onnx } from '../onnx-proto.js';

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
function namesOf(graph: Graph): Set<string> {
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

const fail = (message: string) => new SketchboardError('invalid_model', `merge backbone + head: ${message}`);

/**
 * One ONNX model computing head(flatten(backbone(x))): the backbone's graph unchanged (its inputs stay the
 * model's inputs), a Flatten(axis=1) when the chosen backbone output is not [N, d], then the head's nodes
 * with every name prefixed (so nothing clashes) and the head's input wired to the features. The model's
 * one output is the head's output, under its own name when free. Opsets must match, or the head must use
 * only ops that mean the same in every opset ≥ 11 (then the backbone's opset is kept). Feature sizes are
 * checked when both shapes are known. Refuses (SketchboardError 'invalid_model') anything else.
 *
 * @example
 * const { model } = mergeBackboneHead(decodeOnnx(backboneBytes, 'backbone'), decodeOnnx(headBytes, 'head'));
 * await writeFile('fold0.onnx', encodeOnnx(model));
 */
export function mergeBackboneHead(
  backbone: Model,
  head: Model,
  opts: MergeOptions = {},
): { model: OnnxTypes.ModelProto; info: MergeInfo } {
  const bg = backbone.graph;
  const hg = head.graph;
  if (!bg || !hg) throw fail('both models need a graph');
  if ((head.functions ?? []).length > 0) throw fail('the head must not define model-local functions');
  const featureOut = opts.backboneOutput
    ? bg.output?.find((o) => o.name === opts.backboneOutput)
    : bg.output?.[0];
  if (!featureOut?.name) {
    const known = (bg.output ?? []).map((o) => o.name).join(', ');
    throw fail(`backbone has no output ${opts.backboneOutput ?? ''} (outputs: ${known || 'none'})`);
  }
  const headInitNames = new Set((hg.initializer ?? []).map((t) => t.name));
  const headInputs = (hg.input ?? []).filter((i) => !headInitNames.has(i.name));
  if (headInputs.length !== 1 || (hg.output ?? []).length !== 1) {
    throw fail(
      `the head needs exactly one input and one output, has ${headInputs.length} and ${hg.output?.length ?? 0}`,
    );
  }
  const headIn = headInputs[0];
  const headOut = (hg.output ?? [])[0];
  for (const n of hg.node ?? []) {
    if ((n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0)) {
      throw fail(`head node ${n.name ?? n.opType} has a subgraph; heads are plain layer stacks`);
    }
    if (n.domain && n.domain !== 'ai.onnx') throw fail(`head node ${n.name} uses domain ${n.domain}`);
  }

  const { opset, irVersion } = mergedVersions(backbone, head);
  const featureDims = valueDims(featureOut);
  const headDims = valueDims(headIn);
  if (headDims && headDims.length !== 2)
    throw fail(`the head's input must be [N, d], is rank ${headDims.length}`);
  const d = headDims?.[1] ?? null;
  const known = featureDims?.slice(1).every((x) => x !== null) ? featureDims.slice(1) : null;
  const featureSize = known ? (known as number[]).reduce((a, b) => a * b, 1) : null;
  if (d !== null && featureSize !== null && d !== featureSize) {
    throw fail(
      `backbone output ${featureOut.name} [${featureDims}] gives ${featureSize} features; the head expects ${d}`,
    );
  }

  const taken = namesOf(bg);
  let prefix = 'head/';
  for (let k = 2; [...taken].some((n) => n.startsWith(prefix)); k++) prefix = `head${k}/`;
  const flattened = featureDims === null || featureDims.length !== 2;
  const features = flattened ? `${prefix}features` : featureOut.name;
  const outName = headOut.name && !taken.has(headOut.name) ? headOut.name : `${prefix}${headOut.name}`;
  const rename = (n: string | null | undefined): string => {
    if (!n) return '';
    if (n === headIn.name) return features;
    if (n === headOut.name) return outName;
    return `${prefix}${n}`;
  };
  const extra: OnnxTypes.INodeProto[] = flattened
    ? [
        {
          opType: 'Flatten',
          input: [featureOut.name],
          output: [features],
          name: `${prefix}flatten`,
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
      ]
    : [];
  const headNodes = (hg.node ?? []).map((n) => ({
    ...n,
    name: n.name ? `${prefix}${n.name}` : '',
    input: (n.input ?? []).map(rename),
    output: (n.output ?? []).map(rename),
  }));
  const graph: Graph = {
    ...bg,
    name: opts.name ?? `${bg.name || 'backbone'} + ${hg.name || 'head'}`,
    node: [...(bg.node ?? []), ...extra, ...headNodes],
    initializer: [
      ...(bg.initializer ?? []),
      ...(hg.initializer ?? []).map((t) => ({ ...t, name: rename(t.name) })),
    ],
    valueInfo: [
      ...(bg.valueInfo ?? []).filter((v) => v.name !== featureOut.name),
      { ...featureOut },
      ...(hg.valueInfo ?? []).map((v) => ({ ...v, name: rename(v.name) })),
    ],
    output: [{ ...headOut, name: outName }],
  };
  const opsetImport = [
    { domain: '', version: opset },
    ...(backbone.opsetImport ?? []).filter((o) => o.domain && o.domain !== 'ai.onnx'),
  ];
  const model = onnx.ModelProto.create({
    ...backbone,
    irVersion,
    opsetImport,
    producerName: 'sketchboard',
    producerVersion: '1',
    graph,
    metadataProps: [
      ...(backbone.metadataProps ?? []).filter((p) => p.key !== 'sketchboard.output'),
      ...(head.metadataProps ?? []).filter((p) => p.key === 'sketchboard.output'),
      {
        key: 'sketchboard.merged',
        value: `backbone output ${featureOut.name} → head input (prefix ${prefix})`,
      },
    ],
  });
  return { model, info: { headPrefix: prefix, flattened, opset, irVersion } };
}

/** The merged model's default opset and IR version, or a refusal when the head cannot run at the backbone's opset. */
function mergedVersions(backbone: Model, head: Model): { opset: number; irVersion: number } {
  const bOpset = defaultOpset(backbone);
  const hOpset = defaultOpset(head);
  const bIr = int64(backbone.irVersion);
  const hIr = int64(head.irVersion);
  if (bOpset === hOpset) return { opset: bOpset, irVersion: Math.max(bIr, hIr) };
  const unstable = (head.graph?.node ?? []).find((n) => !OPSET_STABLE_HEAD_OPS.has(n.opType ?? ''));
  if (bOpset < MIN_OPSET || unstable) {
    const why = unstable
      ? `its op ${unstable.opType} may differ between opsets`
      : `opset ${bOpset} is too old`;
    throw fail(
      `backbone opset ${bOpset} and head opset ${hOpset} differ and ${why}; export the head at opset ${bOpset}` +
        (bOpset < MIN_OPSET ? ` or re-export the backbone at opset ≥ ${MIN_OPSET}` : ''),
    );
  }
  return { opset: bOpset, irVersion: bIr };
}
