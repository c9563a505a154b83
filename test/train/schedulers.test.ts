// Every scheduler through one parametrised test (timm style): known LRs at given t, state save/load round trip.
import { describe, expect, it } from 'vitest';
import { isSketchboardError } from '../../core/errors.js';
import { createScheduler, type SchedulerConfig, schedulers } from '../../core/train/schedulers.js';

const cos45 = (1 + Math.cos(Math.PI / 4)) / 2; // 0.853553…

/** [name, options, [t, expected LR][], options of the same kind to load the saved state into]. */
const CASES: [string, SchedulerConfig, [number, number][], SchedulerConfig][] = [
  [
    'step',
    { kind: 'step', lr: 0.1, stepSize: 3, gamma: 0.5 },
    [
      [0, 0.1],
      [2.9, 0.1],
      [3, 0.05],
      [7, 0.025],
      [9, 0.0125],
    ],
    { kind: 'step', lr: 1, stepSize: 1 },
  ],
  [
    'step, default gamma 0.1',
    { kind: 'step', lr: 1, stepSize: 10 },
    [
      [9, 1],
      [10, 0.1],
      [25, 0.01],
    ],
    { kind: 'step', lr: 2, stepSize: 2 },
  ],
  [
    'cosine with warm-up',
    { kind: 'cosine', lr: 1, total: 10, warmup: 2 },
    [
      [0, 0],
      [1, 0.5],
      [2, 1],
      [4, cos45],
      [6, 0.5],
      [10, 0],
      [12, 0],
    ],
    { kind: 'cosine', lr: 3, total: 5 },
  ],
  [
    'cosine to a minimum LR',
    { kind: 'cosine', lr: 0.1, total: 4, minLr: 0.01 },
    [
      [0, 0.1],
      [1, 0.01 + 0.09 * cos45],
      [2, 0.055],
      [4, 0.01],
    ],
    { kind: 'cosine', lr: 0.5, total: 8, warmup: 1, warmupLr: 0.1 },
  ],
  [
    'cyclic triangular',
    { kind: 'cyclic', baseLr: 0.001, maxLr: 0.006, stepSize: 2 },
    [
      [0, 0.001],
      [1, 0.0035],
      [2, 0.006],
      [3, 0.0035],
      [4, 0.001],
      [6, 0.006],
    ],
    { kind: 'cyclic', baseLr: 0, maxLr: 1, stepSize: 1, mode: 'triangular2' },
  ],
  [
    'cyclic triangular2',
    { kind: 'cyclic', baseLr: 0.001, maxLr: 0.006, stepSize: 2, mode: 'triangular2' },
    [
      [2, 0.006],
      [5, 0.00225],
      [6, 0.0035],
      [10, 0.00225],
      [12, 0.001],
    ],
    { kind: 'cyclic', baseLr: 0.5, maxLr: 1, stepSize: 3 },
  ],
];

describe('schedulers', () => {
  it.each(CASES)('%s: known values and a state round trip', (_, config, expected, other) => {
    const scheduler = createScheduler(config);
    expect(scheduler.kind).toBe(config.kind);
    for (const [t, lr] of expected) expect(scheduler.lr(t), `t = ${t}`).toBeCloseTo(lr, 10);
    // Pure in t: asking in any order gives the same answers.
    const backwards = [...expected].reverse().map(([t]) => scheduler.lr(t));
    expect(backwards.reverse()).toEqual(expected.map(([t]) => scheduler.lr(t)));
    // The saved state survives JSON and turns a differently configured scheduler into the same schedule.
    const saved = JSON.parse(JSON.stringify(scheduler.state()));
    const restored = createScheduler(other);
    expect(restored.lr(expected[1][0])).not.toBeCloseTo(expected[1][1], 10);
    restored.load(saved);
    for (const [t, lr] of expected) expect(restored.lr(t), `restored, t = ${t}`).toBeCloseTo(lr, 10);
  });

  it('refuses bad options, naming the field, and unknown kinds, listing the known ones', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return isSketchboardError(err, 'invalid_argument') ? err.message : `other: ${err}`;
      }
      return 'no error';
    };
    expect(codeOf(() => createScheduler({ kind: 'step', lr: 0.1, stepSize: 0 }))).toMatch(/stepSize/);
    expect(codeOf(() => createScheduler({ kind: 'cosine', lr: -1, total: 3 }))).toMatch(/lr/);
    expect(
      codeOf(() =>
        createScheduler({ kind: 'cyclic', baseLr: 0, maxLr: 1, stepSize: 2, mode: 'exp' } as never),
      ),
    ).toMatch(/mode/);
    expect(codeOf(() => createScheduler({ kind: 'linear' } as never))).toMatch(
      /unknown scheduler "linear".*cosine, cyclic, step/,
    );
    expect(codeOf(() => createScheduler({ kind: 'step', lr: 1, stepSize: 1 }).lr(-1))).toMatch(/t must be/);
  });

  it('refuses a saved state of another kind or with broken options', () => {
    const step = createScheduler({ kind: 'step', lr: 0.1, stepSize: 2 });
    const cosine = createScheduler({ kind: 'cosine', lr: 0.1, total: 2 });
    expect(() => step.load(cosine.state())).toThrow(/for "cosine", not "step"/);
    expect(() => step.load({ kind: 'step', config: { kind: 'step', lr: 'high', stepSize: 2 } })).toThrow(
      /lr/,
    );
    expect(step.lr(2)).toBeCloseTo(0.01, 12); // unchanged by the refused loads
  });

  it('has a registry that refuses a duplicate name', () => {
    expect(schedulers.names()).toEqual(['cosine', 'cyclic', 'step']);
    expect(() =>
      schedulers.register('step', () => createScheduler({ kind: 'step', lr: 1, stepSize: 1 })),
    ).toThrow(/scheduler "step" is already registered/);
  });
});
