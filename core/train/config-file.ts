// The training run config: zod schema with every default, JSON config-file loading with key-path errors, CLI overrides.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { curriculumConfigSchema, DEFAULT_CURRICULUM_PRESET } from '../augment/index.js';
import { INPUT_DEFAULTS } from '../bundle/manifest.js';
import { errorMessage, formatIssues, type Issue, SketchboardError } from '../errors.js';

const positiveInt = z.int().min(1);
/** One value for every channel, or one per channel of an RGB input. */
const perChannel = <T extends z.ZodNumber>(value: T) =>
  z
    .array(value)
    .min(1)
    .max(3)
    .refine((v) => v.length !== 2, 'give 1 value (every channel) or 3 (R, G, B)');

/** A CNN's input side when neither --size nor the config sets it and the images are not smaller. */
export const DEFAULT_INPUT_SIZE = 64;

/**
 * CNNs trained from scratch normalise pixels to [-1, 1] by default (recorded in run.json and packed into the
 * manifest). Head runs default to the bundle format's own mean/std (INPUT_DEFAULTS), what a backbone
 * trained on [0, 1] pixels expects.
 */
export const CNN_INPUT_NORM = { mean: 0.5, std: 0.5 } as const;
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
      /** Unset: a CNN takes its training images' size when below DEFAULT_INPUT_SIZE (see resolveInputSize). */
      size: z.int().min(8).max(1024).optional(),
      channels: z.union([z.literal(1), z.literal(3)]).default(1),
      resize: z.enum(['stretch', 'letterbox']).default('stretch'),
      /** Head runs only: the backbone's layout (unset: from its input dims, else INPUT_DEFAULTS.layout). */
      layout: z.enum(['NCHW', 'NHWC']).optional(),
      mean: perChannel(z.number().finite()).optional(),
      std: perChannel(z.number().positive().finite()).optional(),
    })
    .default({ channels: 1, resize: 'stretch' }),
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
  if (config.model === 'cnn' && config.input.layout !== undefined) {
    throw new SketchboardError(
      'invalid_argument',
      `invalid ${source}: input.layout: only for head runs (a CNN's input is always NHWC)`,
    );
  }
  // A head run's channels are the backbone's: openBackbone checks its mean/std against them.
  for (const key of ['mean', 'std'] as const) {
    const v = config.input[key];
    if (config.model === 'cnn' && v && v.length !== channels && v.length !== 1) {
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

/**
 * Per-channel mean/std of a run's input: the config's (one value fills every channel), else the default of
 * its kind: {@link CNN_INPUT_NORM} for CNNs, the bundle format's INPUT_DEFAULTS for head runs.
 *
 * @example
 * inputMeanStd(resolveTrainConfig({ model: 'head', backbone: 'b.onnx', input: { channels: 3 } })); // mean [0,0,0], std [1,1,1]
 */
export function inputMeanStd(config: TrainConfig): { mean: number[]; std: number[] } {
  const c = config.input.channels;
  const defaults = config.model === 'cnn' ? CNN_INPUT_NORM : INPUT_DEFAULTS;
  const fill = (v: number[] | undefined, d: number) =>
    v === undefined ? new Array<number>(c).fill(d) : v.length === c ? v : new Array<number>(c).fill(v[0]);
  return { mean: fill(config.input.mean, defaults.mean), std: fill(config.input.std, defaults.std) };
}

/**
 * The config with `input.size` filled in: as given, else (CNN runs) the training images' larger side when it
 * is below {@link DEFAULT_INPUT_SIZE} (at least 8), else DEFAULT_INPUT_SIZE. `imageSide` is only called when
 * needed. Head runs keep an unset size: the backbone's dims decide, DEFAULT_INPUT_SIZE where they are dynamic.
 *
 * @example
 * await resolveInputSize(config, async () => 28); // a 28×28 data set trains at 28×28, not 64×64
 */
export async function resolveInputSize(
  config: TrainConfig,
  imageSide: () => Promise<number>,
): Promise<TrainConfig> {
  if (config.input.size !== undefined || config.model !== 'cnn') return config;
  const side = await imageSide();
  const size = side < DEFAULT_INPUT_SIZE ? Math.max(8, side) : DEFAULT_INPUT_SIZE;
  return { ...config, input: { ...config.input, size } };
}
