// Optimisers (SGD with momentum/Nesterov, Adam, AdamW) as fused in-place updates over plain Float32Arrays.
import { SketchboardError } from '../../errors.js';
import { Registry } from '../../registry.js';

/** Defaults, as PyTorch's: the one place they live. */
export const OPTIMIZER_DEFAULTS = {
  sgd: { momentum: 0.9, nesterov: false, weightDecay: 0 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
} as const;

export type SgdConfig = { kind: 'sgd'; momentum?: number; nesterov?: boolean; weightDecay?: number };
export type AdamConfig = {
  kind: 'adam' | 'adamw';
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
};
export type OptimizerConfig = SgdConfig | AdamConfig;

/** What an optimiser needs to know of each parameter: its name, size, and whether weight decay applies. */
export type ParamInfo = { name: string; size: number; decay: boolean };

/** Saved optimiser state: step count and the slot arrays of each parameter, by name. */
export type OptimizerState = { kind: string; step: number; slots: Record<string, Float32Array[]> };

/** Updates parameter values in place; the learning rate comes with each step (from a scheduler). */
export interface Optimizer {
  readonly kind: string;
  step(values: Float32Array[], grads: Float32Array[], lr: number): void;
  state(): OptimizerState;
  load(state: OptimizerState): void;
}

class Slots {
  steps = 0;
  readonly slots: Float32Array[][];

  constructor(
    readonly kind: string,
    readonly params: ParamInfo[],
    perParam: number,
  ) {
    this.slots = params.map((p) => Array.from({ length: perParam }, () => new Float32Array(p.size)));
  }

  check(values: Float32Array[], grads: Float32Array[]): void {
    const bad = this.params.findIndex((p, i) => values[i]?.length !== p.size || grads[i]?.length !== p.size);
    if (values.length !== this.params.length || grads.length !== this.params.length || bad >= 0) {
      throw new SketchboardError(
        'invalid_argument',
        `${this.kind}: values/gradients do not match the parameters`,
      );
    }
  }

  state(): OptimizerState {
    const slots: Record<string, Float32Array[]> = {};
    this.params.forEach((p, i) => {
      slots[p.name] = this.slots[i].map((s) => s.slice());
    });
    return { kind: this.kind, step: this.steps, slots };
  }

  load(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new SketchboardError(
        'invalid_argument',
        `optimizer state is for ${state.kind}, not ${this.kind}`,
      );
    }
    // Check everything before changing anything: a bad state leaves the optimiser as it was.
    const incoming = this.params.map((p, i) => {
      const saved = state.slots[p.name];
      if (!saved || saved.length !== this.slots[i].length || saved.some((s) => s.length !== p.size)) {
        throw new SketchboardError(
          'invalid_argument',
          `${this.kind} state: parameter "${p.name}" missing or resized`,
        );
      }
      return saved;
    });
    incoming.forEach((saved, i) => {
      for (let j = 0; j < saved.length; j++) this.slots[i][j].set(saved[j]);
    });
    this.steps = state.step;
  }
}

/** PyTorch SGD: g += wd·p; buf = μ·buf + g; p -= lr·(nesterov ? g + μ·buf : buf). */
function sgd(config: SgdConfig, params: ParamInfo[]): Optimizer {
  const { momentum, nesterov, weightDecay } = { ...OPTIMIZER_DEFAULTS.sgd, ...config };
  const s = new Slots('sgd', params, 1);
  return {
    kind: 'sgd',
    step(values, grads, lr) {
      s.check(values, grads);
      params.forEach((p, k) => {
        const [v, g, buf] = [values[k], grads[k], s.slots[k][0]];
        const wd = p.decay ? weightDecay : 0;
        // Two loops rather than a branch per element: this runs over every parameter each step.
        if (nesterov) {
          for (let i = 0; i < v.length; i++) {
            const gi = g[i] + wd * v[i];
            const b = momentum * buf[i] + gi;
            buf[i] = b;
            v[i] -= lr * (gi + momentum * b);
          }
        } else {
          for (let i = 0; i < v.length; i++) {
            const b = momentum * buf[i] + g[i] + wd * v[i];
            buf[i] = b;
            v[i] -= lr * b;
          }
        }
      });
      s.steps++;
    },
    state: () => s.state(),
    load: (state) => s.load(state),
  };
}

/** PyTorch Adam (L2 decay added to the gradient) and AdamW (decoupled: p *= 1 - lr·wd first). */
function adam(config: AdamConfig, params: ParamInfo[]): Optimizer {
  const kind = config.kind;
  const { beta1, beta2, eps, weightDecay } = { ...OPTIMIZER_DEFAULTS[kind], ...config };
  const s = new Slots(kind, params, 2);
  return {
    kind,
    step(values, grads, lr) {
      s.check(values, grads);
      const t = s.steps + 1;
      const stepSize = lr / (1 - beta1 ** t);
      const invRoot2 = 1 / Math.sqrt(1 - beta2 ** t);
      params.forEach((p, k) => {
        const [v, g, m, sq] = [values[k], grads[k], s.slots[k][0], s.slots[k][1]];
        const l2 = p.decay && kind === 'adam' ? weightDecay : 0;
        const shrink = p.decay && kind === 'adamw' ? 1 - lr * weightDecay : 1;
        for (let i = 0; i < v.length; i++) {
          const gi = g[i] + l2 * v[i];
          const mi = beta1 * m[i] + (1 - beta1) * gi;
          const si = beta2 * sq[i] + (1 - beta2) * gi * gi;
          m[i] = mi;
          sq[i] = si;
          v[i] = v[i] * shrink - (stepSize * mi) / (Math.sqrt(si) * invRoot2 + eps);
        }
      });
      s.steps = t;
    },
    state: () => s.state(),
    load: (state) => s.load(state),
  };
}

/** The optimiser registry; built-ins: sgd, adam, adamw. */
export const optimizers = new Registry<(config: OptimizerConfig, params: ParamInfo[]) => Optimizer>(
  'optimizer',
);
optimizers.register('sgd', (c, p) => sgd(c as SgdConfig, p));
optimizers.register('adam', (c, p) => adam(c as AdamConfig, p));
optimizers.register('adamw', (c, p) => adam(c as AdamConfig, p));

/**
 * Creates an optimiser for the given parameters. Weight decay applies only to parameters marked `decay`
 * (the learner marks weight matrices and conv kernels, not biases or BatchNorm parameters, as timm does).
 *
 * @example
 * const opt = createOptimizer({ kind: 'adamw', weightDecay: 0.05 }, [{ name: 'fc.weight', size: 6, decay: true }]);
 * opt.step([weights], [grads], 1e-3); // weights updated in place
 */
export function createOptimizer(config: OptimizerConfig, params: ParamInfo[]): Optimizer {
  return optimizers.get(config.kind)(config, params);
}
