// `pack RUN_DIR...`: every fold of every run exported to ONNX (heads merged behind their backbone), voted as the runs are, checked.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../bundle/manifest.js';
import { openBundle } from '../bundle/open.js';
import { type PackResult, packBundle } from '../bundle/pack.js';
import { tempSibling } from '../data/io.js';
import { SketchboardError } from '../errors.js';
import { log } from '../log.js';
import { checkBundleModels, type ModelReport } from '../predict/models.js';
import { exportFold, prepareBackbone, SHARE_BACKBONE_ABOVE } from './fold-export.js';
import { exportSharedGroup, groupByBackbone, sharedFolderNames } from './pack-shared.js';
import { type PackedModel, type PackedRun, runFolderNames, runsManifest, type Vote } from './pack-tree.js';
import { type FoldSummary, listFolds, type RunInfo, readRun } from './run.js';

export type PackRunsOptions = {
  runs: string[];
  /** Vote over each run's folds. */
  vote: Vote;
  /** Vote over runs (several runs only); default `vote`. */
  outer?: Vote;
  out: string;
  name?: string;
  /**
   * Pack head runs whose backbones are the same bytes as ONE model (the backbone once, each fold's head a
   * named output; see exportSharedGroup). Default true; false: one backbone + head model per fold.
   */
  shareBackbones?: boolean;
  /** Move a backbone's weights into one external file above this many bytes (SHARE_BACKBONE_ABOVE); 0 always. */
  shareBackboneAbove?: number;
  onProgress?(done: number, total: number): void;
};

export type PackRunsResult = PackResult & {
  manifest: Manifest;
  /** One per model file, from loading the packed bundle and running a dummy batch through each leaf. */
  models: ModelReport[];
  warnings: string[];
};

/** Options of stageRuns: packRuns' without the output zip. */
export type StageRunsOptions = Omit<PackRunsOptions, 'out'>;

/** An unpacked bundle folder built from runs (a temp folder; `dispose` removes it). */
export type StagedRuns = {
  dir: string;
  manifestPath: string;
  manifest: Manifest;
  warnings: string[];
  dispose(): Promise<void>;
};

/**
 * Exports the runs' folds into a fresh temp folder laid out as a bundle (see packRuns), with its
 * manifest.json. Used by packRuns, and by the report (one model per fold) to predict test images fold by fold.
 *
 * @example
 * const staged = await stageRuns({ runs: ['runs/cnn'], vote: 'soft' });
 * try { const bundle = await openBundleDir(staged.dir); ... } finally { await staged.dispose(); }
 */
export async function stageRuns(opts: StageRunsOptions): Promise<StagedRuns> {
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
  const foldLists = await Promise.all(opts.runs.map((dir) => listFolds(dir)));
  const warnings = foldWarnings(opts.runs, infos, foldLists);
  for (const w of warnings) log.warn(w);

  const folders = runFolderNames(opts.runs);
  const groups = opts.shareBackbones === false ? [] : await groupByBackbone(opts.runs, infos);
  const sharedFolders = sharedFolderNames(groups, folders);
  const stage = await mkdtemp(path.join(tmpdir(), 'sketchboard-pack-'));
  const dispose = () => rm(stage, { recursive: true, force: true });
  try {
    const total = foldLists.reduce((s, f) => s + f.length, 0);
    let done = 0;
    const onFold = () => opts.onProgress?.(++done, total);
    const shareAbove = opts.shareBackboneAbove ?? SHARE_BACKBONE_ABOVE;
    const leaves = new Map<number, PackedModel[]>();
    for (const [k, group] of groups.entries()) {
      await mkdir(path.join(stage, sharedFolders[k]));
      const byRun = await exportSharedGroup({
        stage,
        folder: sharedFolders[k],
        runDirs: group.runs.map((i) => opts.runs[i]),
        infos: group.runs.map((i) => infos[i]),
        folds: group.runs.map((i) => foldLists[i].map((f) => f.fold)),
        labels: group.runs.map((i) => folders[i]),
        externalizeAbove: shareAbove,
        onFold,
      });
      for (const [r, i] of group.runs.entries()) leaves.set(i, byRun[r]);
    }
    for (const [i, dir] of opts.runs.entries()) {
      if (leaves.has(i)) continue;
      const folder = path.join(stage, folders[i]);
      await mkdir(folder);
      const backbone = await prepareBackbone(dir, infos[i], folder, {
        externalizeAbove: foldLists[i].length > 1 ? shareAbove : undefined,
        modelFiles: /^fold\d+\.onnx$/,
      });
      const models: string[] = [];
      for (const { fold } of foldLists[i]) {
        const rel = `${folders[i]}/fold${fold}.onnx`;
        const bytes = await exportFold(dir, fold, backbone, `${folders[i]}-fold${fold}`);
        await writeFile(path.join(stage, rel), bytes);
        models.push(rel);
        onFold();
      }
      leaves.set(i, models);
    }
    const packed: PackedRun[] = opts.runs.map((_, i) => ({
      label: folders[i],
      input: infos[i].model.input,
      models: leaves.get(i) ?? [],
    }));
    const { vote, outer, name } = opts;
    const manifest = runsManifest({ runs: packed, classes: classNames.length, vote, outer, name });
    const manifestPath = path.join(stage, 'manifest.json');
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir: stage, manifestPath, manifest, warnings, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Refuses runs without checkpoints; warnings for missing and unfinished folds. */
function foldWarnings(runs: string[], infos: RunInfo[], foldLists: FoldSummary[][]): string[] {
  const warnings: string[] = [];
  foldLists.forEach((folds, i) => {
    const dir = runs[i];
    if (folds.length === 0)
      throw new SketchboardError('not_found', `run ${dir} has no fold with a checkpoint yet`);
    const have = new Set(folds.map((f) => f.fold));
    const missing = [...Array(infos[i].folds).keys()].filter((f) => !have.has(f));
    if (missing.length > 0) {
      warnings.push(
        `run ${dir}: fold(s) ${missing.join(', ')} have no checkpoint; packing the other ${folds.length}`,
      );
    }
    const running = folds.filter((f) => f.done === null).map((f) => f.fold);
    if (running.length > 0) {
      warnings.push(
        `run ${dir}: fold(s) ${running.join(', ')} have not finished; packing their best epoch so far`,
      );
    }
  });
  return warnings;
}

/**
 * Packs run folders into a bundle: each CNN fold's best checkpoint exported to `<run>/fold<i>.onnx`; head
 * runs grouped by backbone (same sha256), each group ONE model `backbone-<sha12>/heads.onnx` holding the
 * backbone once and every fold's head as the output `<run>-fold<i>` (a backbone over SHARE_BACKBONE_ABOVE
 * bytes keeps its weights in `backbone.weights` beside it); with `shareBackbones: false` one
 * `<run>/fold<i>.onnx` per head fold instead. A voting tree mirroring the runs (see ensembleTree), per-run
 * input overrides. The zip is written beside `out`, opened with openBundle,
 * every leaf run on a dummy batch and its [2, classes] output checked, and only then renamed to `out`.
 * Refuses runs with different class lists and runs without fold checkpoints; warns about missing or
 * unfinished folds.
 *
 * @example
 * const r = await packRuns({ runs: ['runs/cnn', 'runs/eva-mlp3'], vote: 'soft', outer: 'hard', out: 'b.zip' });
 * console.log(r.sha256, r.manifest.ensemble);
 */
export async function packRuns(opts: PackRunsOptions): Promise<PackRunsResult> {
  const staged = await stageRuns(opts);
  const out = path.resolve(opts.out);
  const temp = tempSibling(out);
  try {
    await mkdir(path.dirname(out), { recursive: true });
    const result = await packBundle({ manifestPath: staged.manifestPath, out: temp });
    const bundle = await openBundle(temp);
    let models: ModelReport[];
    try {
      models = await checkBundleModels(bundle, { load: { executionProviders: ['cpu'] } });
    } finally {
      await bundle.dispose();
    }
    await rename(temp, out);
    return { ...result, out, manifest: staged.manifest, models, warnings: staged.warnings };
  } finally {
    await rm(temp, { force: true });
    await staged.dispose();
  }
}
