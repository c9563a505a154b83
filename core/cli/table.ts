// Plain-text tables for the terminal: the leaderboard and a team's submissions, columns aligned.

import { type ApiLeaderboard, type ApiSubmission, ACCURACY_DECIMALS as DECIMALS } from '../api/index.js';
import { terminalSafe } from '../text.js';

/**
 * Columns padded to their widest cell; `right` columns (numbers) are right-aligned. The header is
 * underlined with dashes.
 *
 * @example
 * alignTable(['rank', 'team'], [['1', 'Voters']], [true, false]).join('\n');
 */
export function alignTable(header: string[], cells: string[][], right: boolean[] = []): string[] {
  // Names and members are typed by teams: nothing they hold may act on the terminal.
  const rows = cells.map((r) => r.map(terminalSafe));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** `2026-05-01 13:04 UTC` from an ISO time; '' for null. */
export function shortTime(iso: string | null): string {
  if (iso === null) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A change of rank, public → private: `+2` (up), `-1` (down), `=`, or '' when the team had no public rank. */
export function rankChange(publicRank: number | undefined, privateRank: number): string {
  if (publicRank === undefined) return '';
  const d = publicRank - privateRank;
  return d === 0 ? '=' : d > 0 ? `+${d}` : `${d}`;
}

/**
 * The leaderboard as aligned lines. For a private board, pass the public one to add the team's public rank
 * and its change.
 *
 * @example
 * for (const line of leaderboardLines(board)) console.log(line);
 */
export function leaderboardLines(board: ApiLeaderboard, publicBoard?: ApiLeaderboard): string[] {
  const title = `${board.competition}: ${board.split} leaderboard (${board.phase})`;
  if (board.rows.length === 0) return [title, '(no scored submissions yet)'];
  const publicRank = new Map(publicBoard?.rows.map((r) => [r.team, r.rank]));
  const withPublic = publicBoard !== undefined;
  const header = ['rank', 'team', 'members', `${board.split} accuracy`, 'entries', 'last submission'];
  const right = [true, false, false, true, true, false];
  if (withPublic) {
    header.splice(1, 0, 'public', 'change');
    right.splice(1, 0, true, true);
  }
  const rows = board.rows.map((r) => {
    const cells = [
      String(r.rank),
      r.team,
      r.members.join(', '),
      r.accuracy.toFixed(DECIMALS),
      String(r.submissions),
      shortTime(r.lastSubmissionAt),
    ];
    if (withPublic) {
      const pub = publicRank.get(r.team);
      cells.splice(1, 0, pub === undefined ? '' : String(pub), rankChange(pub, r.rank));
    }
    return cells;
  });
  return [title, ...alignTable(header, rows, right)];
}

const score = (s: ApiSubmission['public']) => (s === null ? '' : s.accuracy.toFixed(DECIMALS));

/** A team's submissions (newest first as the API lists them), with status, scores and the final flag. */
export function submissionLines(submissions: ApiSubmission[]): string[] {
  if (submissions.length === 0) return ['(no submissions yet)'];
  const rows = submissions.map((s) => [
    s.id,
    s.status,
    score(s.public),
    s.privateHidden ? 'hidden' : score(s.private),
    s.selectedFinal ? 'yes' : '',
    shortTime(s.createdAt),
    s.status === 'failed' && s.error ? s.error.message : '',
  ]);
  const header = ['submission', 'status', 'public', 'private', 'final', 'submitted', 'error'];
  return alignTable(header, rows, [false, false, true, true, false, false, false]);
}
