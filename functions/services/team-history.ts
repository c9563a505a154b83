// What the team page reads beside its page of submissions: every scored public score over time, bundle names.
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { bundles, submissions } from '../db/schema.js';
import { isUuid, type ServiceContext } from './context.js';
import type { Score } from './views.js';

/** One scored submission on the team's chart: no full row, only its public score, time and final flag. */
export type ScorePoint = { id: string; createdAt: Date; public: Score; selectedFinal: boolean };

/**
 * Every scored submission of a team with a public score, oldest first, as light points (id, time, public
 * score, final flag): the team page's chart and "best" line cover all of them while its table shows a page.
 *
 * @example
 * const points = await scoreHistory(ctx, team.id); // points.filter((p) => p.selectedFinal).length
 */
export async function scoreHistory(ctx: ServiceContext, teamId: string): Promise<ScorePoint[]> {
  const rows = await ctx.db
    .select({
      id: submissions.id,
      createdAt: submissions.createdAt,
      accuracy: submissions.publicAccuracy,
      correct: submissions.publicCorrect,
      total: submissions.publicTotal,
      selectedFinal: submissions.selectedFinal,
    })
    .from(submissions)
    .where(
      and(
        eq(submissions.teamId, teamId),
        eq(submissions.status, 'scored'),
        isNotNull(submissions.publicAccuracy),
        isNotNull(submissions.publicCorrect),
        isNotNull(submissions.publicTotal),
      ),
    )
    .orderBy(asc(submissions.createdAt), asc(submissions.id));
  return rows.flatMap(({ id, createdAt, accuracy, correct, total, selectedFinal }) =>
    accuracy === null || correct === null || total === null
      ? []
      : [{ id, createdAt, public: { accuracy, correct, total }, selectedFinal }],
  );
}

/**
 * Names (the manifest's `name`) of the team's bundles among `ids`, by id: the team page names the bundles of
 * the submissions it shows without loading every bundle's manifest.
 *
 * @example
 * const names = await bundleNames(ctx, team.id, page.submissions.map((s) => s.bundleId));
 */
export async function bundleNames(
  ctx: ServiceContext,
  teamId: string,
  ids: string[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter(isUuid))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: bundles.id, name: sql<string>`${bundles.manifest}->>'name'` })
    .from(bundles)
    .where(and(eq(bundles.teamId, teamId), inArray(bundles.id, wanted)));
  return new Map(rows.map((r) => [r.id, r.name]));
}
