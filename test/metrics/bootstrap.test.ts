// The paired bootstrap (core/metrics/bootstrap.ts) against hand-computed distributions and an independent
// re-computation of a seeded case.
import { describe, expect, it } from 'vitest';
import { pairedBootstrap, percentileInterval } from '../../core/metrics/bootstrap.js';
import { Rng } from '../../core/rng.js';

describe('percentile intervals', () => {
  it('take the ⌊R(1−level)/2⌋-th and the (⌈R(1+level)/2⌉−1)-th of the sorted values', () => {
    expect(percentileInterval([3, 1, 2, 4], 0.5)).toEqual({ lo: 2, hi: 3 });
    const hundred = Array.from({ length: 100 }, (_, i) => 99 - i); // 0..99 reversed
    expect(percentileInterval(hundred, 0.9)).toEqual({ lo: 5, hi: 94 });
    expect(() => percentileInterval([], 0.95)).toThrow(/no values/);
  });
});

describe('the paired bootstrap', () => {
  it('matches the exact bootstrap distribution of two items (enumerated by hand)', () => {
    // Items [right, wrong]: a resample of 2 draws has accuracy 0 (both wrong, 1/4), 1/2 (1/2) or 1 (1/4).
    // 95%: both tails hold 1/4 ≫ 2.5%, so the interval is [0, 1]. At level 0.4 the 30% and 70% quantiles both
    // fall on 1/2 (F(0) = 0.25 < 0.3, F(1/2) = 0.75 ≥ 0.7); 1,000 resamples are 3.6 standard deviations from
    // either edge.
    const wide = pairedBootstrap([[1, 0]], { seed: 1 });
    expect(wide.teams).toEqual([{ accuracy: 0.5, interval: { lo: 0, hi: 1 } }]);
    expect(wide.pairs).toEqual([]);
    const narrow = pairedBootstrap([[1, 0]], { seed: 1, level: 0.4 });
    expect(narrow.teams[0].interval).toEqual({ lo: 0.5, hi: 0.5 });
  });

  it('pairs the items: a difference on every item is significant, none is not, a swap is not', () => {
    const always = pairedBootstrap(
      [
        [1, 1, 1, 1],
        [0, 0, 0, 0],
      ],
      { seed: 2 },
    );
    expect(always.pairs).toEqual([{ difference: 1, interval: { lo: 1, hi: 1 }, significant: true }]);
    // Identical answers: every resample gives both the same score (unpaired resampling would not).
    const same = pairedBootstrap(
      [
        [1, 0, 1, 0, 1],
        [1, 0, 1, 0, 1],
      ],
      { seed: 3 },
    );
    expect(same.pairs[0]).toEqual({ difference: 0, interval: { lo: 0, hi: 0 }, significant: false });
    expect(same.teams[0].interval.hi - same.teams[0].interval.lo).toBeGreaterThan(0);
    // [right, wrong] vs [wrong, right]: the difference is +1, 0, −1 with 1/4, 1/2, 1/4: the 95% interval is [−1, 1].
    const swap = pairedBootstrap(
      [
        [1, 0],
        [0, 1],
      ],
      { seed: 4 },
    );
    expect(swap.pairs[0]).toEqual({ difference: 0, interval: { lo: -1, hi: 1 }, significant: false });
  });

  it('equals an independent re-computation of a seeded case, and the same seed gives the same result', () => {
    const n = 60;
    const gen = new Rng(99);
    const teams = [0.8, 0.75, 0.5, 0.45].map((p) =>
      Array.from({ length: n }, (): number => (gen.chance(p) ? 1 : 0)),
    );
    const resamples = 300;
    const got = pairedBootstrap(teams, { seed: 11, resamples });
    // Naively: draw the indices in the documented order, score every team on them, sort, pick.
    const rng = new Rng(11);
    const scores = teams.map(() => [] as number[]);
    for (let r = 0; r < resamples; r++) {
      const idx = Array.from({ length: n }, () => rng.int(0, n - 1));
      for (const [t, c] of teams.entries()) scores[t].push(idx.reduce((s, i) => s + c[i], 0) / n);
    }
    const pick = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { lo: s[Math.floor(resamples * 0.025)], hi: s[Math.ceil(resamples * 0.975) - 1] };
    };
    teams.forEach((c, t) => {
      expect(got.teams[t].accuracy).toBeCloseTo(c.reduce((a, b) => a + b, 0) / n, 12);
      expect(got.teams[t].interval.lo).toBeCloseTo(pick(scores[t]).lo, 12);
      expect(got.teams[t].interval.hi).toBeCloseTo(pick(scores[t]).hi, 12);
    });
    for (let t = 0; t + 1 < teams.length; t++) {
      const want = pick(scores[t].map((s, r) => s - scores[t + 1][r]));
      expect(got.pairs[t].interval.lo).toBeCloseTo(want.lo, 12);
      expect(got.pairs[t].interval.hi).toBeCloseTo(want.hi, 12);
      expect(got.pairs[t].significant).toBe(want.lo > 0 || want.hi < 0);
    }
    expect(pairedBootstrap(teams, { seed: 11, resamples })).toEqual(got);
    expect(pairedBootstrap(teams, { seed: 12, resamples })).not.toEqual(got);
  });

  it('refuses teams scored on different items and nonsense options', () => {
    expect(() => pairedBootstrap([[1, 0], [1]], { seed: 1 })).toThrow(/same items/);
    expect(() => pairedBootstrap([[1]], { seed: 1, resamples: 0 })).toThrow(/resamples/);
    expect(() => pairedBootstrap([[1]], { seed: 1, level: 1 })).toThrow(/level/);
  });
});
