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

/**
 * Backbones with more inline weight bytes than this keep their weights in one external file: shared by a
 * run's per-fold graphs, and byte-identical in every bundle packed from the same backbone.
 */
export const SHARE_BACKBONE_ABOVE = 16 * 1024 * 1024;
/** File name of a run's shared backbone weights inside the bundle. */
export const SHARED_WEIGHTS_FILE = 'backbone.weights';

/** What the folds of one run are exported into: the backbone to put in front of a head, if any. */
export type Backbone = { model: OnnxTypes.IModelProto; opset: number } | null;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Opsets the TF.js exporter can write; a head is exported at its backbone's opset clamped into this range. */
const EXPORT_OPSETS = { min: 13, max: 21 };

/** How prepareBackbone lays out the backbone's weights in the bundle folder. */
export type BackboneLayout = {
  /** Move the weights into SHARED_WEIGHTS_FILE when the backbone has more inline weight bytes than this; default never. */
  externalizeAbove?: number;
  /** Names of the model files written into the same folder: the backbone's external data must not take them. */
  modelFiles: RegExp;
};

/** The sha256 of a head run's backbone.onnx bytes, checked against run.json's when it records one. */
export function checkBackboneSha(runDir: string, run: RunInfo, bytes: Uint8Array): string {
  const actual = sha256(bytes);
  const expected = run.model.backbone?.sha256;
  if (expected && actual !== expected) {
    throw new SketchboardError(
      'invalid_model',
      `${path.join(runDir, BACKBONE_FILE)} does not match the sha256 in run.json; it changed after training`,
    );
  }
  return actual;
}

/** A head run's backbone.onnx bytes; SketchboardError('not_found') when it is missing. */
export function readBackbone(runDir: string): Promise<Buffer> {
  return readFile(path.join(runDir, BACKBONE_FILE)).catch((err: unknown) => {
    throw new SketchboardError('not_found', `head run ${runDir} has no ${BACKBONE_FILE}`, { cause: err });
  });
}

/**
 * For a head run: its backbone.onnx (checked against run.json's sha256), with external-data files copied
 * into `folder`, or with its weights moved into one shared file there when they are over
 * `layout.externalizeAbove` bytes; null for a CNN run.
 *
 * @example
 * const backbone = await prepareBackbone('runs/eva', run, 'stage/eva', { modelFiles: /^fold\d+\.onnx$/ });
 * await writeFile('stage/eva/fold0.onnx', await exportFold('runs/eva', 0, backbone, 'eva-fold0'));
 */
export async function prepareBackbone(
  runDir: string,
  run: RunInfo,
  folder: string,
  layout: BackboneLayout,
): Promise<Backbone> {
  if (run.model.kind !== 'head') return null;
  const file = path.join(runDir, BACKBONE_FILE);
  const bytes = await readBackbone(runDir);
  checkBackboneSha(runDir, run, bytes);
  let model: OnnxTypes.IModelProto = decodeOnnx(bytes, file);
  const opset = Math.min(EXPORT_OPSETS.max, Math.max(EXPORT_OPSETS.min, defaultOpset(model)));
  if (hasExternalData(model)) {
    for (const loc of onnxExternalLocations(bytes, file)) {
      const reason = plainNameReason(loc);
      if (reason || layout.modelFiles.test(loc)) {
        throw new SketchboardError(
          'invalid_model',
          `${file} references external data ${JSON.stringify(loc)}: ${reason ?? 'name clashes with a packed model'}`,
        );
      }
      await copyFile(path.join(runDir, loc), path.join(folder, loc));
    }
  } else if (inlineWeightBytes(model) > (layout.externalizeAbove ?? Number.POSITIVE_INFINITY)) {
    const { model: shared, data, moved } = externalizeInitializers(model, SHARED_WEIGHTS_FILE);
    if (moved > 0) {
      await writeFile(path.join(folder, SHARED_WEIGHTS_FILE), data);
      model = shared;
    }
  }
  return { model, opset };
}

/**
 * One fold's head alone (a head run's best checkpoint) exported at `opset`, checked to end in logits.
 *
 * @example
 * const head = await exportHead('runs/eva', 0, backbone.opset, 'eva-fold0');
 */
export async function exportHead(
  runDir: string,
  fold: number,
  opset: number | undefined,
  name: string,
): Promise<OnnxTypes.IModelProto> {
  return decodeOnnx(await exportLogits(runDir, fold, opset, name), `${runDir} fold ${fold} head`);
}

async function exportLogits(runDir: string, fold: number, opset: number | undefined, name: string) {
  const model = await buildFoldModel(runDir, fold);
  let exported: ReturnType<typeof exportLayersModelWithInfo>;
  try {
    exported = exportLayersModelWithInfo(model, { name, opset });
  } finally {
    model.dispose();
  }
  if (exported.info.output !== 'logits') {
    throw new SketchboardError(
      'internal',
      `${runDir} fold ${fold}: exported model ends in ${exported.info.output}, expected logits`,
    );
  }
  return exported.bytes;
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
  const bytes = await exportLogits(runDir, fold, backbone?.opset, name);
  if (!backbone) return bytes;
  const head = decodeOnnx(bytes, `${runDir} fold ${fold} head`);
  return encodeOnnx(mergeBackboneHead(backbone.model, head, { name }).model);
}
