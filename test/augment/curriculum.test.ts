// Curriculum: stages and LR factors by epoch, presets, per-epoch seeding, and the config schema's errors.
import { describe, expect, it } from 'vitest';
import {
  createCurriculum,
  curriculumConfigSchema,
  curriculumFromConfig,
  curriculumPreset,
  DEFAULT_STAGE_LR_FACTOR,
  type Tensor,
} from '../../core/augment/index.js';
import { isSketchboardError } from '../../core/errors.js';
import { maxAbsDiff, noiseBatch } from './fixtures.js';

const kindsAt = (c: ReturnType<typeof createCurriculum>, epoch: number) =>
  c.transformsAt(epoch, 1).transforms.map((t) => t.kind);

describe('reference curriculum', () => {
  const c = curriculumPreset('reference');

  it.each([
    [0, 'plain', [], 1],
    [4, 'plain', [], 1],
    [5, 'flips+rotate10', ['hflip', 'vflip', 'rotate'], 0.5],
    [9, 'flips+rotate10', ['hflip', 'vflip', 'rotate'], 0.5],
    [10, 'flips+rotate15+warps', ['hflip', 'vflip', 'rotate', 'elastic', 'gridDistortion'], 0.25],
    [19, 'flips+rotate15+warps', ['hflip', 'vflip', 'rotate', 'elastic', 'gridDistortion'], 0.25],
    [35, 'flips+rotate15+warps', ['hflip', 'vflip', 'rotate', 'elastic', 'gridDistortion'], 0.25],
  ])('epoch %i: stage %s, transforms %j, LR factor %f', (epoch, name, kinds, lr) => {
    expect(c.stageAt(epoch).name).toBe(name);
    expect(kindsAt(c, epoch)).toEqual(kinds);
    expect(c.lrFactorAt(epoch)).toBeCloseTo(lr, 12);
  });

  it('rotates ±10° in stage 2 and ±15° in stage 3, lowers the LR by the one default factor, plans 20 epochs', () => {
    expect(c.stageAt(5).transforms[2]).toEqual({ kind: 'rotate', p: 0.5, degrees: 10 });
    expect(c.stageAt(10).transforms[2]).toEqual({ kind: 'rotate', p: 0.5, degrees: 15 });
    expect(c.stages.map((s) => s.lrFactor)).toEqual([1, DEFAULT_STAGE_LR_FACTOR, DEFAULT_STAGE_LR_FACTOR]);
    expect(c.plannedEpochs).toBe(20);
    expect(c.transformsAt(3, 1).identity).toBe(true);
    expect(c.transformsAt(5, 1).identity).toBe(false);
  });

  it('augments identically for the same (seed, epoch, key) and differently when any of them changes', () => {
    const batch = noiseBatch(6, 12, 12);
    const run = (seed: number, epoch: number, key: number) =>
      c.transformsAt(epoch, seed).apply(batch, key).data;
    const a = run(7, 12, 0);
    expect(run(7, 12, 0)).toEqual(a);
    expect(maxAbsDiff(run(8, 12, 0), a)).toBeGreaterThan(0);
    expect(maxAbsDiff(run(7, 13, 0), a)).toBeGreaterThan(0);
    expect(maxAbsDiff(run(7, 12, 1), a)).toBeGreaterThan(0);
    expect(run(7, 2, 0)).toEqual(batch.data);
  });
});

describe('other presets and custom stages', () => {
  it('none never augments; flips flips from epoch 0 with both flips at p = 0.5', () => {
    const none = curriculumPreset('none');
    expect([kindsAt(none, 0), kindsAt(none, 100), none.lrFactorAt(100), none.plannedEpochs]).toEqual([
      [],
      [],
      1,
      undefined,
    ]);
    const flips = curriculumPreset('flips');
    expect(flips.stageAt(0).transforms).toEqual([
      { kind: 'hflip', p: 0.5 },
      { kind: 'vflip', p: 0.5 },
    ]);
    // A 1×2 image [0, 1]: over 400 samples both the flipped and the unflipped version must appear.
    const n = 400;
    const batch: Tensor = { data: new Float32Array(2 * n), dims: [n, 1, 2, 1] };
    for (let i = 0; i < n; i++) batch.data[2 * i + 1] = 1;
    const out = flips.transformsAt(0, 3).apply(batch);
    let flipped = 0;
    for (let i = 0; i < n; i++) flipped += out.data[2 * i];
    expect(Math.abs(flipped - n / 2)).toBeLessThan(4.5 * Math.sqrt(n / 4));
  });

  it('multiplies the factors of every stage entered so far, the first included', () => {
    const c = createCurriculum([
      { from: 0, to: 2, lrFactor: 2 },
      { from: 2, to: 4, lrFactor: 0.1 },
      { from: 4, to: 6 },
      { from: 6, lrFactor: 3 },
    ]);
    const expected = [2, 2, 0.2, 0.2, 0.1, 0.1, 0.3, 0.3];
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((e) => c.lrFactorAt(e))).toEqual(
      expected.map((v) => expect.closeTo(v, 12)),
    );
    expect(c.stages.map((s) => s.name)).toEqual(['stage 0', 'stage 1', 'stage 2', 'stage 3']);
  });

  it('reloads its resolved stages unchanged (JSON round trip of a run config)', () => {
    const c = curriculumPreset('reference');
    const again = curriculumFromConfig(JSON.parse(JSON.stringify(c.stages)));
    expect(again.stages).toEqual(c.stages);
    expect(curriculumConfigSchema.parse('flips')).toEqual(curriculumPreset('flips').stages);
  });

  it('refuses an epoch that is negative or not an integer', () => {
    const c = curriculumPreset('reference');
    expect(() => c.stageAt(-1)).toThrow(/epoch must be an integer >= 0/);
    expect(() => c.lrFactorAt(1.5)).toThrow(/epoch must be an integer >= 0/);
  });
});

describe('config errors', () => {
  it.each([
    ['empty', [], /stages: a curriculum needs at least one stage/],
    ['late start', [{ from: 1, to: 5 }], /stages\.0\.from: the first stage must start at epoch 0, not 1/],
    [
      'overlap',
      [
        { from: 0, to: 5 },
        { from: 3, to: 8 },
      ],
      /stages\.1\.from: epochs 3-8 overlaps the previous stage \(epochs 0-5\)/,
    ],
    [
      'unordered',
      [
        { from: 0, to: 5 },
        { from: 10, to: 20 },
        { from: 5, to: 10 },
      ],
      /stages\.2\.from: stages are out of order/,
    ],
    [
      'gap',
      [{ from: 0, to: 5 }, { from: 6 }],
      /stages\.1\.from: gap: the previous stage ends at epoch 5 but this one starts at 6/,
    ],
    ['empty range', [{ from: 0, to: 0 }], /stages\.0\.to: to \(0\) must be greater than from \(0\)/],
    ['open middle', [{ from: 0 }, { from: 5 }], /stages\.0\.to: only the last stage may leave out "to"/],
    ['fractional epoch', [{ from: 0, to: 2.5 }], /stages\.0\.to: to must be an integer epoch/],
    [
      'unknown kind',
      [{ from: 0, transforms: [{ kind: 'cutmix' }] }],
      /stages\.0\.transforms\.0\.kind: unknown transform kind "cutmix" \(known: hflip/,
    ],
    [
      'p > 1',
      [{ from: 0, transforms: [{ kind: 'hflip', p: 2 }] }],
      /stages\.0\.transforms\.0\.p: p must be between 0 and 1/,
    ],
    [
      'p < 0',
      [{ from: 0, transforms: [{ kind: 'rotate', p: -1 }] }],
      /stages\.0\.transforms\.0\.p: p must be between 0 and 1/,
    ],
    ['lrFactor 0', [{ from: 0, lrFactor: 0 }], /stages\.0\.lrFactor: lrFactor must be > 0/],
    ['unknown key', [{ from: 0, epochs: 3 }], /stages\.0: Unrecognized key: "epochs"/],
  ])('%s', (_, stages, message) => {
    let err: unknown;
    try {
      createCurriculum(stages as never);
    } catch (e) {
      err = e;
    }
    expect(isSketchboardError(err, 'invalid_argument')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('names a bad preset or a wrong type in a config file, under the "curriculum" key', () => {
    expect(() => curriculumFromConfig('curriculum-learning')).toThrow(
      /curriculum: unknown curriculum preset "curriculum-learning" \(known: reference, none, flips\)/,
    );
    expect(() => curriculumFromConfig({ stages: [] })).toThrow(
      /curriculum: expected a preset name .* or a list of stages/,
    );
    expect(() => curriculumFromConfig([{ from: 0, to: 5 }, { from: 4 }])).toThrow(
      /curriculum\.1\.from: .*overlaps/,
    );
  });
});
