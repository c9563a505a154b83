// Cuts a classifier's ONNX graph before its last dense layer: a trained CNN becomes a feature backbone for heads.
import { SketchboardError } from '../../errors.js';
import { int64, type OnnxTypes, onnx } from '../onnx-proto.js';

const fail = (message: string) => new SketchboardError('invalid_model', `cut before classifier: ${message}`);

/**
 * A copy of a single-output classifier whose output is the input of its final dense layer (Gemm, or
 * MatMul with an optional bias Add): the features [N, d] (for our CNNs the global-average-pooled
 * channels). Nodes and weights only the classifier used are dropped. Returns the model and d.
 *
 * @example
 * const { model, featureDim } = cutBeforeClassifier(decodeOnnx(await readFile('fold0.onnx'), 'fold0'));
 * await writeFile('backbone.onnx', encodeOnnx(model)); // then: sketchboard train --model head --backbone backbone.onnx
 */
export function cutBeforeClassifier(model: OnnxTypes.IModelProto): {
  model: OnnxTypes.ModelProto;
  featureDim: number;
} {
  const graph = model.graph;
  const nodes = graph?.node ?? [];
  if (!graph || (graph.output ?? []).length !== 1) throw fail('the model needs exactly one output');
  const producer = new Map<string, OnnxTypes.INodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  let last = producer.get(graph.output?.[0].name ?? '');
  while (last && (last.opType === 'Identity' || last.opType === 'Softmax'))
    last = producer.get(last.input?.[0] ?? '');
  if (last?.opType === 'Add') {
    const [a, b] = last.input ?? [];
    last = producer.get(inits.has(a) ? b : a);
  }
  if (!last || (last.opType !== 'Gemm' && last.opType !== 'MatMul')) {
    throw fail(`the output does not come from a Gemm or MatMul (found ${last?.opType ?? 'a graph input'})`);
  }
  const [features, weight] = last.input ?? [];
  const dims = inits.get(weight)?.dims ?? [];
  if (dims.length !== 2) throw fail(`the classifier weight ${weight} is not a 2-D initializer`);
  const transB = (last.attribute ?? []).find((a) => a.name === 'transB')?.i;
  const featureDim = int64(dims[last.opType === 'Gemm' && int64(transB) === 1 ? 1 : 0]);

  // Keep only what the features need, in the original (topological) order.
  const needed = new Set<string>([features]);
  const keep = new Set<OnnxTypes.INodeProto>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (!(n.output ?? []).some((o) => needed.has(o))) continue;
    keep.add(n);
    for (const x of n.input ?? []) if (x) needed.add(x);
  }
  const output: OnnxTypes.IValueInfoProto = {
    name: features,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'N' }, { dimValue: featureDim }] },
      },
    },
  };
  const cut = onnx.ModelProto.create({
    ...model,
    graph: {
      ...graph,
      name: `${graph.name || 'model'} features`,
      node: nodes.filter((n) => keep.has(n)),
      initializer: (graph.initializer ?? []).filter((t) => needed.has(t.name ?? '')),
      valueInfo: (graph.valueInfo ?? []).filter((v) => needed.has(v.name ?? '') && v.name !== features),
      output: [output],
    },
    metadataProps: (model.metadataProps ?? []).filter((p) => !p.key?.startsWith('sketchboard.')),
  });
  return { model: cut, featureDim };
}
