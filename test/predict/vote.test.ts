// Voting maths on hand-made probability tables: softmax, soft vs hard, weights, both tie rules, nested trees.
import { describe, expect, it } from 'vitest';
import {
  hardVote,
  meanTables,
  type NodeResult,
  resultOf,
  type ScoreTable,
  softmax,
  softVote,
  type VoteTree,
  voteTree,
} from '../../core/predict/vote.js';
import { Rng } from '../../core/rng.js';

/** A table from rows of scores. */
const table = (...rows: number[][]): ScoreTable => ({
  rows: rows.length,
  classes: rows[0].length,
  data: Float32Array.from(rows.flat()),
});
const leaf = (...rows: number[][]): NodeResult => resultOf(table(...rows));
const w = (result: NodeResult, weight = 1) => ({ result, weight });
const leafNode = (id: string, weight: number, ...rows: number[][]): VoteTree => ({
  id,
  weight,
  probabilities: table(...rows),
});
const expectClose = (actual: Float32Array, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i], 6);
  });
};

describe('softmax', () => {
  it('is stable for huge and tiny logits', () => {
    const s = softmax(table([1000, 1000], [1000, 0], [-1000, -1000], [88.8, 89.8]));
    expectClose(s.data, [0.5, 0.5, 1, 0, 0.5, 0.5, 1 / (1 + Math.E), Math.E / (1 + Math.E)]);
    for (const v of s.data) expect(Number.isFinite(v)).toBe(true);
  });

  it('matches the textbook formula on small logits', () => {
    const z = [1, 2, 3];
    const sum = z.reduce((a, b) => a + Math.exp(b), 0);
    expectClose(
      softmax(table(z)).data,
      z.map((v) => Math.exp(v) / sum),
    );
  });
});

describe('soft vote', () => {
  it('is the weighted mean of member probabilities', () => {
    const r = softVote([w(leaf([0.2, 0.8]), 1), w(leaf([0.8, 0.2]), 3)]);
    expectClose(r.scores.data, [0.65, 0.35]);
    expect([...r.decisions]).toEqual([0]);
  });

  it('gives an exact tie to the lower class index', () => {
    expect([...softVote([w(leaf([0.3, 0.7])), w(leaf([0.7, 0.3]))]).decisions]).toEqual([0]);
  });

  it('meanTables refuses tables of different shapes', () => {
    expect(() => meanTables([table([1, 0]), table([1, 0, 0])])).toThrow(/expected 1×2/);
  });
});

describe('hard vote', () => {
  // Two confident-ish members for class 0, one very confident for class 1.
  const members = [w(leaf([0.51, 0.49])), w(leaf([0.51, 0.49])), w(leaf([0, 1]))];

  it('disagrees with soft voting where the majority is unsure', () => {
    expect([...softVote(members).decisions]).toEqual([1]);
    const hard = hardVote(members);
    expect([...hard.decisions]).toEqual([0]);
    expectClose(hard.scores.data, [2 / 3, 1 / 3]);
  });

  it('counts weights, and the scores passed upward are the normalised weighted counts', () => {
    const r = hardVote([w(leaf([0.9, 0.1, 0]), 3), w(leaf([0, 0.6, 0.4]), 1), w(leaf([0, 0.4, 0.6]), 1)]);
    expect([...r.decisions]).toEqual([0]);
    expectClose(r.scores.data, [0.6, 0.2, 0.2]);
  });

  it('breaks a weighted tie by the larger (unweighted) summed probability', () => {
    // Counts 2 : 2. Summed probability: class 0 = 1.3, class 1 = 1.7 (weighted sums would favour 0).
    const r = hardVote([w(leaf([0.9, 0.1]), 2), w(leaf([0.2, 0.8])), w(leaf([0.2, 0.8]))]);
    expect([...r.decisions]).toEqual([1]);
    expectClose(r.scores.data, [0.5, 0.5]);
  });

  it('then by the lower class index', () => {
    const r = hardVote([w(leaf([0.1, 0.6, 0.3])), w(leaf([0.1, 0.3, 0.6]))]);
    expect([...r.decisions]).toEqual([1]);
    const reversed = hardVote([w(leaf([0.1, 0.3, 0.6])), w(leaf([0.1, 0.6, 0.3]))]);
    expect([...reversed.decisions]).toEqual([1]);
  });

  it('works row by row', () => {
    const r = hardVote([w(leaf([1, 0], [0, 1])), w(leaf([1, 0], [1, 0])), w(leaf([0, 1], [0, 1]))]);
    expect([...r.decisions]).toEqual([0, 1]);
  });
});

/** The hard vote's rule written plainly over every class (counts, then summed probability, then lower index). */
function plainHardVote(members: { result: NodeResult; weight: number }[]): Int32Array {
  const { rows, classes } = members[0].result.scores;
  return Int32Array.from({ length: rows }, (_, r) => {
    const count = (c: number) =>
      members.reduce((s, m) => s + (m.result.decisions[r] === c ? m.weight : 0), 0);
    const sum = (c: number) => members.reduce((s, m) => s + m.result.scores.data[r * classes + c], 0);
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (count(c) > count(best) || (count(c) === count(best) && sum(c) > sum(best))) best = c;
    }
    return best;
  });
}

describe('hard vote against the plain rule', () => {
  it('decides every row as the rule over all classes does, ties on counts and on sums included', () => {
    const rng = new Rng(7);
    for (const [members, classes] of [
      [2, 3],
      [4, 3],
      [5, 6],
      [3, 40],
    ]) {
      const rows = 300;
      // Probabilities on a coarse grid (quarters), so equal sums happen as often as equal counts.
      const made = Array.from({ length: members }, () =>
        resultOf({
          rows,
          classes,
          data: Float32Array.from({ length: rows * classes }, () => Math.floor(rng.next() * 4) / 4),
        }),
      );
      const weighted = made.map((result, i) => ({ result, weight: i % 2 === 0 ? 1 : 2 }));
      const plain = made.map((result) => ({ result, weight: 1 }));
      expect(hardVote(weighted).decisions).toEqual(plainHardVote(weighted));
      expect(hardVote(plain).decisions).toEqual(plainHardVote(plain));
    }
  });
});

describe('voteTree', () => {
  // Inner hard node: votes tie 1 : 1; summed probability 0.9 vs 1.1 → class 1, scores [0.5, 0.5].
  const innerHard = (id: string, weight = 1): VoteTree => ({
    id,
    weight,
    vote: 'hard',
    members: [leafNode(`${id}.0`, 1, [0.3, 0.7]), leafNode(`${id}.1`, 1, [0.6, 0.4])],
  });

  it('hard-of-hard uses the inner tie-broken decision, not the argmax of its tied scores', () => {
    const tree: VoteTree = {
      id: 'root',
      weight: 1,
      vote: 'hard',
      members: [innerHard('0'), leafNode('1', 1, [0.9, 0.1]), leafNode('2', 1, [0.45, 0.55])],
    };
    const { root, byId } = voteTree(tree);
    expect([...byId.get('0')!.decisions]).toEqual([1]);
    expectClose(byId.get('0')!.scores.data, [0.5, 0.5]);
    expect([...root.decisions]).toEqual([1]);
    expect([...byId.keys()].sort()).toEqual(['0', '0.0', '0.1', '1', '2', 'root']);
  });

  it('applies the tie rule at the outer level too', () => {
    // Outer counts 1 : 1; summed probability class 0 = 0.5 + 0.9, class 1 = 0.5 + 0.1 → 0.
    const { root } = voteTree({
      id: 'root',
      weight: 1,
      vote: 'hard',
      members: [innerHard('0'), leafNode('1', 1, [0.9, 0.1])],
    });
    expect([...root.decisions]).toEqual([0]);
  });

  it('soft-of-hard averages the normalised vote counts with the other members', () => {
    const tree: VoteTree = {
      id: 'root',
      weight: 1,
      vote: 'soft',
      members: [
        {
          id: '0',
          weight: 1,
          vote: 'hard',
          members: [
            leafNode('0.0', 1, [0.6, 0.4]),
            leafNode('0.1', 1, [0.7, 0.3]),
            leafNode('0.2', 1, [0, 1]),
          ],
        },
        leafNode('1', 1, [0.1, 0.9]),
      ],
    };
    const { root } = voteTree(tree);
    expectClose(root.scores.data, [(2 / 3 + 0.1) / 2, (1 / 3 + 0.9) / 2]);
    expect([...root.decisions]).toEqual([1]);
  });

  it('hard-of-soft votes the soft families, weighted', () => {
    const family = (id: string, weight: number, a: number[], b: number[]): VoteTree => ({
      id,
      weight,
      vote: 'soft',
      members: [leafNode(`${id}.0`, 1, a), leafNode(`${id}.1`, 1, b)],
    });
    const members = [
      family('0', 1, [0.8, 0.2], [0.6, 0.4]), // soft → class 0
      family('1', 1, [0.4, 0.6], [0.45, 0.55]), // soft → class 1
      family('2', 1, [0.1, 0.9], [0.3, 0.7]), // soft → class 1
    ];
    expect([...voteTree({ id: 'root', weight: 1, vote: 'hard', members }).root.decisions]).toEqual([1]);
    members[0] = family('0', 3, [0.8, 0.2], [0.6, 0.4]);
    const { root, byId } = voteTree({ id: 'root', weight: 1, vote: 'hard', members });
    expect([...root.decisions]).toEqual([0]);
    expectClose(root.scores.data, [0.6, 0.4]);
    expectClose(byId.get('1')!.scores.data, [0.425, 0.575]);
  });
});
