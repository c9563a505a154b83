// Exports a TF.js LayersModel to an ONNX ModelProto (NHWC input, [N, classes] output) for onnxruntime.
import type { LayersModel } from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../data/io.js';
import { SketchboardError } from '../../errors.js';
import { encodeOnnx, type OnnxTypes, onnx } from '../onnx-proto.js';
import { buildGraph } from './build.js';

/** Default ONNX opset: 13 (IR version 7); onnxruntime-node 1.30 runs 13 through 21 fine. */
export const DEFAULT_OPSET = 13;
/** Opsets the exporter accepts; every op it emits has the same semantics across this range. */
export const SUPPORTED_OPSETS = { min: 13, max: 21 } as const;
/** ONNX IR version introduced alongside each opset (onnx's versioning table). */
const IR_FOR_OPSET: Record<number, number> = {
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
};

/** The graph input name of every exported model. */
export const ONNX_INPUT_NAME = 'input';

export type ExportOptions = {
  /** Graph name recorded in the model. Default: the TF.js model's name. */
  name?: string;
  /** ONNX opset, 13..21. Default: DEFAULT_OPSET. */
  opset?: number;
};

/** What was exported, besides the bytes. */
export type ExportInfo = {
  /** 'probabilities' when the model ends in a softmax over classes, else 'logits' (the bundle's `output`). */
  output: 'logits' | 'probabilities';
  /** Input dims as declared in the ONNX graph, null where dynamic: [null, H, W, C] for images. */
  inputDims: (number | null)[];
  /** Output dims: [null, classes]. */
  outputDims: (number | null)[];
  opset: number;
};

/**
 * Exports a TF.js Sequential or functional model to ONNX, with the same input layout as the TF.js model
 * (NHWC images, batch dimension symbolic 'N') and one output [N, units] named 'probabilities' when the
 * last activation is a softmax, else 'logits'. Throws SketchboardError('invalid_model') for layers or
 * options it cannot reproduce exactly.
 *
 * @example
 * const { bytes, info } = exportLayersModelWithInfo(model);
 * // info.output === 'probabilities'; write bytes to fold0.onnx and set manifest "output" to info.output
 */
export function exportLayersModelWithInfo(
  model: LayersModel,
  opts: ExportOptions = {},
): { bytes: Uint8Array; info: ExportInfo } {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const irVersion = IR_FOR_OPSET[opset];
  if (!Number.isInteger(opset) || irVersion === undefined) {
    throw new SketchboardError(
      'invalid_argument',
      `ONNX export: opset ${opset} is not supported (use ${SUPPORTED_OPSETS.min}..${SUPPORTED_OPSETS.max})`,
    );
  }
  const built = buildGraph(model, ONNX_INPUT_NAME);
  const graph = onnx.GraphProto.create({
    name: opts.name ?? model.name,
    node: built.nodes,
    initializer: built.initializers,
    input: [valueInfo(ONNX_INPUT_NAME, built.inputDims)],
    output: [valueInfo(built.output, built.outputDims)],
    docString: `Exported from TF.js; input ${ONNX_INPUT_NAME} in TF.js layout; output ${built.output}.`,
  });
  const proto = onnx.ModelProto.create({
    irVersion,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'sketchboard',
    producerVersion: '1',
    graph,
    metadataProps: [{ key: 'sketchboard.output', value: built.output }],
  });
  const bytes = encodeOnnx(proto);
  const info: ExportInfo = {
    output: built.output,
    inputDims: built.inputDims,
    outputDims: built.outputDims,
    opset,
  };
  return { bytes, info };
}

/**
 * Exports a TF.js model to ONNX bytes (an encoded ModelProto). See exportLayersModelWithInfo.
 *
 * @example
 * const session = await ort.InferenceSession.create(exportLayersModel(model, { opset: 13 }));
 */
export function exportLayersModel(model: LayersModel, opts: ExportOptions = {}): Uint8Array {
  return exportLayersModelWithInfo(model, opts).bytes;
}

/**
 * Exports to a file atomically: writes a temp file next to `path`, then renames it over `path`.
 *
 * @example
 * const info = await exportLayersModelToFile(model, 'runs/r1/fold0.onnx'); // info.output: 'logits'
 */
export async function exportLayersModelToFile(
  model: LayersModel,
  path: string,
  opts: ExportOptions = {},
): Promise<ExportInfo> {
  const { bytes, info } = exportLayersModelWithInfo(model, opts);
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw new SketchboardError('internal', `ONNX export: cannot write ${path}`, { cause: err });
  }
  return info;
}

function valueInfo(name: string, dims: (number | null)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((d, i) => (d === null ? { dimParam: i === 0 ? 'N' : `d${i}` } : { dimValue: d })),
        },
      },
    },
  };
}

export { SUPPORTED_LAYERS } from './build.js';
export { SUPPORTED_ACTIVATIONS } from './layers-core.js';
