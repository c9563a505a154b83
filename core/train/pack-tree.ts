// The manifest of a bundle packed from run folders: a voting tree mirroring runs and folds, per-run input overrides.
import {
  type EnsembleNode,
  type InputSpec,
  type LeafNode,
  type Manifest,
  type PartialInputSpec,
  parseManifest,
} from '../bundle/manifest.js';
import { SketchboardError } from '../errors.js';

export type Vote = 'soft' | 'hard';

/** One fold in the bundle: its own model file, or one named output of a shared-backbone model. */
export type PackedModel = string | { model: string; outputName: string };

/** One run as it goes into the bundle: its folder in the bundle, its input spec and its fold models. */
export type PackedRun = {
  /** Label for messages and the bundle name, e.g. the run folder's base name. */
  label: string;
  input: InputSpec;
  /** Bundle-relative model paths (or model outputs), one per fold, in fold order. */
  models: PackedModel[];
};

/**
 * The fields of `spec` that differ from `top` (a leaf's `input` override), or undefined when none do.
 *
 * @example
 * inputOverride(top, { ...top, size: [336, 336] }); // { size: [336, 336] }
 */
export function inputOverride(top: InputSpec, spec: InputSpec): PartialInputSpec | undefined {
  const out: PartialInputSpec = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(top.size, spec.size)) out.size = spec.size;
  if (top.channels !== spec.channels) out.channels = spec.channels;
  if (top.layout !== spec.layout) out.layout = spec.layout;
  if (top.resize !== spec.resize) out.resize = spec.resize;
  // mean/std are written whenever channels change, so the override never relies on resolveInput's neutral fill.
  if (!same(top.mean, spec.mean) || out.channels !== undefined) out.mean = spec.mean;
  if (!same(top.std, spec.std) || out.channels !== undefined) out.std = spec.std;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The voting tree of runs: one run → one `vote` node over its folds; several runs → an `outer` node
 * (default `vote`) over one `vote` node per run — the reference team's soft-soft, soft-hard (inner soft,
 * outer hard) and hard-hard ensembles. Leaves whose run's input differs from `top` carry an override;
 * a fold packed as one output of a shared-backbone model is a leaf with `outputName`.
 *
 * @example
 * ensembleTree([cnnRun, headRun], top, 'soft', 'hard');
 * // { vote: 'hard', members: [{ vote: 'soft', members: [...5 folds] }, { vote: 'soft', members: [...] }] }
 */
export function ensembleTree(
  runs: PackedRun[],
  top: InputSpec,
  vote: Vote,
  outer: Vote = vote,
): EnsembleNode {
  if (runs.length === 0) throw new SketchboardError('invalid_argument', 'pack: no runs given');
  const nodes = runs.map((run): EnsembleNode => {
    if (run.models.length === 0) {
      throw new SketchboardError('invalid_argument', `pack: run ${run.label} has no fold checkpoints`);
    }
    const override = inputOverride(top, run.input);
    const members = run.models.map((m): LeafNode => {
      const leaf: LeafNode =
        typeof m === 'string' ? { model: m } : { model: m.model, outputName: m.outputName };
      return override ? { ...leaf, input: override } : leaf;
    });
    return { vote, members };
  });
  return nodes.length === 1 ? nodes[0] : { vote: outer, members: nodes };
}

/** A short bundle name from the runs: `cnn-5fold-soft` or `cnn+eva-soft-hard`. */
export function bundleName(runs: PackedRun[], vote: Vote, outer: Vote = vote): string {
  const labels = runs.map((r) => r.label.replace(/[^A-Za-z0-9._-]+/g, '-')).join('+');
  if (runs.length === 1) return `${labels}-${runs[0].models.length}fold-${vote}`.slice(0, 200);
  return `${labels}-${vote}-${outer}`.slice(0, 200);
}

/**
 * A validated manifest for runs that all predict the same `classes`; the top input is the first run's.
 *
 * @example
 * const manifest = runsManifest({ runs, classes: 50, vote: 'soft' });
 * await writeFile('stage/manifest.json', JSON.stringify(manifest, null, 2));
 */
export function runsManifest(opts: {
  runs: PackedRun[];
  classes: number;
  vote: Vote;
  outer?: Vote;
  name?: string;
}): Manifest {
  const { runs, classes, vote, outer } = opts;
  if (runs.length === 0) throw new SketchboardError('invalid_argument', 'pack: no runs given');
  const top = runs[0].input;
  return parseManifest({
    version: 1,
    name: opts.name ?? bundleName(runs, vote, outer),
    classes,
    input: top,
    output: 'logits',
    ensemble: ensembleTree(runs, top, vote, outer),
  });
}

/**
 * Bundle folder names for run folders: their base names made safe, numbered when two are equal.
 *
 * @example
 * runFolderNames(['a/cnn', 'b/cnn', 'eva02']); // ['cnn', 'cnn-2', 'eva02']
 */
export function runFolderNames(runDirs: string[]): string[] {
  const used = new Set<string>();
  return runDirs.map((dir, i) => {
    const base = (
      dir
        .replace(/[\\/]+$/, '')
        .split(/[\\/]/)
        .pop() ?? ''
    ).replace(/[^A-Za-z0-9._-]+/g, '-');
    const clean = base.replace(/^[.-]+/, '') || `run${i}`;
    let name = clean;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${clean}-${k}`;
    used.add(name.toLowerCase());
    return name;
  });
}
