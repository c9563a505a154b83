// Read-only counts the pages show that the services do not expose (registered teams per competition).
import { count } from 'drizzle-orm';
import { teams } from '../../db/schema.js';
import type { ServiceContext } from '../../services/index.js';

/**
 * Registered teams per competition id (competitions without teams are absent).
 *
 * @example
 * const counts = await teamCounts(services);
 * counts.get(competition.id) ?? 0;
 */
export async function teamCounts(ctx: Pick<ServiceContext, 'db'>): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({ competitionId: teams.competitionId, n: count() })
    .from(teams)
    .groupBy(teams.competitionId);
  return new Map(rows.map((r) => [r.competitionId, r.n]));
}
