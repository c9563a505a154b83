// Leaderboards: best public submission per team; private from selected finals, else the best public one.
import { and, count, eq, max, ne, or } from 'drizzle-orm';
import type { Split } from '../../core/api/common.js';
import { submissions, teams } from '../db/schema.js';
import { competitionRow } from './competitions.js';
import { nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { type CompetitionPhase, phaseOf } from './views.js';

/** The board's split: core/api's `Split` (the name stays for pages/board.tsx). */
export type LeaderboardSplit = Split;

export type LeaderboardRow = {
  rank: number;
  teamId: string;
  team: string;
  members: string[];
  /** Accuracy on the board's split (the HTTP layer prints 4 decimals). */
  score: number;
  /** The submission the score comes from. */
  submissionId: string;
  /** Submissions that count (infrastructure failures excluded). */
  submissions: number;
  lastSubmissionAt: Date | null;
};

export type Leaderboard = {
  competition: string;
  split: LeaderboardSplit;
  phase: CompetitionPhase;
  rows: LeaderboardRow[];
};

type Scored = { id: string; teamId: string; pub: number; priv: number; final: boolean; createdAt: Date };

/** Higher score first; on a tie the earlier submission (then the smaller id, for a total order). */
function better(a: Scored, b: Scored, score: (s: Scored) => number): number {
  return score(b) - score(a) || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1);
}

function best(items: Scored[], score: (s: Scored) => number): Scored {
  return [...items].sort((a, b) => better(a, b, score))[0];
}

/**
 * The standings of a competition. Public: each team's best public accuracy. Private: the best private
 * accuracy among the team's selected finals, or, without finals, the private accuracy of its best public
 * submission. Ties go to the earlier submission. The private board is `forbidden` before the end unless
 * `asHost`. Teams without a scored submission are not ranked.
 *
 * @example
 * const board = await leaderboard(ctx, 'sketch-demo', 'public');
 * board.rows[0]; // { rank: 1, team: 'Voters', score: 0.8123, submissions: 4, ... }
 */
export async function leaderboard(
  ctx: ServiceContext,
  slug: string,
  split: LeaderboardSplit,
  options: { asHost?: boolean } = {},
): Promise<Leaderboard> {
  const competition = await competitionRow(ctx, slug);
  const phase = phaseOf(competition, nowOf(ctx));
  if (split === 'private' && phase !== 'ended' && !options.asHost) {
    throw new ServiceError('forbidden', 'the private leaderboard opens when the competition ends');
  }
  const inCompetition = eq(submissions.competitionId, competition.id);
  const [scoredRows, stats, teamRows] = await Promise.all([
    ctx.db
      .select({
        id: submissions.id,
        teamId: submissions.teamId,
        pub: submissions.publicAccuracy,
        priv: submissions.privateAccuracy,
        final: submissions.selectedFinal,
        createdAt: submissions.createdAt,
      })
      .from(submissions)
      .where(and(inCompetition, eq(submissions.status, 'scored'))),
    ctx.db
      .select({ teamId: submissions.teamId, n: count(), last: max(submissions.createdAt) })
      .from(submissions)
      .where(and(inCompetition, or(ne(submissions.status, 'failed'), eq(submissions.errorIsInfra, false))))
      .groupBy(submissions.teamId),
    ctx.db
      .select({ id: teams.id, name: teams.name, members: teams.members })
      .from(teams)
      .where(eq(teams.competitionId, competition.id)),
  ]);

  const byTeam = new Map<string, Scored[]>();
  for (const r of scoredRows) {
    const list = byTeam.get(r.teamId) ?? [];
    list.push({ ...r, pub: r.pub ?? 0, priv: r.priv ?? 0 });
    byTeam.set(r.teamId, list);
  }
  const pub = (s: Scored) => s.pub;
  const priv = (s: Scored) => s.priv;
  const chosen: { teamId: string; pick: Scored; score: (s: Scored) => number }[] = [];
  for (const [teamId, list] of byTeam) {
    const bestPublic = best(list, pub);
    if (split === 'public') {
      chosen.push({ teamId, pick: bestPublic, score: pub });
      continue;
    }
    const finals = list.filter((s) => s.final);
    chosen.push({ teamId, pick: finals.length > 0 ? best(finals, priv) : bestPublic, score: priv });
  }
  chosen.sort((a, b) => better(a.pick, b.pick, a.score));

  const teamById = new Map(teamRows.map((t) => [t.id, t]));
  const statsByTeam = new Map(stats.map((s) => [s.teamId, s]));
  const rows = chosen.map(({ teamId, pick, score }, i) => {
    const team = teamById.get(teamId)!;
    const stat = statsByTeam.get(teamId);
    return {
      rank: i + 1,
      teamId,
      team: team.name,
      members: team.members,
      score: score(pick),
      submissionId: pick.id,
      submissions: stat?.n ?? 0,
      lastSubmissionAt: stat?.last ?? null,
    };
  });
  return { competition: slug, split, phase, rows };
}
