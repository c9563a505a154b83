// The one door to onnx-proto (ONNX's protobuf messages): its CommonJS import, decode/encode and int64 reading.
import onnxProto from 'onnx-proto';
import { errorMessage, SketchboardError } from '../errors.js';

// onnx-proto is CommonJS without named-export hints: take the namespace from its default export.
/** The ONNX protobuf namespace (ModelProto, GraphProto, TensorProto, ...). */
export const { onnx } = onnxProto;
/** The ONNX protobuf types (`OnnxTypes.IModelProto`, ...). */
export type { onnx as OnnxTypes } from 'onnx-proto';

/** protobufjs decodes int64 fields as Long objects (long.js), else numbers. */
export type Int64 = number | { toNumber(): number } | null | undefined;

/**
 * A number from a protobuf int64 field (0 when unset).
 *
 * @example
 * int64(model.opsetImport[0].version); // 13
 */
export function int64(v: Int64): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** A decoded model, known to have a main graph. */
export type DecodedModel = onnxProto.onnx.ModelProto & { graph: onnxProto.onnx.IGraphProto };

/**
 * Decode ONNX bytes; SketchboardError('invalid_model') naming `label` when they are not a model with a graph.
 *
 * @example
 * const model = decodeOnnx(await readFile('backbone.onnx'), 'backbone.onnx');
 */
export function decodeOnnx(bytes: Uint8Array, label: string): DecodedModel {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new SketchboardError('invalid_model', `${label} is not a valid ONNX model: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const { graph } = model;
  if (!graph)
    throw new SketchboardError('invalid_model', `${label} is not a valid ONNX model: it has no graph`);
  return Object.assign(model, { graph });
}

/**
 * Encode a model to ONNX bytes.
 *
 * @example
 * await writeFile('merged.onnx', encodeOnnx(model));
 */
export function encodeOnnx(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
