// Learning-rate schedulers (step, cosine with warm-up, cyclic) from one factory; each a pure function of t.
import { z } from 'zod';
import { formatIssues, SketchboardError } from '../errors.js';
import { Registry } from '../registry.js';

const rate = z.number().positive().finite();
const span = z.number().positive().finite();

/** Scheduler options by kind; defaults live here and only here. t is in epochs or steps, as the caller counts. */
export const schedulerConfigSchema = z.discriminatedUnion('kind', [
  /** lr · gamma^floor(t / stepSize) (PyTorch StepLR). */
  z.strictObject({
    kind: z.literal('step'),
    lr: rate,
    stepSize: span,
    gamma: z.number().positive().max(1).default(0.1),
  }),
  /** Linear warm-up from warmupLr to lr over `warmup`, then cosine from lr to minLr at `total` (timm, warm-up prefix). */
  z.strictObject({
    kind: z.literal('cosine'),
    lr: rate,
    total: span,
    warmup: z.number().min(0).finite().default(0),
    warmupLr: z.number().min(0).finite().default(0),
    minLr: z.number().min(0).finite().default(0),
  }),
  /** Triangle waves between baseLr and maxLr, half-period stepSize; triangular2 halves each cycle (PyTorch CyclicLR). */
  z.strictObject({
    kind: z.literal('cyclic'),
    baseLr: z.number().min(0).finite(),
    maxLr: rate,
    stepSize: span,
    mode: z.enum(['triangular', 'triangular2']).default('triangular'),
  }),
]);

/** Scheduler options as written by a caller (defaults optional). */
export type SchedulerConfig = z.input<typeof schedulerConfigSchema>;
type Resolved = z.output<typeof schedulerConfigSchema>;

/** Saved scheduler state: its kind and resolved options (the schedule itself, since lr(t) is pure). */
export type SchedulerState = { kind: string; config: Resolved };

/** A learning-rate schedule. lr(t) depends only on t and the options: no hidden step counter. */
export interface Scheduler {
  readonly kind: string;
  /** Learning rate at t (epoch or step; fractions allowed for per-step updates within an epoch). */
  lr(t: number): number;
  state(): SchedulerState;
  /** Adopts a saved schedule (e.g. on resume); refuses a different kind or invalid options. */
  load(state: unknown): void;
}

type Curve<K extends Resolved['kind']> = (c: Extract<Resolved, { kind: K }>, t: number) => number;

const stepCurve: Curve<'step'> = (c, t) => c.lr * c.gamma ** Math.floor(t / c.stepSize);

const cosineCurve: Curve<'cosine'> = (c, t) => {
  if (t < c.warmup) return c.warmupLr + ((c.lr - c.warmupLr) * t) / c.warmup;
  if (t >= c.total) return c.minLr;
  const progress = (t - c.warmup) / Math.max(c.total - c.warmup, Number.EPSILON);
  return c.minLr + ((c.lr - c.minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
};

const cyclicCurve: Curve<'cyclic'> = (c, t) => {
  const cycle = Math.floor(1 + t / (2 * c.stepSize));
  const x = Math.abs(t / c.stepSize - 2 * cycle + 1);
  const scale = c.mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : 1;
  return c.baseLr + (c.maxLr - c.baseLr) * Math.max(0, 1 - x) * scale;
};

function parse(raw: unknown, what: string): Resolved {
  const parsed = schedulerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SketchboardError('invalid_argument', `${what}: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** A Scheduler of one built-in kind: validates its options, then evaluates `curve`. */
function curveScheduler<K extends Resolved['kind']>(kind: K, curve: Curve<K>): (raw: unknown) => Scheduler {
  const resolve = (raw: unknown, what: string) => {
    const config = parse(raw, what);
    if (config.kind !== kind)
      throw new SketchboardError('invalid_argument', `${what}: kind "${config.kind}" is not "${kind}"`);
    return config as Extract<Resolved, { kind: K }>;
  };
  return (raw) => {
    let config = resolve(raw, 'scheduler');
    return {
      kind,
      lr(t) {
        if (!Number.isFinite(t) || t < 0) {
          throw new SketchboardError(
            'invalid_argument',
            `scheduler: t must be a finite number >= 0, got ${t}`,
          );
        }
        return curve(config, t);
      },
      state: () => ({ kind, config: { ...config } }),
      load(state) {
        const saved = (state ?? {}) as { kind?: unknown; config?: unknown };
        if (saved.kind !== kind) {
          throw new SketchboardError(
            'invalid_argument',
            `scheduler state is for "${String(saved.kind)}", not "${kind}"`,
          );
        }
        config = resolve(saved.config, 'scheduler state');
      },
    };
  };
}

/** The scheduler registry (name → factory of raw options); built-ins: step, cosine, cyclic. */
export const schedulers = new Registry<(config: unknown) => Scheduler>('scheduler');
schedulers.register('step', curveScheduler('step', stepCurve));
schedulers.register('cosine', curveScheduler('cosine', cosineCurve));
schedulers.register('cyclic', curveScheduler('cyclic', cyclicCurve));

/**
 * Creates a scheduler of `config.kind` from the registry; options are validated by the kind's schema
 * (SketchboardError 'invalid_argument' naming the bad field, or the known kinds for an unknown one).
 *
 * @example
 * const s = createScheduler({ kind: 'step', lr: 0.1, stepSize: 5, gamma: 0.5 });
 * s.lr(0); // 0.1
 * s.lr(5); // 0.05
 * createScheduler({ kind: 'cosine', lr: 1e-3, total: 20, warmup: 2, minLr: 1e-5 }).lr(2); // 1e-3
 * createScheduler({ kind: 'cyclic', baseLr: 1e-4, maxLr: 1e-2, stepSize: 4 }).lr(4); // 1e-2
 */
export function createScheduler(config: SchedulerConfig): Scheduler {
  return schedulers.get(config.kind)(config);
}
