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
  let total = 0;
  const ws: number[] = [];
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i];
    if (t.rows !== rows || t.classes !== classes) {
      throw new RangeError(`table ${i} is ${t.rows}×${t.classes}, expected ${rows}×${classes}`);
    }
    ws.push(weights?.[i] ?? 1);
    total += ws[i];
  }
  // Summed in float64 one cache-sized block at a time: every table is read once and the block stays in
  // cache, instead of streaming a table-sized float64 accumulator through memory once per table.
  const n = rows * classes;
  const data = new Float32Array(n);
  const acc = new Float64Array(Math.min(n, MEAN_BLOCK));
  for (let start = 0; start < n; start += MEAN_BLOCK) {
    const len = Math.min(MEAN_BLOCK, n - start);
    acc.fill(0);
    for (let i = 0; i < tables.length; i++) {
      const d = tables[i].data;
      const w = ws[i];
      for (let k = 0; k < len; k++) acc[k] += w * d[start + k];
    }
    for (let k = 0; k < len; k++) data[start + k] = acc[k] / total;
  }
  return { rows, classes, data };
}

/** Values summed per block in meanTables (128 KiB of float64: inside a core's L2 cache). */
const MEAN_BLOCK = 16_384;

/** Per-row argmax; on equal scores the lower class index wins. */
export function argmaxRows(table: ScoreTable): Int32Array {
  const { rows, classes, data } = table;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let best = 0;
    let top = data[o];
    for (let c = 1; c < classes; c++) {
      const v = data[o + c];
      if (v > top) {
        top = v;
        best = c;
      }
    }
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
  const scores = new Float32Array(rows * classes);
  const decisions = new Int32Array(rows);
  const decided = members.map((m) => m.result.decisions);
  const weights = members.map((m) => m.weight);
  const data = members.map((m) => m.result.scores.data);
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    // Only the classes members voted for can hold the top count: touch those, not every class of the row.
    for (let m = 0; m < members.length; m++) counts[decided[m][r]] += weights[m];
    let top = -1;
    let tied = 0;
    for (let m = 0; m < members.length; m++) {
      const c = decided[m][r];
      if (counts[c] > top) {
        top = counts[c];
        tied = 0;
      }
      if (counts[c] === top) tied++;
    }
    let best = -1;
    for (let m = 0; m < members.length; m++) {
      const c = decided[m][r];
      if (counts[c] !== top || c === best) continue;
      if (best === -1) best = c;
      else if (tied > 1) {
        // A tie on counts: the larger summed probability wins, then the lower class index.
        const sc = columnSum(data, o + c);
        const sb = columnSum(data, o + best);
        if (sc > sb || (sc === sb && c < best)) best = c;
      }
    }
    decisions[r] = best;
    for (let m = 0; m < members.length; m++) {
      const c = decided[m][r];
      scores[o + c] = counts[c] / total;
    }
    for (let m = 0; m < members.length; m++) counts[decided[m][r]] = 0;
  }
  return { scores: { rows, classes, data: scores }, decisions };
}

/** The plain sum over members of one cell (row offset + class) of their score tables. */
function columnSum(data: Float32Array[], index: number): number {
  let sum = 0;
  for (const d of data) sum += d[index];
  return sum;
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
