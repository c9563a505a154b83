// `pack RUN_DIR...`: every fold of every run exported to ONNX (heads merged behind their backbone), voted as the runs are, checked.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { exportLayersModelWithInfo } from '../backends/onnx-export/index.js';
import type { Manifest } from '../bundle/manifest.js';
import { openBundle } from '../bundle/open.js';
import { type PackResult, packBundle } from '../bundle/pack.js';
import { onnxExternalLocations, plainNameReason } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { log } from '../log.js';
import { checkBundleModels, type ModelReport } from '../predict/models.js';
import { decodeOnnx, defaultOpset, encodeOnnx, mergeBackboneHead } from './merge-onnx.js';
import { externalizeInitializers, hasExternalData, inlineWeightBytes } from './onnx-weights.js';
import { type PackedRun, runFolderNames, runsManifest, type Vote } from './pack-tree.js';
import { BACKBONE_FILE, buildFoldModel, listFolds, type RunInfo, readRun } from './run.js';

/** Backbones with more inline weight bytes than this are stored once per run and shared by its folds. */
export const SHARE_BACKBONE_ABOVE = 16 * 1024 * 1024;
/** File name of a run's shared backbone weights inside the bundle. */
export const SHARED_WEIGHTS_FILE = 'backbone.weights';

export type PackRunsOptions = {
  runs: string[];
  /** Vote over each run's folds. */
  vote: Vote;
  /** Vote over runs (several runs only); default `vote`. */
  outer?: Vote;
  out: string;
  name?: string;
  /** See SHARE_BACKBONE_ABOVE. 0 always shares, Infinity never does. */
  shareBackboneAbove?: number;
  onProgress?(done: number, total: number): void;
};

export type PackRunsResult = PackResult & {
  manifest: Manifest;
  /** One per model file, from loading the packed bundle and running a dummy batch through each leaf. */
  models: ModelReport[];
  warnings: string[];
};

/** What the folds of one run are exported into: the backbone to put in front of a head, if any. */
type Backbone = { model: OnnxTypes.IModelProto; opset: number } | null;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Opsets the TF.js exporter can write; a head is exported at its backbone's opset clamped into this range. */
const EXPORT_OPSETS = { min: 13, max: 21 };

/**
 * Packs run folders into a bundle: each fold's best checkpoint exported to `<run>/fold<i>.onnx` (for head
 * runs merged behind the run's backbone.onnx into one graph; a backbone over SHARE_BACKBONE_ABOVE bytes
 * keeps its weights in one `<run>/backbone.weights` file the folds share), a voting tree mirroring the runs
 * (see ensembleTree), per-run input overrides. The zip is written beside `out`, opened with openBundle,
 * every leaf run on a dummy batch and its [2, classes] output checked, and only then renamed to `out`.
 * Refuses runs with different class lists and runs without fold checkpoints; warns about missing or
 * unfinished folds.
 *
 * @example
 * const r = await packRuns({ runs: ['runs/cnn', 'runs/eva-mlp3'], vote: 'soft', outer: 'hard', out: 'b.zip' });
 * console.log(r.sha256, r.manifest.ensemble);
 */
export async function packRuns(opts: PackRunsOptions): Promise<PackRunsResult> {
  const infos = await Promise.all(opts.runs.map((dir) => readRun(dir)));
  const classNames = infos[0]?.classNames;
  infos.forEach((info, i) => {
    if (JSON.stringify(info.classNames) !== JSON.stringify(classNames)) {
      throw new SketchboardError(
        'invalid_argument',
        `runs ${opts.runs[0]} and ${opts.runs[i]} were trained on different class lists; they cannot vote together`,
      );
    }
  });
  const warnings: string[] = [];
  const foldLists = await Promise.all(opts.runs.map((dir) => listFolds(dir)));
  foldLists.forEach((folds, i) => {
    const dir = opts.runs[i];
    if (folds.length === 0)
      throw new SketchboardError('not_found', `run ${dir} has no fold with a checkpoint yet`);
    const have = new Set(folds.map((f) => f.fold));
    const missing = [...Array(infos[i].folds).keys()].filter((f) => !have.has(f));
    if (missing.length > 0)
      warnings.push(
        `run ${dir}: fold(s) ${missing.join(', ')} have no checkpoint; packing the other ${folds.length}`,
      );
    const running = folds.filter((f) => f.done === null).map((f) => f.fold);
    if (running.length > 0)
      warnings.push(
        `run ${dir}: fold(s) ${running.join(', ')} have not finished; packing their best epoch so far`,
      );
  });
  for (const w of warnings) log.warn(w);

  const folders = runFolderNames(opts.runs);
  const stage = await mkdtemp(path.join(tmpdir(), 'sketchboard-pack-'));
  const out = path.resolve(opts.out);
  const temp = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const total = foldLists.reduce((s, f) => s + f.length, 0);
    let done = 0;
    const packed: PackedRun[] = [];
    for (const [i, dir] of opts.runs.entries()) {
      const folder = folders[i];
      await mkdir(path.join(stage, folder));
      const backbone = await prepareBackbone(
        dir,
        infos[i],
        path.join(stage, folder),
        foldLists[i].length,
        opts,
      );
      const models: string[] = [];
      for (const { fold } of foldLists[i]) {
        const rel = `${folder}/fold${fold}.onnx`;
        await writeFile(
          path.join(stage, rel),
          await exportFold(dir, fold, backbone, `${folder}-fold${fold}`),
        );
        models.push(rel);
        opts.onProgress?.(++done, total);
      }
      packed.push({ label: folder, input: infos[i].model.input, models });
    }
    const manifest = runsManifest({
      runs: packed,
      classes: classNames.length,
      vote: opts.vote,
      outer: opts.outer,
      name: opts.name,
    });
    const manifestPath = path.join(stage, 'manifest.json');
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    await mkdir(path.dirname(out), { recursive: true });
    const result = await packBundle({ manifestPath, out: temp });
    const bundle = await openBundle(temp);
    let models: ModelReport[];
    try {
      models = await checkBundleModels(bundle, { load: { executionProviders: ['cpu'] } });
    } finally {
      await bundle.dispose();
    }
    await rename(temp, out);
    return { ...result, out, manifest, models, warnings };
  } finally {
    await rm(temp, { force: true });
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * For a head run: its backbone.onnx (checked against run.json's sha256), with external-data files copied
 * into `folder`, or with its weights moved into one shared file there when they are big and folds are many.
 */
async function prepareBackbone(
  runDir: string,
  run: RunInfo,
  folder: string,
  folds: number,
  opts: PackRunsOptions,
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
  } else if (folds > 1 && inlineWeightBytes(model) > (opts.shareBackboneAbove ?? SHARE_BACKBONE_ABOVE)) {
    const { model: shared, data, moved } = externalizeInitializers(model, SHARED_WEIGHTS_FILE);
    if (moved > 0) {
      await writeFile(path.join(folder, SHARED_WEIGHTS_FILE), data);
      model = shared;
    }
  }
  return { model, opset };
}

/** One fold's best checkpoint as ONNX bytes: the CNN, or backbone + head merged into one graph. */
async function exportFold(
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
