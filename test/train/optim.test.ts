// Optimiser steps on a tiny quadratic against hand-computed updates; state round trip; refusals.
import { describe, expect, it } from 'vitest';
import { createOptimizer, type OptimizerConfig, optimizers } from '../../core/backends/train/optim.js';

/**
 * Loss 0.5·(2·w₁²) + 0.5·b²: gradient [0, 2·w₁] for w (weight decay on) and [b] for b (decay off). w₀ has a
 * zero gradient, so only weight decay can move it: it tells L2 (Adam), decoupled (AdamW) and none apart.
 */
function run(config: OptimizerConfig, steps: number, lr = 0.1) {
  const w = Float32Array.from([1, -2]);
  const b = Float32Array.from([0.5]);
  const opt = createOptimizer(config, [
    { name: 'fc.kernel', size: 2, decay: true },
    { name: 'fc.bias', size: 1, decay: false },
  ]);
  const trace: number[][] = [];
  for (let i = 0; i < steps; i++) {
    opt.step([w, b], [Float32Array.from([0, 2 * w[1]]), Float32Array.from([b[0]])], lr);
    trace.push([...w, ...b]);
  }
  return { trace, opt, w, b };
}

/** [name, options, values of (w₀, w₁, b) after step 1 and step 2], worked by hand from the update rules. */
const CASES: [string, OptimizerConfig, number[][]][] = [
  // buf = 0.9·buf + g; p -= lr·buf.  Step 2 for w₁: g = -3.2, buf = -6.8, p = -1.6 + 0.68.
  [
    'sgd, momentum 0.9',
    { kind: 'sgd' },
    [
      [1, -1.6, 0.45],
      [1, -0.92, 0.36],
    ],
  ],
  // p -= lr·(g + 0.9·buf): step 1 w₁ moves by 0.1·(4 + 3.6).
  [
    'sgd, nesterov',
    { kind: 'sgd', nesterov: true },
    [
      [1, -1.24, 0.405],
      [1, -0.4448, 0.28755],
    ],
  ],
  // g += 0.1·p on w only: w₀ = 1 - 0.1·0.1; b has no decay.
  [
    'sgd, weight decay',
    { kind: 'sgd', momentum: 0, weightDecay: 0.1 },
    [
      [0.99, -1.58, 0.45],
      [0.9801, -1.2482, 0.405],
    ],
  ],
  // Step 1 of Adam moves every coordinate with a gradient by lr (m̂/√v̂ = ±1); w₀ stays.
  [
    'adam',
    { kind: 'adam' },
    [
      [1, -1.9, 0.4],
      [1, -1.800166486, 0.301187424],
    ],
  ],
  // L2 gives w₀ a gradient 0.1·w₀, so Adam moves it by lr too.
  [
    'adam, L2 decay',
    { kind: 'adam', weightDecay: 0.1 },
    [
      [0.9, -1.9, 0.4],
      [0.800412248, -1.800166486, 0.301187424],
    ],
  ],
  // Decoupled: w *= 1 - lr·wd before the Adam step; w₀ only shrinks.
  [
    'adamw',
    { kind: 'adamw', weightDecay: 0.1 },
    [
      [0.99, -1.88, 0.4],
      [0.9801, -1.761408951, 0.301187424],
    ],
  ],
];

describe('optimizers', () => {
  it.each(CASES)('%s: two steps match the hand-computed values', (_, config, expected) => {
    const { trace } = run(config, 2);
    trace.forEach((values, step) => {
      values.forEach((v, i) => {
        expect(v, `step ${step + 1}, value ${i}`).toBeCloseTo(expected[step][i], 5);
      });
    });
  });

  it.each(CASES)('%s: saved state resumes exactly', (_, config) => {
    const straight = run(config, 3);
    const first = run(config, 2);
    const state = first.opt.state();
    expect(state.step).toBe(2);
    const resumed = createOptimizer(config, [
      { name: 'fc.kernel', size: 2, decay: true },
      { name: 'fc.bias', size: 1, decay: false },
    ]);
    resumed.load(state);
    const { w, b } = first;
    resumed.step([w, b], [Float32Array.from([0, 2 * w[1]]), Float32Array.from([b[0]])], 0.1);
    expect([...w, ...b]).toEqual(straight.trace[2]);
  });

  it('refuses mismatched arrays and a state of another kind or shape', () => {
    const { opt } = run({ kind: 'adam' }, 1);
    expect(() => opt.step([new Float32Array(2)], [new Float32Array(2)], 0.1)).toThrow(/do not match/);
    expect(() => opt.load(run({ kind: 'sgd' }, 1).opt.state())).toThrow(/for sgd, not adam/);
    const state = opt.state();
    state.slots['fc.bias'] = [new Float32Array(5), new Float32Array(5)];
    expect(() => opt.load(state)).toThrow(/"fc.bias" missing or resized/);
    expect(opt.state().step).toBe(1); // the refused load changed nothing
  });

  it('has a registry that refuses a duplicate name', () => {
    expect(optimizers.names()).toEqual(['adam', 'adamw', 'sgd']);
    expect(() => optimizers.register('adam', optimizers.get('sgd'))).toThrow(
      /optimizer "adam" is already registered/,
    );
    expect(() => createOptimizer({ kind: 'lion' } as never, [])).toThrow(
      /unknown optimizer "lion" \(known: adam, adamw, sgd\)/,
    );
  });
});
