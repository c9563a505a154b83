// Helpers for the multi-output predictor suites: bundles of named-output leaves, a run-counting loader, table checks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadModel } from '../../core/backends/index.js';
import { inputSpec, parseManifest } from '../../core/bundle/manifest.js';
import { isSketchboardError } from '../../core/errors.js';
import { type BundleLike, loadBundleModels, type ModelLoader } from '../../core/predict/models.js';
import { inferLeaves } from '../../core/predict/predictor.js';
import { maxAbsDiff } from '../backends/fixtures.js';
import { sketchSet } from './fixtures.js';

export const CLASSES = 3;

export const gray = inputSpec({ size: [16, 16], channels: 1, layout: 'NHWC', mean: [1], std: [0.5] });
export const boxed = { resize: 'letterbox', mean: [0.7], std: [0.3] } as const;

/** The suite's temp root and its 9 sketch images (3 classes x 3, 32 px); filled in by beforeAll, removed afterAll. */
export interface SketchRoot {
  root: string;
  images: string[];
}

/**
 * Registers the suite's hooks: a temp root named `prefix`, sketch images under `data/`, then `setup(root)` (models);
 * returns the live handle (read its fields inside tests).
 */
export function useSketchRoot(prefix: string, setup?: (root: string) => Promise<void>): SketchRoot {
  const handle: SketchRoot = { root: '', images: [] };
  beforeAll(async () => {
    handle.root = await mkdtemp(path.join(tmpdir(), prefix));
    handle.images = (await sketchSet(path.join(handle.root, 'data'), CLASSES, 3, 32)).map((i) => i.imagePath);
    await setup?.(handle.root);
  }, 120_000);
  afterAll(async () => {
    if (handle.root) await rm(handle.root, { recursive: true, force: true });
  });
  return handle;
}

/** A bundle over `dir` whose tree is `members` under a soft vote (hflip TTA: two views per spec). */
export const bundleOf = (
  dir: string,
  members: unknown[],
  extra: Record<string, unknown> = {},
): BundleLike => ({
  dir,
  manifest: parseManifest({
    version: 1,
    name: 'heads',
    classes: CLASSES,
    input: gray,
    output: 'logits',
    tta: ['hflip'],
    ensemble: { vote: 'soft', members },
    ...extra,
  }),
});

/** loadModel, recording every run of each model file (the output names asked for). */
export function countingLoader(): { loader: ModelLoader; calls: Map<string, string[][]> } {
  const calls = new Map<string, string[][]>();
  const loader: ModelLoader = async (dir, file, opts) => {
    const model = await loadModel(dir, file, opts);
    const inner = model.runOutputs.bind(model);
    model.runOutputs = (input, names) => {
      calls.set(file, [...(calls.get(file) ?? []), [...names]]);
      return inner(input, names);
    };
    return model;
  };
  return { loader, calls };
}

/** Tables of `bundle`'s leaves, inferred with batches of 4 (9 images: 3 batches). */
export async function tablesOf(bundle: BundleLike, images: string[], loader: ModelLoader) {
  const models = await loadBundleModels(bundle, { loader });
  try {
    return await inferLeaves(bundle.manifest, models, images, { batchSize: 4 });
  } finally {
    await Promise.all([...models.values()].map((m) => m.dispose()));
  }
}

/** One leaf of a heads bundle: head `k` of a model, with its own input spec when `input` is given. */
export interface HeadLeaf {
  k: number;
  input?: object;
}

/** Ensemble members for `heads`: model `file(k)`, reading output `fold{k}` when `named`. */
export const headLeaves = (heads: HeadLeaf[], file: (k: number) => string, named: boolean) =>
  heads.map(({ k, input }) => ({
    model: file(k),
    ...(named ? { outputName: `fold${k}` } : {}),
    ...(input ? { input } : {}),
  }));

/**
 * The same leaves read from one multi-output model (`multiFile`, head k by output name `fold{k}`) and from one
 * single-output model per head (`singleFile(k)`): asserts equal tables and returns each side's recorded runs.
 */
export async function expectHeadsMatchSingles(
  dir: string,
  images: string[],
  heads: HeadLeaf[],
  multiFile: string,
  singleFile: (k: number) => string,
): Promise<{ multi: Map<string, string[][]>; single: Map<string, string[][]> }> {
  const multi = countingLoader();
  const single = countingLoader();
  const got = await tablesOf(
    bundleOf(
      dir,
      headLeaves(heads, () => multiFile, true),
    ),
    images,
    multi.loader,
  );
  const want = await tablesOf(bundleOf(dir, headLeaves(heads, singleFile, false)), images, single.loader);
  expectSameTables(got, want);
  return { multi: multi.calls, single: single.calls };
}

/** Every leaf's table equals the single-output bundle's table for the same leaf id. */
export function expectSameTables(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [id, table] of a) expect(maxAbsDiff(table, b.get(id)!), id).toBeLessThan(1e-5);
  // The heads differ, so reading the wrong output would show.
  expect(maxAbsDiff(a.get('0')!, a.get('1')!)).toBeGreaterThan(1e-3);
}

export async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isSketchboardError(err, 'invalid_model'), String(err)).toBe(true);
  return (err as Error).message;
}
