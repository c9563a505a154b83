// ONNX graph builder for the exporter: unique names, nodes, float32 initializers and NHWC/NCHW bookkeeping.
import { type OnnxTypes, onnx } from '../onnx-proto.js';

export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type AttributeProto = OnnxTypes.IAttributeProto;

/**
 * Where a value's axes are. Rank-4 values start NHWC (TF.js) and are moved to NCHW for spatial ONNX
 * ops; any other rank is 'plain' and always in TF.js axis order.
 */
export type Layout = 'nhwc' | 'nchw' | 'plain';

/** A tensor in the graph being built. */
export type Value = {
  name: string;
  rank: number;
  layout: Layout;
  /** True when this is the result of a softmax over the last axis (class probabilities). */
  softmaxed: boolean;
};

const ATTR = onnx.AttributeProto.AttributeType;

/** Integer attribute. */
export const attrInt = (name: string, i: number): AttributeProto => ({ name, type: ATTR.INT, i });
/** Integer-list attribute. */
export const attrInts = (name: string, ints: number[]): AttributeProto => ({ name, type: ATTR.INTS, ints });
/** Float attribute. */
export const attrFloat = (name: string, f: number): AttributeProto => ({ name, type: ATTR.FLOAT, f });
/** String attribute. */
export const attrString = (name: string, s: string): AttributeProto => ({
  name,
  type: ATTR.STRING,
  s: new TextEncoder().encode(s),
});

/** NHWC axis → NCHW axis. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

/**
 * Collects the nodes and initializers of one ONNX graph.
 *
 * @example
 * const g = new GraphBuilder();
 * const w = g.initializer('dense/kernel', [4, 2], new Float32Array(8));
 * const y = g.node('Gemm', [x.name, w], [], 'dense');
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly initNames = new Set<string>();
  private readonly layoutCache = new Map<string, Value>();

  /** Reserves a graph-wide unique name derived from `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.names.has(name); i++) name = `${clean}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output named after `outBase`; returns the output name. */
  node(opType: string, inputs: string[], attribute: AttributeProto[], outBase: string): string {
    const output = this.unique(outBase);
    this.nodes.push({
      opType,
      input: inputs,
      output: [output],
      attribute,
      name: this.unique(`${output}/${opType}`),
    });
    return output;
  }

  /**
   * Adds a float32 initializer once per name (shared layers reuse it); data is written little-endian.
   * Returns the initializer's name.
   */
  initializer(name: string, dims: number[], data: Float32Array): string {
    if (this.initNames.has(name)) return name;
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    if (this.names.has(name)) throw new Error(`initializer name ${name} already used by a value`);
    this.names.add(name);
    this.initNames.add(name);
    const raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** Moves a rank-4 value to NCHW with one Transpose (emitted at most once per value). */
  toNchw(v: Value): Value {
    if (v.rank !== 4 || v.layout === 'nchw') return v;
    return this.transposed(v, 'nchw', [0, 3, 1, 2]);
  }

  /** Moves a rank-4 value back to NHWC (TF.js order) with one Transpose. */
  toNhwc(v: Value): Value {
    if (v.rank !== 4 || v.layout !== 'nchw') return v;
    return this.transposed(v, 'nhwc', [0, 2, 3, 1]);
  }

  private transposed(v: Value, layout: Layout, perm: number[]): Value {
    const key = `${v.name}->${layout}`;
    const cached = this.layoutCache.get(key);
    if (cached) return cached;
    const name = this.node('Transpose', [v.name], [attrInts('perm', perm)], `${v.name}_${layout}`);
    const out: Value = { ...v, name, layout };
    this.layoutCache.set(key, out);
    return out;
  }

  /** The ONNX axis of a TF.js axis (negative allowed) for a value in its current layout. */
  onnxAxis(v: Value, tfAxis: number): number {
    const axis = tfAxis < 0 ? tfAxis + v.rank : tfAxis;
    if (axis < 0 || axis >= v.rank) throw new RangeError(`axis ${tfAxis} out of range for rank ${v.rank}`);
    return v.layout === 'nchw' ? NHWC_TO_NCHW_AXIS[axis] : axis;
  }

  /** Reserves an exact name (graph input/output) before any node can take it. */
  reserve(name: string): string {
    if (this.names.has(name)) throw new Error(`name ${name} already reserved`);
    this.names.add(name);
    return name;
  }

  /** Makes `to` (a reserved name) the graph output: renames the producer of `from`, else adds an Identity. */
  renameOutput(from: string, to: string): void {
    const producer = this.nodes.find((n) => n.output?.[0] === from);
    const consumed = this.nodes.some((n) => n.input?.includes(from));
    if (producer && !consumed) {
      producer.output = [to];
      return;
    }
    this.nodes.push({ opType: 'Identity', input: [from], output: [to], name: this.unique(`${to}/Identity`) });
  }
}
