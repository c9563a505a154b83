// Zod schemas of a curriculum in a config file: stages by epoch, ordering rules, LR factor defaults, named presets.
import { z } from 'zod';
import { transformSpecSchema } from './registry.js';

/**
 * LR factor of a stage that leaves `lrFactor` out, except the first: the LR is halved at each stage
 * change. The first stage defaults to 1 (nothing has changed yet at epoch 0).
 */
export const DEFAULT_STAGE_LR_FACTOR = 0.5;

/** The curriculum a run uses when its config names none. */
export const DEFAULT_CURRICULUM_PRESET = 'reference';

const epoch = (what: string) => z.int(`${what} must be an integer epoch`).min(0, `${what} must be >= 0`);

/** One stage as written in a config file. `to` is exclusive; only the last stage may leave it out. */
export const stageSchema = z.strictObject({
  name: z.string().min(1).optional(),
  from: epoch('from'),
  to: epoch('to').optional(),
  transforms: z.array(transformSpecSchema).default([]),
  lrFactor: z.number().positive('lrFactor must be > 0').optional(),
});

/**
 * A stage after validation: epochs [from, to) (`to` absent on an open last stage), name, transform
 * specs and LR factor filled in. Valid input itself, so a resolved curriculum saved as JSON reloads as is.
 */
export type CurriculumStage = {
  name: string;
  from: number;
  to?: number;
  transforms: z.output<typeof transformSpecSchema>[];
  lrFactor: number;
};

/** A curriculum as written: a non-empty list of stages. */
export type CurriculumInput = z.input<typeof stageSchema>[];

function range(s: { from: number; to?: number }): string {
  return `epochs ${s.from}-${s.to ?? '...'}`;
}

/**
 * The stages of a curriculum, checked: the first starts at epoch 0, each ends where the next begins
 * (no overlap, no gap, listed in epoch order), `from < to`, and only the last stage may be open-ended.
 * The output fills in names (`stage <i>`), option defaults and `lrFactor`
 * (1 for the first stage, `DEFAULT_STAGE_LR_FACTOR` for later ones).
 *
 * @example
 * curriculumSchema.parse([{ from: 0, to: 5 }, { from: 5, transforms: [{ kind: 'hflip' }] }]);
 */
export const curriculumSchema = z
  .array(stageSchema)
  .min(1, 'a curriculum needs at least one stage')
  .superRefine((stages, ctx) => {
    const issue = (i: number, key: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [i, key], message });
    if (stages.length === 0) return;
    if (stages[0].from !== 0)
      issue(0, 'from', `the first stage must start at epoch 0, not ${stages[0].from}`);
    stages.forEach((s, i) => {
      if (s.to !== undefined && s.to <= s.from)
        issue(i, 'to', `to (${s.to}) must be greater than from (${s.from})`);
      if (s.to === undefined && i < stages.length - 1)
        issue(i, 'to', 'only the last stage may leave out "to"');
      if (i === 0) return;
      const prev = stages[i - 1];
      if (s.from < prev.from) {
        issue(i, 'from', `stages are out of order: ${range(s)} is listed after ${range(prev)}`);
      } else if (prev.to !== undefined && s.from < prev.to) {
        issue(i, 'from', `${range(s)} overlaps the previous stage (${range(prev)})`);
      } else if (prev.to !== undefined && s.from > prev.to) {
        issue(i, 'from', `gap: the previous stage ends at epoch ${prev.to} but this one starts at ${s.from}`);
      }
    });
  })
  .transform((stages): CurriculumStage[] =>
    stages.map((s, i) => ({
      name: s.name ?? `stage ${i}`,
      from: s.from,
      ...(s.to === undefined ? {} : { to: s.to }),
      transforms: s.transforms,
      lrFactor: s.lrFactor ?? (i === 0 ? 1 : DEFAULT_STAGE_LR_FACTOR),
    })),
  );

/** The named curricula, as config-file stages (so they are validated like any other). */
export const CURRICULUM_PRESETS = {
  /**
   * The reference team's: epochs 0-5 plain; 5-10 flips + rotate ±10°; 10-20 flips + rotate ±15° +
   * elastic + grid distortion. LR × 0.5 at each change (× 1, 0.5, 0.25). Every transform p = 0.5.
   */
  reference: [
    { name: 'plain', from: 0, to: 5, transforms: [] },
    {
      name: 'flips+rotate10',
      from: 5,
      to: 10,
      transforms: [{ kind: 'hflip' }, { kind: 'vflip' }, { kind: 'rotate', degrees: 10 }],
    },
    {
      name: 'flips+rotate15+warps',
      from: 10,
      to: 20,
      transforms: [
        { kind: 'hflip' },
        { kind: 'vflip' },
        { kind: 'rotate', degrees: 15 },
        { kind: 'elastic' },
        { kind: 'gridDistortion' },
      ],
    },
  ],
  /** No augmentation at any epoch, LR factor 1. */
  none: [{ name: 'none', from: 0, transforms: [] }],
  /** Horizontal and vertical flips (p = 0.5 each) from epoch 0, LR factor 1. */
  flips: [{ name: 'flips', from: 0, transforms: [{ kind: 'hflip' }, { kind: 'vflip' }] }],
} satisfies Record<string, CurriculumInput>;

/** A preset's name. */
export type CurriculumPresetName = keyof typeof CURRICULUM_PRESETS;

const presetNames = Object.keys(CURRICULUM_PRESETS);

function isPresetName(name: string): name is CurriculumPresetName {
  return presetNames.includes(name);
}

/**
 * A curriculum in a config file: a preset name (`"reference"`, `"none"`, `"flips"`) or a list of
 * stages. Outputs the validated stages either way, so the resolved run config records them in full.
 *
 * @example
 * curriculumConfigSchema.parse('flips')[0].transforms; // [{ kind: 'hflip', p: 0.5 }, { kind: 'vflip', p: 0.5 }]
 */
export const curriculumConfigSchema: z.ZodType<CurriculumStage[]> = z.unknown().transform((raw, ctx) => {
  if (typeof raw === 'string' && !isPresetName(raw)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown curriculum preset "${raw}" (known: ${presetNames.join(', ')})`,
    });
    return z.NEVER;
  }
  if (typeof raw !== 'string' && !Array.isArray(raw)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a preset name (${presetNames.join(', ')}) or a list of stages`,
    });
    return z.NEVER;
  }
  const r = curriculumSchema.safeParse(
    typeof raw === 'string' && isPresetName(raw) ? CURRICULUM_PRESETS[raw] : raw,
  );
  if (!r.success) {
    for (const issue of r.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER;
  }
  return r.data;
});
