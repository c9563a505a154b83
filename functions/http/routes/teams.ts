// `POST /api/competitions/:slug/teams`: register a team; its bearer token is shown in this response only.
import type { Hono } from 'hono';
import { z } from 'zod';
import { registerTeam } from '../../services/teams.js';
import { readJson, validate } from '../body.js';
import type { AppEnv, RouteDeps } from '../context.js';
import { shape } from '../respond.js';
import type { RouteDoc } from './openapi.js';

/** `:slug` of every competition route. */
export const slugParams = z.strictObject({
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'a competition slug'),
});

/** Body of a registration. */
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
  createdAt: z.iso.datetime(),
});

export const createTeamResponse = z.object({
  team: teamJson,
  token: z.string().describe('bearer token of the team; shown once, only its hash is stored'),
});
export type CreateTeamResponse = z.infer<typeof createTeamResponse>;

/** The route docs of this file. */
export const teamDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/competitions/{slug}/teams',
    summary: 'Register a team',
    description: 'Returns the team and its bearer token; the token is shown only in this response.',
    tag: 'teams',
    access: 'any',
    params: slugParams,
    body: { 'application/json': createTeamBody },
    responses: { 201: { description: 'team registered', schema: createTeamResponse } },
    errors: [
      'invalid_argument',
      'unauthenticated',
      'not_found',
      'conflict',
      'competition_closed',
      'payload_too_large',
      'unsupported_media_type',
    ],
  },
];

/** Register the team routes. */
export function registerTeams(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post('/api/competitions/:slug/teams', async (c) => {
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const body = await readJson(c.req.raw, createTeamBody);
    const created = await registerTeam(deps.services, slug, body);
    return c.json(shape(createTeamResponse, created), 201);
  });
}
