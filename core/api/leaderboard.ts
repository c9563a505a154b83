// Leaderboards on the wire: the split query, a row, the standings.
import { z } from 'zod';
import { isoDate, phaseSchema, splitSchema } from './common.js';

/** Query of `GET /api/competitions/:slug/leaderboard`. */
export const leaderboardQuery = z.strictObject({
  split: splitSchema.default('public').describe('private: after the end, or the host any time'),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuery>;

/** Decimals of the accuracy column. */
export const ACCURACY_DECIMALS = 4;

/** One team's row. */
export const leaderboardRowJson = z.object({
  rank: z.number().int(),
  team: z.string(),
  members: z.array(z.string()),
  accuracy: z.number().describe(`on the board's split, ${ACCURACY_DECIMALS} decimals`),
  submissions: z.number().int().describe('submissions that count (infrastructure failures excluded)'),
  lastSubmissionAt: isoDate.nullable(),
});
export type ApiLeaderboardRow = z.infer<typeof leaderboardRowJson>;

/** Public or private standings. */
export const leaderboardResponse = z.object({
  competition: z.string(),
  split: splitSchema,
  phase: phaseSchema,
  rows: z.array(leaderboardRowJson),
});
/** Standings as a client sees them (the services' `Leaderboard` carries raw scores). */
export type ApiLeaderboard = z.infer<typeof leaderboardResponse>;
