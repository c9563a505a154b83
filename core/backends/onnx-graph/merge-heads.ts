// Graph surgery: several trained heads grafted behind one frozen backbone, each head one named output of a single ONNX model.
import { int64, type OnnxTypes, onnx } from '../onnx-proto.js';
import {
  defaultOpset,
  freePrefix,
  headIo,
  headIrVersion,
  mergeFail,
  namesOf,
  OUTPUT_NAME,
  valueDims,
} from './head-graft.js';

type Model = OnnxTypes.IModelProto;
type Graph = OnnxTypes.IGraphProto;
type ValueInfo = OnnxTypes.IValueInfoProto;

/** One head to graft: its model, the graph output name it gets, and the base of the prefix for its other names. */
export type HeadSpec = { model: Model; output: string; prefix?: string };

export type MergeHeadsOptions = {
  /** The backbone output that holds the features; default its only (or first) output. */
  backboneOutput?: string;
  /** Name of the merged graph. */
  name?: string;
};

/** What mergeBackboneHeads built, besides the model. */
export type MergeHeadsInfo = {
  /** The merged graph's outputs, one per head, in head order. */
  outputs: string[];
  /** Prefix given to every name of each head graph (nodes, weights, intermediate values), in head order. */
  prefixes: string[];
  /** True when a Flatten(axis=1) was inserted between a rank ≠ 2 backbone output and the heads. */
  flattened: boolean;
  /** The merged model's default-domain opset and IR version. */
  opset: number;
  irVersion: number;
};

/**
 * One ONNX model computing every head on the backbone's features once: the backbone's graph unchanged (its
 * inputs stay the model's inputs), one Flatten(axis=1) when the chosen backbone output is not [N, d], then
 * each head's nodes with every name prefixed (so nothing clashes) and its input wired to the features. The
 * model's outputs are the heads' outputs, named `heads[i].output` (unique printable ASCII, not a backbone
 * name). Opsets must match, or a head must use only ops that mean the same in every opset ≥ 11 (the
 * backbone's opset is kept). Feature sizes are checked when both shapes are known. Refuses
 * (SketchboardError 'invalid_model') anything else.
 *
 * @example
 * const { model } = mergeBackboneHeads(backbone, [{ model: head0, output: 'eva-fold0' }, { model: head1, output: 'eva-fold1' }]);
 * await writeFile('heads.onnx', encodeOnnx(model)); // leaves: { model: 'heads.onnx', outputName: 'eva-fold0' }
 */
export function mergeBackboneHeads(
  backbone: Model,
  heads: HeadSpec[],
  opts: MergeHeadsOptions = {},
): { model: OnnxTypes.ModelProto; info: MergeHeadsInfo } {
  const bg = backbone.graph;
  if (!bg) throw mergeFail('the backbone has no graph');
  if (heads.length === 0) throw mergeFail('no heads given');
  const featureOut = opts.backboneOutput
    ? bg.output?.find((o) => o.name === opts.backboneOutput)
    : bg.output?.[0];
  if (!featureOut?.name) {
    const known = (bg.output ?? []).map((o) => o.name).join(', ');
    throw mergeFail(`backbone has no output ${opts.backboneOutput ?? ''} (outputs: ${known || 'none'})`);
  }
  const featureDims = valueDims(featureOut);
  const known = featureDims?.slice(1).every((x) => x !== null) ? featureDims.slice(1) : null;
  const featureSize = known ? (known as number[]).reduce((a, b) => a * b, 1) : null;

  const taken = namesOf(bg);
  const flattened = featureDims === null || featureDims.length !== 2;
  const extra: OnnxTypes.INodeProto[] = [];
  let features = featureOut.name;
  if (flattened) {
    const prefix = freePrefix('features', taken);
    features = `${prefix}flat`;
    extra.push({
      opType: 'Flatten',
      input: [featureOut.name],
      output: [features],
      name: `${prefix}flatten`,
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    });
    taken.add(features);
    taken.add(`${prefix}flatten`);
  }

  let irVersion = int64(backbone.irVersion);
  const nodes: OnnxTypes.INodeProto[] = [];
  const initializers: OnnxTypes.ITensorProto[] = [];
  const valueInfo: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const prefixes: string[] = [];
  const kinds = new Set<string>();
  for (const spec of heads) {
    const { input: headIn, output: headOut } = headIo(spec.model, spec.output);
    if (!OUTPUT_NAME.test(spec.output)) {
      throw mergeFail(`output name ${JSON.stringify(spec.output)} is not 1-256 printable ASCII characters`);
    }
    if (taken.has(spec.output)) throw mergeFail(`output name ${spec.output} is already used in the graph`);
    irVersion = Math.max(irVersion, headIrVersion(backbone, spec.model));
    const headDims = valueDims(headIn);
    if (headDims && headDims.length !== 2)
      throw mergeFail(`the head's input must be [N, d], is rank ${headDims.length}`);
    const d = headDims?.[1] ?? null;
    if (d !== null && featureSize !== null && d !== featureSize) {
      throw mergeFail(
        `backbone output ${featureOut.name} [${featureDims}] gives ${featureSize} features; the head expects ${d} (output ${spec.output})`,
      );
    }
    taken.add(spec.output);
    const prefix = freePrefix(spec.prefix ?? spec.output, taken);
    const rename = (n: string | null | undefined): string => {
      if (!n) return '';
      if (n === headIn.name) return features;
      if (n === headOut.name) return spec.output;
      return `${prefix}${n}`;
    };
    const hg = spec.model.graph ?? {};
    for (const n of hg.node ?? []) {
      const input = (n.input ?? []).map(rename);
      const output = (n.output ?? []).map(rename);
      nodes.push({ ...n, name: n.name ? `${prefix}${n.name}` : '', input, output });
    }
    for (const t of hg.initializer ?? []) initializers.push({ ...t, name: rename(t.name) });
    for (const v of hg.valueInfo ?? []) valueInfo.push({ ...v, name: rename(v.name) });
    outputs.push({ ...headOut, name: spec.output });
    for (const name of namesOf(hg)) taken.add(rename(name));
    prefixes.push(prefix);
    const kind = spec.model.metadataProps?.find((p) => p.key === 'sketchboard.output')?.value;
    kinds.add(kind ?? '');
  }

  const opset = defaultOpset(backbone);
  const graph: Graph = {
    ...bg,
    name: opts.name ?? `${bg.name || 'backbone'} + ${heads.length} head(s)`,
    node: [...(bg.node ?? []), ...extra, ...nodes],
    initializer: [...(bg.initializer ?? []), ...initializers],
    valueInfo: [
      ...(bg.valueInfo ?? []).filter((v) => v.name !== featureOut.name),
      { ...featureOut },
      ...valueInfo,
    ],
    output: outputs,
  };
  const [kind] = kinds;
  const model = onnx.ModelProto.create({
    ...backbone,
    irVersion,
    opsetImport: [
      { domain: '', version: opset },
      ...(backbone.opsetImport ?? []).filter((o) => o.domain && o.domain !== 'ai.onnx'),
    ],
    producerName: 'sketchboard',
    producerVersion: '1',
    graph,
    metadataProps: [
      ...(backbone.metadataProps ?? []).filter((p) => !p.key?.startsWith('sketchboard.')),
      ...(kinds.size === 1 && kind ? [{ key: 'sketchboard.output', value: kind }] : []),
      {
        key: 'sketchboard.merged',
        value: `backbone output ${featureOut.name} → ${heads.length} head(s): ${outputs.map((o) => o.name).join(', ')}`,
      },
    ],
  });
  const info = { outputs: outputs.map((o) => o.name ?? ''), prefixes, flattened, opset, irVersion };
  return { model, info };
}
