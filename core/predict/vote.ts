// Voting maths on [N×C] score tables: softmax, TTA averaging, soft and hard votes, whole ensemble trees.

/** A row-major N×C table of scores (one row per image, one column per class). */
export type ScoreTable = { rows: number; classes: number; data: Float32Array };

/** What a node of the ensemble tree passes upward: its scores and its decided class per row. */
export type NodeResult = { scores: ScoreTable; decisions: Int32Array };

/** A member of a vote: its result and its weight (default 1 in the manifest). */
export type WeightedResult = { result: NodeResult; weight: number };

/**
 * Row-wise softmax, numerically stable (the row maximum is subtracted first; sums in float64).
 *
 * @example
 * softmax({ rows: 1, classes: 2, data: Float32Array.of(1000, 1000) }).data; // [0.5, 0.5]
 */
export function softmax(table: ScoreTable): ScoreTable {
  const { rows, classes, data } = table;
  const out = new Float32Array(rows * classes);
  const exps = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) if (data[o + c] > max) max = data[o + c];
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      exps[c] = Math.exp(data[o + c] - max);
      sum += exps[c];
    }
    for (let c = 0; c < classes; c++) out[o + c] = exps[c] / sum;
  }
  return { rows, classes, data: out };
}

/**
 * Element-wise weighted mean of equally shaped tables (weights default to 1): the soft vote, and
 * the TTA average of one model's views.
 *
 * @example
 * meanTables([a, b]); // (a + b) / 2
 */
export function meanTables(tables: ScoreTable[], weights?: number[]): ScoreTable {
  if (tables.length === 0) throw new RangeError('meanTables needs at least one table');
  const { rows, classes } = tables[0];
  const acc = new Float64Array(rows * classes);
  let total = 0;
  tables.forEach((t, i) => {
    if (t.rows !== rows || t.classes !== classes) {
      throw new RangeError(`table ${i} is ${t.rows}×${t.classes}, expected ${rows}×${classes}`);
    }
    const w = weights?.[i] ?? 1;
    total += w;
    for (let k = 0; k < acc.length; k++) acc[k] += w * t.data[k];
  });
  return { rows, classes, data: Float32Array.from(acc, (v) => v / total) };
}

/** Per-row argmax; on equal scores the lower class index wins. */
export function argmaxRows(table: ScoreTable): Int32Array {
  const { rows, classes, data } = table;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[o + c] > data[o + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** A leaf or soft-node result: the given probabilities, decided by argmax (lower index on ties). */
export function resultOf(probabilities: ScoreTable): NodeResult {
  return { scores: probabilities, decisions: argmaxRows(probabilities) };
}

/**
 * Soft vote: the weighted mean of member probabilities; the decision is its argmax (lower class
 * index on exact ties).
 *
 * @example
 * softVote([{ result: resultOf(p1), weight: 1 }, { result: resultOf(p2), weight: 2 }]);
 */
export function softVote(members: WeightedResult[]): NodeResult {
  const mean = meanTables(
    members.map((m) => m.result.scores),
    members.map((m) => m.weight),
  );
  return resultOf(mean);
}

/**
 * Hard vote: each member votes its weight for its decided class (a nested hard node votes for
 * the class its own tie rule chose). The class with the largest weighted count wins; ties go to
 * the larger summed probability (the plain, unweighted sum over members of their scores for that
 * class), then to the lower class index. The scores passed upward are the weighted vote counts
 * divided by the total weight.
 *
 * @example
 * hardVote([{ result: a, weight: 1 }, { result: b, weight: 1 }, { result: c, weight: 1 }]);
 */
export function hardVote(members: WeightedResult[]): NodeResult {
  if (members.length === 0) throw new RangeError('hardVote needs at least one member');
  const { rows, classes } = members[0].result.scores;
  let total = 0;
  for (const m of members) total += m.weight;
  const counts = new Float64Array(classes);
  const sums = new Float64Array(classes);
  const scores = new Float32Array(rows * classes);
  const decisions = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    counts.fill(0);
    sums.fill(0);
    const o = r * classes;
    for (const { result, weight } of members) {
      counts[result.decisions[r]] += weight;
      const s = result.scores.data;
      for (let c = 0; c < classes; c++) sums[c] += s[o + c];
    }
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (counts[c] > counts[best] || (counts[c] === counts[best] && sums[c] > sums[best])) best = c;
    }
    decisions[r] = best;
    for (let c = 0; c < classes; c++) scores[o + c] = counts[c] / total;
  }
  return { scores: { rows, classes, data: scores }, decisions };
}

/** An ensemble tree whose leaves already hold their (TTA-averaged) probabilities. */
export type VoteTree =
  | { id: string; weight: number; probabilities: ScoreTable }
  | { id: string; weight: number; vote: 'soft' | 'hard'; members: VoteTree[] };

/**
 * Evaluate a whole tree bottom-up. Returns the root's result and every node's decisions by id
 * (leaves and inner nodes, the root included), for per-member scores.
 *
 * @example
 * const { root, byId } = voteTree({ id: 'root', weight: 1, vote: 'hard', members: [...] });
 */
export function voteTree(tree: VoteTree): { root: NodeResult; byId: Map<string, NodeResult> } {
  const byId = new Map<string, NodeResult>();
  const walk = (node: VoteTree): NodeResult => {
    let result: NodeResult;
    if ('probabilities' in node) {
      result = resultOf(node.probabilities);
    } else {
      const members = node.members.map((m) => ({ result: walk(m), weight: m.weight }));
      result = node.vote === 'soft' ? softVote(members) : hardVote(members);
    }
    byId.set(node.id, result);
    return result;
  };
  return { root: walk(tree), byId };
}
