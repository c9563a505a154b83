// Head runs on the same backbone packed as one ONNX graph: the backbone once, every fold's head one named output.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { onnxExternalLocations } from '../backends/onnx-graph/external-data.js';
import { type HeadSpec, mergeBackboneHeads } from '../backends/onnx-graph/merge-heads.js';
import { encodeOnnx } from '../backends/onnx-proto.js';
import { plainNameReason } from '../bundle/references.js';
import { SketchboardError } from '../errors.js';
import { checkBackboneSha, exportHead, prepareBackbone, readBackbone } from './fold-export.js';
import type { PackedModel } from './pack-tree.js';
import { BACKBONE_FILE, type RunInfo } from './run.js';

/** File name of a shared-backbone graph inside its bundle folder. */
export const SHARED_MODEL_FILE = 'heads.onnx';

/** Head runs whose backbones are the same bytes: indices into the run list, in run order. */
export type BackboneGroup = { sha256: string; key: string; runs: number[] };

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The head runs grouped by backbone: the sha256 of backbone.onnx (checked against run.json), plus the
 * sha256 of each external-data file it references, so two runs share a graph only when every backbone
 * byte is equal. Groups are in order of their first run; CNN runs are in no group.
 *
 * @example
 * const groups = await groupByBackbone(['runs/eva-mlp3', 'runs/eva-linear', 'runs/cnn'], infos);
 * // [{ sha256: '9f2c…', key: '9f2c…', runs: [0, 1] }]
 */
export async function groupByBackbone(runDirs: string[], infos: RunInfo[]): Promise<BackboneGroup[]> {
  const groups = new Map<string, BackboneGroup>();
  for (const [i, dir] of runDirs.entries()) {
    if (infos[i].model.kind !== 'head') continue;
    const bytes = await readBackbone(dir);
    const sha256 = checkBackboneSha(dir, infos[i], bytes);
    const parts = [sha256];
    for (const loc of onnxExternalLocations(bytes, path.join(dir, BACKBONE_FILE)).sort()) {
      // An unsafe location is refused by prepareBackbone; it is never read here.
      parts.push(plainNameReason(loc) ? loc : `${loc}:${await hashFile(path.join(dir, loc))}`);
    }
    const key = parts.length === 1 ? sha256 : createHash('sha256').update(parts.join('\n')).digest('hex');
    const group = groups.get(key) ?? { sha256, key, runs: [] };
    group.runs.push(i);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Bundle folder names for backbone groups, `backbone-<first 12 hex of its sha256>`, numbered when they
 * collide (case-insensitively) with each other or with `taken` (the run folders).
 *
 * @example
 * sharedFolderNames(groups, ['cnn', 'eva']); // ['backbone-9f2c01ab34cd']
 */
export function sharedFolderNames(groups: BackboneGroup[], taken: string[]): string[] {
  const used = new Set(taken.map((t) => t.toLowerCase()));
  return groups.map((g) => {
    const base = `backbone-${g.sha256.slice(0, 12)}`;
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base}-${k}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** One backbone group to export: its runs' folders and info, the fold numbers to pack, their output labels. */
export type SharedExport = {
  /** The staged bundle folder and the group's folder inside it. */
  stage: string;
  folder: string;
  runDirs: string[];
  infos: RunInfo[];
  /** Per run of the group: the folds with a checkpoint, in fold order. */
  folds: number[][];
  /** Per run of the group: its bundle folder name, the stem of its output names (`<label>-fold<i>`). */
  labels: string[];
  /** Move the backbone's weights into one external file above this many inline bytes. */
  externalizeAbove?: number;
  onFold?(): void;
};

/**
 * Writes `<folder>/heads.onnx`: the group's backbone once (external data copied beside it, or large
 * weights moved into `backbone.weights`), then each fold's head of each run as the graph output
 * `<label>-fold<i>`. Returns each run's leaves, in fold order, pointing at those outputs.
 *
 * @example
 * const leaves = await exportSharedGroup({ stage, folder: 'backbone-9f2c01ab34cd', runDirs, infos, folds, labels });
 * // leaves[0][1]: { model: 'backbone-9f2c01ab34cd/heads.onnx', outputName: 'eva-mlp3-fold1' }
 */
export async function exportSharedGroup(opts: SharedExport): Promise<PackedModel[][]> {
  const dir = path.join(opts.stage, opts.folder);
  const backbone = await prepareBackbone(opts.runDirs[0], opts.infos[0], dir, {
    externalizeAbove: opts.externalizeAbove,
    modelFiles: new RegExp(`^${SHARED_MODEL_FILE.replace('.', '\\.')}$`),
  });
  if (!backbone)
    throw new SketchboardError('internal', `exportSharedGroup: ${opts.runDirs[0]} is not a head run`);
  const model = `${opts.folder}/${SHARED_MODEL_FILE}`;
  const heads: HeadSpec[] = [];
  const leaves: PackedModel[][] = [];
  for (const [r, runDir] of opts.runDirs.entries()) {
    const runLeaves: PackedModel[] = [];
    for (const fold of opts.folds[r]) {
      const output = `${opts.labels[r]}-fold${fold}`;
      heads.push({ model: await exportHead(runDir, fold, backbone.opset, output), output });
      runLeaves.push({ model, outputName: output });
      opts.onFold?.();
    }
    leaves.push(runLeaves);
  }
  const name = `${opts.labels.join('+')} on ${opts.folder}`;
  const merged = mergeBackboneHeads(backbone.model, heads, { name });
  await writeFile(path.join(dir, SHARED_MODEL_FILE), encodeOnnx(merged.model));
  return leaves;
}
