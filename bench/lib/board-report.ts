// The leaderboard benchmark's printout: the target × pass table, the writer's line, and the issue's targets met or not.
import type { WriterReport } from './board-writer.js';
import type { LoadResult } from './load.js';

/** One measured pass of one target. */
export type Row = { target: string; pass: 'cold' | 'warm'; result: LoadResult; note: string };

/** Names of the targets the verdicts look up. */
export const JSON_BOARD = 'JSON board (public)';
export const HTML_BOARD = 'HTML board /c/:slug';

/** The table: requests/s, p50, p99, errors (timeouts included) and non-2xx other than 304 per target and pass. */
export function table(rows: Row[], writer: WriterReport | undefined): string[] {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number, d = 0) => x.toFixed(d).padStart(9);
  const out = [
    `${pad('target', 26)}${pad('pass', 6)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(9)}${'non-2xx'.padStart(9)}  note`,
  ];
  for (const { target, pass, result: r, note } of rows) {
    // Without a single response there is no latency to show.
    const ms = (x: number) => (r.responses > 0 ? num(x) : '-'.padStart(9));
    out.push(
      `${pad(target, 26)}${pad(pass, 6)}${num(r.requestsPerSecond, 1)}${ms(r.p50)}${ms(r.p99)}${num(r.errors)}${num(r.badStatus)}  ${note}`,
    );
  }
  if (writer) {
    out.push(
      `writer during the warm passes: ${writer.scored} submissions scored (${writer.perSecond.toFixed(1)}/s), ${writer.errors} errors${writer.firstError ? ` (first: ${writer.firstError})` : ''}`,
    );
  }
  return out;
}

/** The issue's targets on the warm passes, each with the measured value and met / NOT MET. */
export function verdicts(rows: Row[]): string[] {
  // A pass without one response measured nothing: it fails every target rather than passing the latency ones.
  const find = (target: string) => rows.find((r) => r.target === target && r.pass === 'warm')?.result;
  const answered = (r: LoadResult | undefined) => (r ? r.responses > 0 : undefined);
  const json = find(JSON_BOARD);
  const html = find(HTML_BOARD);
  const check = (what: string, ok: boolean | undefined, got: string) =>
    `  ${what.padEnd(40)} ${got.padStart(14)}   ${ok === undefined ? 'not run' : ok ? 'met' : 'NOT MET'}`;
  return [
    'targets (issue 10, one API process):',
    check('JSON board warm p99 < 50 ms', answered(json) && json && json.p99 < 50, `${json?.p99 ?? '-'} ms`),
    check(
      'JSON board warm ≥ 2,000 req/s',
      json && json.requestsPerSecond >= 2000,
      `${json?.requestsPerSecond.toFixed(1) ?? '-'} req/s`,
    ),
    check(
      'JSON board warm no errors',
      answered(json) && json && json.errors + json.badStatus === 0,
      `${json ? json.errors + json.badStatus : '-'} errors`,
    ),
    check('HTML board warm p99 < 100 ms', answered(html) && html && html.p99 < 100, `${html?.p99 ?? '-'} ms`),
  ];
}
