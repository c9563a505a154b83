// The training run config: zod schema with every default, JSON config-file loading with key-path errors, CLI overrides.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { curriculumConfigSchema, DEFAULT_CURRICULUM_PRESET } from '../augment/index.js';
import { errorMessage, formatIssues, type Issue, SketchboardError } from '../errors.js';

const positiveInt = z.int().min(1);
const rate = z.number().positive().finite();

/**
 * Scheduler options by kind, in epochs, with the names of core/train/schedulers.ts. The run supplies the
 * rest: `lr` (step, cosine) and `maxLr` (cyclic) are optimizer.lr, cosine's `total` is `epochs`. Options
 * left out take the scheduler's own defaults (gamma, warmup, warmupLr, minLr, mode); cyclic's `baseLr`
 * defaults to optimizer.lr / 10.
 */
const schedulerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('step'),
    stepSize: z.number().positive().default(5),
    gamma: z.number().positive().max(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('cosine'),
    warmup: z.number().min(0).optional(),
    warmupLr: z.number().min(0).optional(),
    minLr: z.number().min(0).optional(),
  }),
  z.strictObject({
    kind: z.literal('cyclic'),
    stepSize: z.number().positive().default(2),
    baseLr: z.number().min(0).optional(),
    mode: z.enum(['triangular', 'triangular2']).optional(),
  }),
]);

/** The resolved run config: what a config file may hold and what run.json records. Defaults live here. */
export const trainConfigSchema = z.strictObject({
  folds: z.int().min(2).max(100).default(5),
  epochs: positiveInt.max(10_000).default(20),
  seed: z.int().min(0).max(0xffffffff).default(1),
  batchSize: positiveInt.max(4096).default(32),
  model: z.enum(['cnn', 'head']).default('cnn'),
  cnn: z
    .strictObject({ width: positiveInt.max(512).default(16), depth: positiveInt.max(16).default(1) })
    .default({ width: 16, depth: 1 }),
  head: z.enum(['linear', 'mlp3']).default('mlp3'),
  /** Path of the frozen backbone ONNX file (model "head"); relative paths are relative to the config file. */
  backbone: z.string().min(1).optional(),
  input: z
    .strictObject({
      size: z.int().min(8).max(1024).default(64),
      channels: z.union([z.literal(1), z.literal(3)]).default(1),
      resize: z.enum(['stretch', 'letterbox']).default('stretch'),
      /** Head runs only: the backbone's layout when its input dims do not tell (CNNs are always NHWC). */
      layout: z.enum(['NCHW', 'NHWC']).optional(),
      mean: z.array(z.number()).min(1).max(3).optional(),
      std: z.array(z.number().positive()).min(1).max(3).optional(),
    })
    .default({ size: 64, channels: 1, resize: 'stretch' }),
  optimizer: z
    .strictObject({
      kind: z.enum(['sgd', 'adam', 'adamw']).default('adamw'),
      lr: rate.default(0.002),
      weightDecay: z.number().min(0).optional(),
      momentum: z.number().min(0).max(1).optional(),
      nesterov: z.boolean().optional(),
    })
    .default({ kind: 'adamw', lr: 0.002 }),
  scheduler: schedulerSchema.default({ kind: 'cosine' }),
  labelSmoothing: z.number().min(0).max(0.99).default(0.1),
  curriculum: curriculumConfigSchema.default(
    () => curriculumConfigSchema.parse(DEFAULT_CURRICULUM_PRESET) as never,
  ),
});

/** A config file as written: every key optional. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A resolved run config: every default filled in, the curriculum as full stages. */
export type TrainConfig = z.output<typeof trainConfigSchema>;
export type SchedulerConfig = TrainConfig['scheduler'];

/** Zod's issues with an unknown-keys issue split into one `path.key: unknown key` issue per key. */
function perKey(issues: readonly z.core.$ZodIssue[]): Issue[] {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: [...i.path, k], message: 'unknown key' }))
      : [i],
  );
}

/**
 * Validates a raw config (parsed JSON, possibly with CLI overrides merged in) and fills in defaults.
 * Throws SketchboardError('invalid_argument') listing every problem with its key path.
 *
 * @example
 * resolveTrainConfig({ epochs: 3, optimizer: { kind: 'sgd', lr: 0.05 } }).optimizer.kind; // 'sgd'
 * resolveTrainConfig({ epoch: 3 }); // throws: invalid train config: epoch: unknown key
 */
export function resolveTrainConfig(raw: unknown, source = 'train config'): TrainConfig {
  const parsed = trainConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SketchboardError(
      'invalid_argument',
      `invalid ${source}: ${formatIssues(perKey(parsed.error.issues))}`,
    );
  }
  const config = parsed.data;
  const channels = config.input.channels;
  for (const key of ['mean', 'std'] as const) {
    const v = config.input[key];
    if (v && v.length !== channels && v.length !== 1) {
      throw new SketchboardError(
        'invalid_argument',
        `invalid ${source}: input.${key}: has ${v.length} values for ${channels} channel(s)`,
      );
    }
  }
  if (config.model === 'head' && !config.backbone) {
    throw new SketchboardError(
      'invalid_argument',
      `invalid ${source}: backbone: required when model is "head"`,
    );
  }
  return config;
}

/**
 * Reads a JSON config file (as written: defaults not yet filled in). Errors name the file.
 *
 * @example
 * const raw = await readConfigFile('runs/cnn.json'); // { epochs: 10, ... }
 */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SketchboardError('invalid_argument', `config file ${file}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SketchboardError(
      'invalid_argument',
      `config file ${file}: not valid JSON: ${errorMessage(err)}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SketchboardError('invalid_argument', `config file ${file}: must hold a JSON object`);
  }
  return raw as Record<string, unknown>;
}

/**
 * Deep-merges overrides (CLI flags) over a raw config; `undefined` values are skipped, arrays replaced.
 *
 * @example
 * mergeConfig({ optimizer: { kind: 'sgd' } }, { optimizer: { lr: 0.1 } }); // { optimizer: { kind: 'sgd', lr: 0.1 } }
 */
export function mergeConfig(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    // Objects merge key by key (so undefined leaves never reach the schema); a non-object replaces.
    if (!isObject(value)) out[key] = value;
    else {
      const merged = mergeConfig(isObject(prev) ? prev : {}, value);
      if (Object.keys(merged).length > 0 || isObject(prev)) out[key] = merged;
    }
  }
  return out;
}

/** The input spec of a run (layout NHWC): mean/std default to 0.5 per channel, so pixels land in [-1, 1]. */
export function inputMeanStd(config: TrainConfig): { mean: number[]; std: number[] } {
  const c = config.input.channels;
  const fill = (v: number[] | undefined) =>
    v === undefined ? new Array<number>(c).fill(0.5) : v.length === c ? v : new Array<number>(c).fill(v[0]);
  return { mean: fill(config.input.mean), std: fill(config.input.std) };
}
