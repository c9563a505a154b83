// A team's own row on the public leaderboard, found from its submissions (the API's rows carry no team id).
import {
  type ApiLeaderboardRow,
  type ApiSubmission,
  ACCURACY_DECIMALS as BOARD_DECIMALS,
} from '../api/index.js';

/**
 * The row of the team that owns `submissions` on a public board: the row whose accuracy is the team's
 * best public accuracy, whose entry count is the team's count of submissions that count (all but
 * infrastructure failures) and whose last-submission time is the team's latest of those. Null when no
 * row (or more than one) fits, e.g. before the first score.
 *
 * @example
 * const row = ownRow(board.rows, await allSubmissions(client, slug)); // row?.rank
 */
export function ownRow(rows: ApiLeaderboardRow[], submissions: ApiSubmission[]): ApiLeaderboardRow | null {
  const counted = submissions.filter((s) => !(s.status === 'failed' && s.error?.infrastructure === true));
  const scored = counted.filter((s) => s.status === 'scored' && s.public !== null);
  if (scored.length === 0) return null;
  const best = Math.max(...scored.map((s) => s.public?.accuracy ?? 0));
  const bestRounded = Number(best.toFixed(BOARD_DECIMALS));
  const last = Math.max(...counted.map((s) => Date.parse(s.createdAt)));
  const fits = rows.filter(
    (r) =>
      Math.abs(r.accuracy - bestRounded) < 10 ** -(BOARD_DECIMALS + 2) &&
      r.submissions === counted.length &&
      r.lastSubmissionAt !== null &&
      Date.parse(r.lastSubmissionAt) === last,
  );
  return fits.length === 1 ? fits[0] : null;
}
