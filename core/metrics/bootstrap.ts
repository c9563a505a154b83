// Paired bootstrap of accuracies: each team's interval over resampled items, and whether adjacent teams differ.
import { SketchboardError } from '../errors.js';
import { Rng } from '../rng.js';

/** Resamples by default: enough for stable 2.5% / 97.5% percentiles of an accuracy. */
export const BOOTSTRAP_RESAMPLES = 1000;
/** Confidence level of the intervals by default. */
export const BOOTSTRAP_LEVEL = 0.95;

/** A percentile interval of a resampled statistic. */
export type Interval = { lo: number; hi: number };

/** One team's accuracy over the items and its bootstrap interval. */
export type TeamInterval = { accuracy: number; interval: Interval };

/** The difference of two teams (the first minus the second) and whether its interval excludes 0. */
export type PairDifference = { difference: number; interval: Interval; significant: boolean };

export type PairedBootstrap = {
  teams: TeamInterval[];
  /** `pairs[i]` compares `teams[i]` with `teams[i + 1]`. */
  pairs: PairDifference[];
};

export type BootstrapOptions = { resamples?: number; seed: number; level?: number };

/**
 * The percentile interval of `values` at `level`: with R values sorted ascending, the value at index
 * ⌊R·(1−level)/2⌋ and the one at ⌈R·(1+level)/2⌉ − 1 (for R = 1000 at 95%: the 26th and the 975th smallest).
 *
 * @example
 * percentileInterval([3, 1, 2, 4], 0.5); // { lo: 2, hi: 3 }
 */
export function percentileInterval(values: ArrayLike<number>, level: number): Interval {
  const sorted = Float64Array.from(values).sort();
  const r = sorted.length;
  if (r === 0) throw new SketchboardError('invalid_argument', 'no values to take an interval of');
  // The epsilon keeps binary fractions exact where they should be (100 × (1 − 0.9) / 2 is 4.999… in floats).
  const lo = Math.min(r - 1, Math.floor((r * (1 - level)) / 2 + 1e-9));
  const hi = Math.max(lo, Math.ceil((r * (1 + level)) / 2 - 1e-9) - 1);
  return { lo: sorted[lo], hi: sorted[hi] };
}

/**
 * A paired bootstrap over items: every resample draws n item indices with replacement (`rng.int(0, n − 1)`,
 * n draws per resample, resamples one after the other, from `new Rng(seed)`) and scores EVERY team on the
 * same indices, so that differences between teams keep the items' pairing. `correct[t][i]` is 1 when team t
 * got item i right, else 0; all teams score the same n items. Costs resamples × n × teams additions.
 *
 * @example
 * const { teams, pairs } = pairedBootstrap([teamA, teamB], { seed: 7 }); // Uint8Arrays of 0/1 per item
 * pairs[0].significant; // the 95% interval of A − B excludes 0
 */
export function pairedBootstrap(correct: ArrayLike<number>[], options: BootstrapOptions): PairedBootstrap {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? BOOTSTRAP_LEVEL;
  const n = correct[0]?.length ?? 0;
  if (correct.some((c) => c.length !== n))
    throw new SketchboardError('invalid_argument', 'every team must be scored on the same items');
  if (n === 0 && correct.length > 0) throw new SketchboardError('invalid_argument', 'no items to resample');
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new SketchboardError('invalid_argument', `resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new SketchboardError('invalid_argument', 'level must be in (0, 1)');
  const rng = new Rng(options.seed);
  const scores = correct.map(() => new Float64Array(resamples));
  const counts = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let j = 0; j < n; j++) counts[rng.int(0, n - 1)] += 1;
    for (let t = 0; t < correct.length; t++) {
      const c = correct[t];
      let hits = 0;
      for (let i = 0; i < n; i++) hits += counts[i] * c[i];
      scores[t][r] = hits / n;
    }
  }
  const accuracy = (c: ArrayLike<number>) => {
    let hits = 0;
    for (let i = 0; i < n; i++) hits += c[i];
    return hits / n;
  };
  const teams = correct.map((c, t) => ({
    accuracy: accuracy(c),
    interval: percentileInterval(scores[t], level),
  }));
  const pairs = teams.slice(0, -1).map((team, t) => {
    const diffs = scores[t].map((s, r) => s - scores[t + 1][r]);
    const interval = percentileInterval(diffs, level);
    return {
      difference: team.accuracy - teams[t + 1].accuracy,
      interval,
      significant: interval.lo > 0 || interval.hi < 0,
    };
  });
  return { teams, pairs };
}
