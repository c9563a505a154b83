// One fold of a run as ONNX bytes: the CNN as exported, or the head merged behind the run's backbone.
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportLayersModelWithInfo } from '../backends/onnx-export/index.js';
import {
  externalizeInitializers,
  hasExternalData,
  inlineWeightBytes,
  onnxExternalLocations,
} from '../backends/onnx-graph/external-data.js';
import { defaultOpset, mergeBackboneHead } from '../backends/onnx-graph/merge.js';
import { decodeOnnx, encodeOnnx, type OnnxTypes } from '../backends/onnx-proto.js';
import { plainNameReason } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { buildFoldModel } from './networks.js';
import { BACKBONE_FILE, type RunInfo } from './run.js';

/** Backbones with more inline weight bytes than this are stored once per run and shared by its folds. */
export const SHARE_BACKBONE_ABOVE = 16 * 1024 * 1024;
/** File name of a run's shared backbone weights inside the bundle. */
export const SHARED_WEIGHTS_FILE = 'backbone.weights';

/** What the folds of one run are exported into: the backbone to put in front of a head, if any. */
export type Backbone = { model: OnnxTypes.IModelProto; opset: number } | null;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Opsets the TF.js exporter can write; a head is exported at its backbone's opset clamped into this range. */
const EXPORT_OPSETS = { min: 13, max: 21 };

/**
 * For a head run: its backbone.onnx (checked against run.json's sha256), with external-data files copied
 * into `folder`, or with its weights moved into one shared file there when they are over `shareAbove`
 * bytes and the run has several folds; null for a CNN run.
 *
 * @example
 * const backbone = await prepareBackbone('runs/eva', run, 'stage/eva', 5);
 * await writeFile('stage/eva/fold0.onnx', await exportFold('runs/eva', 0, backbone, 'eva-fold0'));
 */
export async function prepareBackbone(
  runDir: string,
  run: RunInfo,
  folder: string,
  folds: number,
  shareAbove = SHARE_BACKBONE_ABOVE,
): Promise<Backbone> {
  if (run.model.kind !== 'head') return null;
  const file = path.join(runDir, BACKBONE_FILE);
  const bytes = await readFile(file).catch((err: unknown) => {
    throw new SketchboardError('not_found', `head run ${runDir} has no ${BACKBONE_FILE}`, { cause: err });
  });
  const expected = run.model.backbone?.sha256;
  if (expected && sha256(bytes) !== expected) {
    throw new SketchboardError(
      'invalid_model',
      `${file} does not match the sha256 in run.json; it changed after training`,
    );
  }
  let model: OnnxTypes.IModelProto = decodeOnnx(bytes, file);
  const opset = Math.min(EXPORT_OPSETS.max, Math.max(EXPORT_OPSETS.min, defaultOpset(model)));
  if (hasExternalData(model)) {
    for (const loc of onnxExternalLocations(bytes, file)) {
      const reason = plainNameReason(loc);
      if (reason || /^fold\d+\.onnx$/.test(loc)) {
        throw new SketchboardError(
          'invalid_model',
          `${file} references external data ${JSON.stringify(loc)}: ${reason ?? 'name clashes with a fold model'}`,
        );
      }
      await copyFile(path.join(runDir, loc), path.join(folder, loc));
    }
  } else if (folds > 1 && inlineWeightBytes(model) > shareAbove) {
    const { model: shared, data, moved } = externalizeInitializers(model, SHARED_WEIGHTS_FILE);
    if (moved > 0) {
      await writeFile(path.join(folder, SHARED_WEIGHTS_FILE), data);
      model = shared;
    }
  }
  return { model, opset };
}

/**
 * One fold's best checkpoint as ONNX bytes (ending in logits): the CNN, or backbone + head merged into one
 * graph, the head exported at the backbone's opset.
 *
 * @example
 * const bytes = await exportFold('runs/cnn', 0, null, 'cnn-fold0');
 */
export async function exportFold(
  runDir: string,
  fold: number,
  backbone: Backbone,
  name: string,
): Promise<Uint8Array> {
  const model = await buildFoldModel(runDir, fold);
  let exported: ReturnType<typeof exportLayersModelWithInfo>;
  try {
    exported = exportLayersModelWithInfo(model, { name, opset: backbone?.opset });
  } finally {
    model.dispose();
  }
  if (exported.info.output !== 'logits') {
    throw new SketchboardError(
      'internal',
      `${runDir} fold ${fold}: exported model ends in ${exported.info.output}, expected logits`,
    );
  }
  if (!backbone) return exported.bytes;
  const head = decodeOnnx(exported.bytes, `${runDir} fold ${fold} head`);
  return encodeOnnx(mergeBackboneHead(backbone.model, head, { name }).model);
}
