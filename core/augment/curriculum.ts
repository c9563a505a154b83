// Curriculum augmentation: which transforms and which LR factor apply at each epoch, from stages by epoch.

import { formatIssues, SketchboardError } from '../errors.js';
import { mixSeed } from '../rng.js';
import { compose } from './compose.js';
import {
  type CurriculumInput,
  type CurriculumPresetName,
  type CurriculumStage,
  curriculumConfigSchema,
  curriculumSchema,
} from './curriculum-schema.js';
import { createTransform } from './registry.js';
import type { Tensor, Transform } from './transform.js';

/** The augmentation of one epoch: its stage, its transforms, and a seed of its own. */
export interface EpochAugmentation {
  readonly epoch: number;
  readonly stage: CurriculumStage;
  /** Position of `stage` in the curriculum. */
  readonly stageIndex: number;
  /** The stage's transforms, built once per curriculum and shared by its epochs. */
  readonly transforms: readonly Transform[];
  /** `transforms` composed in order. */
  readonly transform: Transform;
  /** True when the stage has no transforms: callers may skip augmenting altogether. */
  readonly identity: boolean;
  /** mixSeed(seed, epoch): every epoch draws differently, every run with the same seed identically. */
  readonly seed: number;
  /**
   * Augment a sample [H, W, C] or batch [N, H, W, C] into a new tensor. `key` (e.g. the batch index)
   * separates the calls of one epoch; sample i of call `key` uses sampleRng(mixSeed(seed, key), i).
   */
  apply(images: Tensor, key?: number): Tensor;
}

/** Stages by epoch with their augmentation and LR factor. Build with `createCurriculum` or `curriculumPreset`. */
export interface Curriculum {
  /** The validated stages (defaults filled in): what a run config should record. */
  readonly stages: readonly CurriculumStage[];
  /** The last stage's `to` when it has one: the planned length of training. */
  readonly plannedEpochs: number | undefined;
  /** The stage of `epoch` (0-based). Past the last stage's `to`, the last stage continues. */
  stageAt(epoch: number): CurriculumStage;
  /** The augmentation of `epoch` under the run's `seed`. */
  transformsAt(epoch: number, seed: number): EpochAugmentation;
  /**
   * The LR multiplier at `epoch`: the product of `lrFactor` over every stage entered so far, from
   * the first through the stage of `epoch`. The trainer multiplies its scheduler's LR by it. For the
   * reference curriculum (factors 1, 0.5, 0.5): 1 in epochs 0-4, 0.5 in 5-9, 0.25 from 10 on.
   */
  lrFactorAt(epoch: number): number;
}

function stageIndexAt(stages: readonly CurriculumStage[], epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new SketchboardError('invalid_argument', `curriculum: epoch must be an integer >= 0, got ${epoch}`);
  }
  let i = 0;
  while (i + 1 < stages.length && stages[i + 1].from <= epoch) i++;
  return i;
}

/**
 * Build a curriculum from its stages (as in a config file, or already resolved). Throws
 * `invalid_argument` naming every problem: overlapping, unordered or gapped stages, a first stage not
 * at epoch 0, an unknown transform kind, p outside [0, 1], bad options.
 *
 * @example
 * const c = createCurriculum([
 *   { from: 0, to: 5 },
 *   { from: 5, to: 10, transforms: [{ kind: 'hflip' }, { kind: 'rotate', degrees: 10 }], lrFactor: 0.5 },
 * ]);
 * c.lrFactorAt(7); // 0.5
 * const aug = c.transformsAt(7, runSeed); const batch = aug.apply(images, batchIndex);
 */
export function createCurriculum(stages: CurriculumInput | readonly CurriculumStage[]): Curriculum {
  const parsed = curriculumSchema.safeParse(stages);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ ...i, path: ['stages', ...i.path] }));
    throw new SketchboardError('invalid_argument', `invalid curriculum: ${formatIssues(issues)}`);
  }
  return curriculumOf(parsed.data);
}

function curriculumOf(stages: CurriculumStage[]): Curriculum {
  const built = stages.map((s) => {
    const transforms = s.transforms.map((spec) => createTransform(spec));
    return { transforms, transform: compose(transforms) };
  });
  const cumulative: number[] = [];
  for (const [i, s] of stages.entries()) cumulative.push((i === 0 ? 1 : cumulative[i - 1]) * s.lrFactor);
  return {
    stages,
    plannedEpochs: stages[stages.length - 1].to,
    stageAt: (epoch) => stages[stageIndexAt(stages, epoch)],
    lrFactorAt: (epoch) => cumulative[stageIndexAt(stages, epoch)],
    transformsAt(epoch, seed) {
      const stageIndex = stageIndexAt(stages, epoch);
      const { transforms, transform } = built[stageIndex];
      const epochSeed = mixSeed(seed, epoch);
      return {
        epoch,
        stage: stages[stageIndex],
        stageIndex,
        transforms,
        transform,
        identity: transforms.length === 0,
        seed: epochSeed,
        apply: (images, key = 0) => transform.apply(images, mixSeed(epochSeed, key)),
      };
    },
  };
}

/**
 * A named curriculum: `reference` (the reference team's three stages, LR × 0.5 at each change),
 * `none` (no augmentation) or `flips` (hflip + vflip from epoch 0).
 *
 * @example
 * curriculumPreset('reference').stageAt(12).name; // 'flips+rotate15+warps'
 */
export function curriculumPreset(name: CurriculumPresetName): Curriculum {
  return curriculumFromConfig(name);
}

/**
 * A curriculum from a config-file value: a preset name or a list of stages. Throws `invalid_argument`
 * with every problem, each prefixed by its path (`curriculum.1.transforms.0.p: ...`).
 *
 * @example
 * curriculumFromConfig(JSON.parse(text).curriculum ?? DEFAULT_CURRICULUM_PRESET);
 */
export function curriculumFromConfig(raw: unknown): Curriculum {
  const parsed = curriculumConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ ...i, path: ['curriculum', ...i.path] }));
    throw new SketchboardError('invalid_argument', `invalid curriculum: ${formatIssues(issues)}`);
  }
  return curriculumOf(parsed.data);
}
