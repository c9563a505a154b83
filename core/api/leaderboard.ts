// Leaderboards on the wire: the split query, a row, the standings.
import { z } from 'zod';
import { isoDate, pageInfo, pageQuery, phaseSchema, splitSchema, submissionKindSchema } from './common.js';

/** Rows of a board page: 100 by default, at most 1,000. */
export const BOARD_PAGE = { defaultLimit: 100, maxLimit: 1000 } as const;

/** Query of `GET /api/competitions/:slug/leaderboard`. */
export const leaderboardQuery = z.strictObject({
  split: splitSchema.default('public').describe('private: after the end, or the host any time'),
  ...pageQuery(BOARD_PAGE.defaultLimit, BOARD_PAGE.maxLimit).shape,
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
  kind: submissionKindSchema
    .default('bundle')
    .describe(
      'what the scored submission was: a bundle or a prediction file (absent from older servers: bundle)',
    ),
  submissions: z.number().int().describe('submissions that count (infrastructure failures excluded)'),
  lastSubmissionAt: isoDate.nullable(),
});
export type ApiLeaderboardRow = z.infer<typeof leaderboardRowJson>;

/** Public or private standings. */
export const leaderboardResponse = z.object({
  competition: z.string(),
  split: splitSchema,
  phase: phaseSchema,
  ...pageInfo,
  rows: z.array(leaderboardRowJson),
});
/** Standings as a client sees them (the services' `Leaderboard` carries raw scores). */
export type ApiLeaderboard = z.infer<typeof leaderboardResponse>;

/** Answer of `POST /api/competitions/:slug/standings/rebuild`: ranked teams per board after the rebuild. */
export const rebuildStandingsResponse = z.object({
  competition: z.string(),
  teams: z.object({ public: z.number().int(), private: z.number().int() }),
  boardVersion: z.number().int().describe('the version every board ETag is derived from'),
});
export type ApiRebuildStandings = z.infer<typeof rebuildStandingsResponse>;
