// The host's management calls on the wire: update, reopen, disqualify / requalify, replace the test labels.
import { z } from 'zod';
import { isoDate, slugSchema } from './common.js';
import { competitionFields, competitionJson } from './competitions.js';
import { disqualificationJson, submissionJson } from './submissions.js';
import { teamJson } from './teams.js';

/** Body of `PATCH /api/competitions/:slug`: any of these, at least one. */
export const updateCompetitionBody = z
  .strictObject({
    title: competitionFields.title.optional(),
    description: competitionFields.description,
    rules: competitionFields.rules,
    endsAt: isoDate.optional(),
    dailyLimit: competitionFields.dailyLimit,
    finals: competitionFields.finals,
    autoFinals: competitionFields.autoFinals,
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'name at least one of title, description, rules, endsAt, dailyLimit, finals, autoFinals',
  });
export type UpdateCompetitionBody = z.input<typeof updateCompetitionBody>;

/** Body of `POST /api/competitions/:slug/reopen`: the new end, in the future. */
export const reopenBody = z.strictObject({ endsAt: isoDate });
export type ReopenBody = z.infer<typeof reopenBody>;

/** Longest disqualification reason, characters. */
export const MAX_REASON_CHARS = 500;

/** Body of the disqualify routes: why, in words the team will read. */
export const disqualifyBody = z.strictObject({
  reason: z.string().trim().min(1).max(MAX_REASON_CHARS),
});
export type DisqualifyBody = z.infer<typeof disqualifyBody>;

/** `:slug` and `:id` of a team route. */
export const teamParams = z.strictObject({ slug: slugSchema, id: z.uuid() });

/** A team as the host manages it: its disqualification, if any. */
export const hostTeamJson = teamJson.extend({ disqualification: disqualificationJson.nullable() });
export type ApiHostTeam = z.infer<typeof hostTeamJson>;

export const hostTeamResponse = z.object({ team: hostTeamJson });
export const hostTeamListResponse = z.object({ teams: z.array(hostTeamJson) });
export const disqualifiedSubmissionResponse = z.object({ submission: submissionJson });

/** One team's best scores before and after a label replacement (null: not ranked). */
export const bestChangeJson = z.object({
  teamId: z.uuid(),
  team: z.string(),
  public: z.object({ before: z.number().nullable(), after: z.number().nullable() }),
  private: z.object({ before: z.number().nullable(), after: z.number().nullable() }),
});
export type ApiBestChange = z.infer<typeof bestChangeJson>;

/** Answer of `PUT /api/competitions/:slug/labels`. */
export const labelsResponse = z.object({
  competition: competitionJson,
  rescored: z.number().int().describe('scored submissions rescored from their stored predictions'),
  changed: z.number().int().describe('of those, how many got a different public or private score'),
  boardVersion: z.number().int(),
  teams: z.array(bestChangeJson).describe('per ranked team: best public and private accuracy, old → new'),
});
export type ApiLabelsResult = z.infer<typeof labelsResponse>;
