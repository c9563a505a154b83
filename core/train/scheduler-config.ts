// The run's LR scheduler, per epoch, from its config: the one bridge from TrainConfig to the scheduler factory.
import type { TrainConfig } from './config-file.js';

/** What the trainer needs of a scheduler: the base LR of an epoch and a JSON-able state to resume from. */
export type RunScheduler = {
  lr(epoch: number): number;
  state(): unknown;
  load(state: unknown): void;
};

/**
 * The scheduler of a run: base LR `optimizer.lr`, kind and options from `scheduler`, over `epochs` epochs.
 *
 * @example
 * createRunScheduler(config).lr(3); // LR of epoch 3 before the curriculum's factor
 */
export function createRunScheduler(config: TrainConfig): RunScheduler {
  const base = config.optimizer.lr;
  const s = config.scheduler;
  const total = config.epochs;
  const lr = (epoch: number): number => {
    if (s.kind === 'step') return base * s.gamma ** Math.floor(epoch / s.stepSize);
    if (s.kind === 'cosine') {
      if (epoch < s.warmupEpochs) return (base * (epoch + 1)) / (s.warmupEpochs + 1);
      const span = Math.max(1, total - s.warmupEpochs);
      const t = (epoch - s.warmupEpochs) / span;
      return s.minLr + ((base - s.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    const low = s.baseLr ?? base / 10;
    const cycle = Math.floor(epoch / (2 * s.stepSize));
    const x = Math.abs(epoch / s.stepSize - 2 * cycle - 1);
    const scale = s.mode === 'triangular2' ? 1 / 2 ** cycle : 1;
    return low + (base - low) * Math.max(0, 1 - x) * scale;
  };
  return { lr, state: () => ({}), load: () => {} };
}
