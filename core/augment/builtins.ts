// The built-in transforms: option schemas (with their one set of defaults) next to the kernels they build.
import { z } from 'zod';
import { hflipInto, rotateInto, vflipInto } from './sampling.js';
import type { Kernel, TransformSpec } from './transform.js';
import { elasticKernel, gridDistortionKernel } from './warp.js';

/** Default probability of every transform when a spec leaves `p` out (albumentations' and timm's 0.5). */
export const DEFAULT_P = 0.5;

/** Defaults of the transform options, quoted by the docs. Elastic: Simard et al.'s alpha 34, sigma 4. */
export const TRANSFORM_DEFAULTS = {
  rotateDegrees: 15,
  elasticAlpha: 34,
  elasticSigma: 4,
  gridSteps: 5,
  gridDistortLimit: 0.3,
} as const;

const p = z
  .number({ error: 'p must be a number' })
  .min(0, 'p must be between 0 and 1')
  .max(1, 'p must be between 0 and 1')
  .default(DEFAULT_P);

const degrees = z
  .union([
    z.number().min(0, 'degrees must be >= 0').max(180, 'degrees must be <= 180'),
    z
      .tuple([z.number().min(-180).max(180), z.number().min(-180).max(180)])
      .refine(([lo, hi]) => lo <= hi, 'degrees range [lo, hi] needs lo <= hi'),
  ])
  .default(TRANSFORM_DEFAULTS.rotateDegrees);

/** Horizontal flip (mirror left-right). */
export const hflipSchema = z.strictObject({ kind: z.literal('hflip'), p });
/** Vertical flip (mirror top-bottom). */
export const vflipSchema = z.strictObject({ kind: z.literal('vflip'), p });
/** Rotation by an angle drawn uniformly from [-degrees, degrees] (or from a [lo, hi] pair), white fill. */
export const rotateSchema = z.strictObject({ kind: z.literal('rotate'), p, degrees });
/** Elastic deformation: `alpha` scales the displacement, `sigma` (pixels) smooths it. */
export const elasticSchema = z.strictObject({
  kind: z.literal('elastic'),
  p,
  alpha: z.number().min(0, 'alpha must be >= 0').default(TRANSFORM_DEFAULTS.elasticAlpha),
  sigma: z
    .number()
    .positive('sigma must be > 0')
    .max(100, 'sigma must be <= 100')
    .default(TRANSFORM_DEFAULTS.elasticSigma),
});
/** Grid distortion: `steps` cells per axis, each stretched by up to ±`distortLimit` of its size. */
export const gridDistortionSchema = z.strictObject({
  kind: z.literal('gridDistortion'),
  p,
  steps: z.int('steps must be an integer').min(1, 'steps must be >= 1').default(TRANSFORM_DEFAULTS.gridSteps),
  distortLimit: z
    .number()
    .min(0, 'distortLimit must be in [0, 1)')
    .lt(1, 'distortLimit must be in [0, 1)')
    .default(TRANSFORM_DEFAULTS.gridDistortLimit),
});

/** The option schemas of the built-in kinds. */
type BuiltinSchema =
  | typeof hflipSchema
  | typeof vflipSchema
  | typeof rotateSchema
  | typeof elasticSchema
  | typeof gridDistortionSchema;

/** A built-in transform spec as written (optional fields may be left out). */
export type BuiltinTransformInput = z.input<BuiltinSchema>;

/** A built-in transform spec after validation, every default filled in. */
export type BuiltinTransformSpec = z.output<BuiltinSchema>;

/** What validating raw options gives: a spec with defaults filled and a kernel builder, or the zod issues. */
export type ParsedTransform =
  | { success: true; spec: TransformSpec; build: () => Kernel }
  | { success: false; issues: z.ZodError['issues'] };

/** A registry entry: a kind and the validation of its options (type-erased so entries share one map). */
export type TransformEntry = { kind: string; parse: (raw: unknown) => ParsedTransform };

/**
 * Pair a kind with its option schema and a builder of fresh kernels; `build` sees its own spec type.
 *
 * @example
 * const invert = defineTransformKind('invert', z.strictObject({ kind: z.literal('invert'), p: z.number() }),
 *   () => (src, dst) => { for (let i = 0; i < src.length; i++) dst[i] = 1 - src[i]; });
 */
export function defineTransformKind<S extends { kind: string; p: number }>(
  kind: S['kind'],
  schema: z.ZodType<S>,
  build: (spec: S) => Kernel,
): TransformEntry {
  return {
    kind,
    parse(raw) {
      const r = schema.safeParse(raw);
      if (!r.success) return { success: false, issues: r.error.issues };
      const spec = r.data;
      return { success: true, spec, build: () => build(spec) };
    },
  };
}

/** The five built-in transforms, registered by `registry.ts` at load. */
export const BUILTIN_TRANSFORMS: readonly TransformEntry[] = [
  defineTransformKind('hflip', hflipSchema, () => hflipInto),
  defineTransformKind('vflip', vflipSchema, () => vflipInto),
  defineTransformKind('rotate', rotateSchema, ({ degrees }) => {
    const [lo, hi] = typeof degrees === 'number' ? [-degrees, degrees] : degrees;
    return (src, dst, shape, rng) => rotateInto(src, dst, shape, rng.range(lo, hi));
  }),
  defineTransformKind('elastic', elasticSchema, (spec) => elasticKernel(spec)),
  defineTransformKind('gridDistortion', gridDistortionSchema, (spec) => gridDistortionKernel(spec)),
];
