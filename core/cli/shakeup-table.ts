// The shake-up as aligned lines for `sketchboard leaderboard SLUG --shakeup`.
import type { ApiShakeup } from '../api/index.js';
import { alignTable, rankChange } from './table.js';

/**
 * One line per team in private order: private rank, public rank, change, team, private score, its interval, and
 * the lead over the next team with `*` when significant; then a line saying how the intervals were made.
 *
 * @example
 * for (const line of shakeupLines(await client.shakeup('sketch-demo'))) console.log(line);
 */
export function shakeupLines(s: ApiShakeup): string[] {
  const pct = Math.round(s.level * 100);
  const f = (x: number) => x.toFixed(4);
  const rows = s.rows.map((r) => [
    String(r.privateRank),
    r.publicRank === null ? '-' : String(r.publicRank),
    rankChange(r.publicRank ?? undefined, r.privateRank),
    r.team,
    f(r.privateScore),
    r.interval ? `${f(r.interval.lo)}-${f(r.interval.hi)}` : '-',
    r.vsNext
      ? `${r.vsNext.difference >= 0 ? '+' : ''}${f(r.vsNext.difference)}${r.vsNext.significant ? ' *' : ''}`
      : '',
  ]);
  const table = alignTable(
    ['private', 'public', 'change', 'team', 'accuracy', `${pct}% interval`, 'lead over next'],
    rows,
    [true, true, false, false, true, false, false],
  );
  if (s.rows.length === 0) return ['no team is on the private leaderboard'];
  return [
    ...table,
    '',
    `${pct}% intervals: ${s.resamples} paired bootstrap resamples of ${s.items} private items (seed ${s.seed}); ` +
      '* = the lead over the next team is significant (its interval excludes 0)',
  ];
}
