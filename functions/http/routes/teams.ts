// `POST /api/competitions/:slug/teams`: register a team; its bearer token is shown in this response only.
import { slugParams } from '../../../core/api/common.js';
import { createTeamBody, createTeamResponse } from '../../../core/api/teams.js';
import { registerTeam } from '../../services/teams.js';
import { readJson } from '../body.js';
import type { RouteDeps } from '../context.js';
import { shape } from '../respond.js';
import { type ApiApp, apiRoute, documented, errorResponses } from './openapi.js';

export const registerTeamRoute = apiRoute('any', {
  method: 'post',
  path: '/api/competitions/{slug}/teams',
  summary: 'Register a team',
  description: 'Returns the team and its bearer token; the token is shown only in this response.',
  tags: ['teams'],
  request: {
    params: slugParams,
    body: { required: true, content: { 'application/json': { schema: createTeamBody } } },
  },
  responses: {
    201: { description: 'team registered', content: { 'application/json': { schema: createTeamResponse } } },
    ...errorResponses(
      'invalid_argument',
      'unauthenticated',
      'not_found',
      'conflict',
      'competition_closed',
      'payload_too_large',
      'unsupported_media_type',
    ),
  },
});

/** Register the team routes. */
export function registerTeams(app: ApiApp, deps: RouteDeps): void {
  app.openapi(documented(app, registerTeamRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const body = await readJson(c.req.raw, createTeamBody);
    const created = await registerTeam(deps.services, slug, body);
    return c.json(shape(createTeamResponse, created), 201);
  });
}
