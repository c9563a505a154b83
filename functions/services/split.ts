// Seeded, stratified public/private split of a competition's test items (fixed at creation).
import { Rng } from '../../core/rng.js';
import type { Split } from '../db/schema.js';

/** One test item as the splitter sees it. */
export type SplitInput = { id: string; label: number };

/**
 * Assigns each item to `public` or `private`, stratified by label: every class contributes its share
 * of `publicFraction`, and the rounding of all classes together is settled by largest remainder so the
 * public total is `round(n * publicFraction)`. Same items, fraction and seed → same split; the input
 * order does not matter (items are sorted by id first).
 *
 * @example
 * const splits = stratifiedSplit([{ id: 'a', label: 0 }, { id: 'b', label: 0 }], 0.5, 7);
 * splits.get('a'); // 'public' or 'private'; exactly one of the two is public
 */
export function stratifiedSplit(
  items: readonly SplitInput[],
  publicFraction: number,
  seed: number,
): Map<string, Split> {
  if (!(publicFraction > 0 && publicFraction < 1)) throw new RangeError('publicFraction must be in (0, 1)');
  const rng = new Rng(seed);
  const byLabel = new Map<number, string[]>();
  for (const item of items) {
    const ids = byLabel.get(item.label) ?? [];
    ids.push(item.id);
    byLabel.set(item.label, ids);
  }
  const labels = [...byLabel.keys()].sort((a, b) => a - b);
  const groups = labels.map((label) => {
    const ids = byLabel.get(label)!.sort();
    rng.shuffle(ids);
    const exact = ids.length * publicFraction;
    return { ids, take: Math.floor(exact), remainder: exact - Math.floor(exact), tie: rng.next() };
  });

  // Largest remainder: hand the leftover public slots to the classes that lost most to flooring.
  const target = Math.round(items.length * publicFraction);
  let missing = target - groups.reduce((sum, g) => sum + g.take, 0);
  const order = [...groups].sort((a, b) => b.remainder - a.remainder || a.tie - b.tie);
  for (const group of order) {
    if (missing <= 0) break;
    if (group.take < group.ids.length) {
      group.take += 1;
      missing -= 1;
    }
  }

  const out = new Map<string, Split>();
  for (const group of groups) {
    group.ids.forEach((id, i) => {
      out.set(id, i < group.take ? 'public' : 'private');
    });
  }
  return out;
}
