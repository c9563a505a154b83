// Teams on the wire: the registration body and the team with its once-shown token.
import { z } from 'zod';
import { isoDate } from './common.js';

/** Body of `POST /api/competitions/:slug/teams`. */
export const createTeamBody = z.strictObject({
  name: z.string().trim().min(1).max(64),
  members: z.array(z.string().trim().min(1).max(100)).min(1).max(20),
});
export type CreateTeamBody = z.infer<typeof createTeamBody>;

/** A team as the API shows it. */
export const teamJson = z.object({
  id: z.uuid(),
  competitionSlug: z.string(),
  name: z.string(),
  members: z.array(z.string()),
  createdAt: isoDate,
});
export type ApiTeam = z.infer<typeof teamJson>;

/** A registration's answer: the team and its bearer token, shown only here. */
export const createTeamResponse = z.object({
  team: teamJson,
  token: z.string().min(1).describe('bearer token of the team; shown once, only its hash is stored'),
});
export type Registration = z.infer<typeof createTeamResponse>;
