// The run's LR scheduler from its config: optimizer.lr, epochs and scheduler options mapped onto createScheduler.
import type { TrainConfig } from './config-file.js';
import { createScheduler, type Scheduler, type SchedulerConfig } from './schedulers.js';

/**
 * The scheduler options of a run, complete: `lr` (step, cosine) and `maxLr` (cyclic) are optimizer.lr,
 * cosine's `total` is the run's epochs, cyclic's `baseLr` defaults to a tenth of optimizer.lr. The trainer
 * evaluates it once per epoch (t = epoch).
 *
 * @example
 * runSchedulerConfig(config); // { kind: 'cosine', lr: 0.002, total: 20 }
 */
export function runSchedulerConfig(config: TrainConfig): SchedulerConfig {
  const lr = config.optimizer.lr;
  const s = config.scheduler;
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  if (s.kind === 'step') return defined({ ...s, lr });
  if (s.kind === 'cosine') return defined({ ...s, lr, total: config.epochs });
  return defined({ ...s, maxLr: lr, baseLr: s.baseLr ?? lr / 10 });
}

/**
 * The run's scheduler (see runSchedulerConfig).
 *
 * @example
 * createRunScheduler(config).lr(3); // LR of epoch 3 before the curriculum's factor
 */
export function createRunScheduler(config: TrainConfig): Scheduler {
  return createScheduler(runSchedulerConfig(config));
}
